"""The publish tests' harness: one checkout, its ledger and tokens, and a host serving its media.

Shared by the Facebook/Instagram, X, YouTube and TikTok tests; the `host` fixture is in conftest.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from itemkit import REPO, make_item

from pipeline.config import Sop, parse_sop
from pipeline.content import Item
from pipeline.ledger import FolderStore, Ledger, PlatformRecord, StepRecord
from pipeline.publish import Approval, Attempt, Publisher
from pipeline.sandbox.http import FakeServer, Request, Response, route
from pipeline.sandbox.meta import MediaHost, MetaServer
from pipeline.tokens import KEY_ENV, EncryptedTokens


class ContentHost(MediaHost):
    """The public media URL of an item's file: <host>/media/<item>/<file>, as `Publisher.media_url` builds it."""

    @route("GET", "/media/{item}/{name}")
    def get_item_file(self, request: Request) -> Response:
        request.params = {"name": f"{request.params['item']}/{request.params['name']}"}
        return self.get_file(request)

    def serve(self, item: Item) -> None:
        for media in item.media:
            self.add(f"{item.id}/{media.file}", media.path.read_bytes(), media.info.mime)


def padded(path: Path, size: int, out: Path) -> Path:
    """A real MP4 grown to `size` bytes with a trailing `free` box (valid MP4, same duration)."""
    data = path.read_bytes()
    filler = size - len(data)
    assert filler >= 8
    out.write_bytes(data + filler.to_bytes(4, "big") + b"free" + bytes(filler - 8))
    return out


def picture(width: int, height: int, color: str) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, format="JPEG")
    return buf.getvalue()


def sop_for_sandboxes() -> Sop:
    """The shipped sop.yml with the sandbox's Page, app and Instagram account."""
    text = (REPO / "sop.yml").read_text(encoding="utf-8")
    for old, new in (('page_id: "000000000000000"',
                      f'page_id: "{MetaServer.PAGE_ID}"\n    app_id: "{MetaServer.APP_ID}"'),
                     ('user_id: "00000000000000000"', f'user_id: "{MetaServer.IG_USER_ID}"')):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return parse_sop(text, "sop.yml")


@dataclass
class Harness:
    """One repository checkout with a ledger, a token store and the environment of a publish job."""

    root: Path
    environ: dict[str, str]
    host: ContentHost
    out: list[str] = field(default_factory=list)
    sleeps: list[float] = field(default_factory=list)
    attempts: list[Attempt] = field(default_factory=list)
    on_sleep: Callable[[float], None] = lambda seconds: None
    media_base_url: str | None = None  # None: the host's /media; "": the publisher's default (raw GitHub URLs)

    def __post_init__(self) -> None:
        self.environ[KEY_ENV] = Fernet.generate_key().decode()
        self.store = FolderStore(self.root / "data")
        self.ledger = Ledger(self.store)
        self.tokens = EncryptedTokens(self.store, self.environ)
        self.sop = sop_for_sandboxes()

    def point(self, platform: str, key: str, server: FakeServer) -> None:
        self.environ[f"KONTEN_{platform.upper()}_{key.upper()}_URL"] = server.url

    def item(self, name: str, platforms: Any, body: str, media: dict[str, Any] | None = None,
             serve: bool = True, **front: Any) -> Item:
        item = make_item(self.root / "content" / name, platforms, body, media, **front)
        if serve:
            self.host.serve(item)
        return item

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.on_sleep(seconds)

    def run(self) -> list[Attempt]:
        base = f"{self.host.url}/media" if self.media_base_url is None else self.media_base_url
        publisher = Publisher(sop=self.sop, root=self.root, ledger=self.ledger, approvals=approved,
                              tokens=self.tokens, environ=dict(self.environ), media_base_url=base, run_id="test",
                              out=self.out.append, sleep=self.sleep)
        attempts = publisher.run()
        self.attempts += attempts
        return attempts

    def record(self, item: Item, platform: str) -> PlatformRecord:
        record, _ = self.ledger.platform(item.id, platform)
        assert record is not None
        return record

    def assert_no_secret(self, printed: str, more: tuple[str, ...] = ()) -> None:
        """No secret in any ledger or token file, in the output, or in any attempt's reason."""
        values = [v for k, v in self.environ.items() if not k.endswith("_URL")] + list(more)
        texts = [p.read_text(encoding="utf-8") for p in (self.root / "data").rglob("*") if p.is_file()]
        texts += [*self.out, printed, *(f"{a.reason} {a.url}" for a in self.attempts)]
        assert texts and values
        for value in filter(None, values):
            for text in texts:
                assert value not in text


def approved(item: Item) -> Approval:
    """Approval verification is tested elsewhere; here every item is approved."""
    return Approval({"number": 7, "url": "https://github.com/kpu/konten/pull/7"},
                    [StepRecord(8, "publisher", "Media Sosial Admin", [], None, None, None, 5, False)])


def only(attempts: list[Attempt]) -> Attempt:
    assert len(attempts) == 1, attempts
    return attempts[0]
