"""The ledger: what was posted where, and who approved it — the single source of truth after merge.

None of the platforms has an idempotency key, so exactly-once rests here. Each (item, platform)
is its own small JSON record, written with compare-and-swap on a version, so platforms of one
item never contend and two runs cannot both claim the same post:

    ledger/items/<item-id>/item.json        title, kind, PR, approval trail, fingerprint
    ledger/items/<item-id>/<platform>.json  pending -> published | failed | unknown
    ledger/fingerprints/<sha256>.json       {"item": id}: the same content under a new folder
                                            name (a rename) is recognised and not posted again

`pending` is written *before* the call that creates the post. A run that dies after that leaves
`pending`, which is shown as `unknown` once stale: never retried blindly, resolved by the admin.

Stores: `FolderStore` (a directory: tests, the demo, the archive build reading a checkout of the
data branch) and `GitHubStore` (the Contents API on a data branch, whose blob `sha` is the
version, so GitHub itself refuses a stale write with 409).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

STATES = ("pending", "published", "failed", "unknown")
PENDING_STALE = timedelta(minutes=30)
DATA_BRANCH = "konten-data"  # the branch the ledger lives on (see README, "Publishing exactly once")
ROOT = "ledger"


class Conflict(Exception):
    """Someone else wrote the record since we read it; re-read and decide again."""


@dataclass
class PlatformRecord:
    """One item on one platform. `error` is the platform's own message (never a token)."""

    platform: str
    state: str
    at: str  # ISO 8601, when this state was written
    post_id: str | None = None
    url: str | None = None
    error: str | None = None
    attempts: int = 0
    run: str | None = None  # which job run wrote it, for the admin
    history: list[dict[str, Any]] = field(default_factory=list)

    def effective_state(self, now: datetime) -> str:
        """`pending` left behind by a run that died is `unknown`: the post may exist."""
        if self.state == "pending" and now - datetime.fromisoformat(self.at) > PENDING_STALE:
            return "unknown"
        return self.state


@dataclass
class StepRecord:
    """One SOP step of an item's approval record, as the archive prints it."""

    step: int
    role: str
    name: str
    by: list[str]
    started_at: str | None
    finished_at: str | None
    minutes_taken: float | None
    standard: int
    overdue: bool


@dataclass
class ItemRecord:
    """What the archive needs about an item, frozen at publishing time."""

    item: str
    title: str
    kind: str
    caption: str
    platforms: list[str]
    media: list[dict[str, Any]]  # {"file", "alt", "kind", "mime"}
    publish_at: str | None
    fingerprint: str
    pr: dict[str, Any]  # {"number", "url", "author", "merged_at", "merge_sha"}
    steps: list[StepRecord]
    sop: dict[str, str]  # {"number", "title"}
    aliases: list[str] = field(default_factory=list)


def to_json(record: Any) -> str:
    return json.dumps(asdict(record), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def platform_record(data: dict[str, Any]) -> PlatformRecord:
    return PlatformRecord(**data)


def item_record(data: dict[str, Any]) -> ItemRecord:
    steps = [StepRecord(**s) for s in data.pop("steps", [])]
    return ItemRecord(steps=steps, **data)


def fingerprint(title: str, caption: str, media_digests: list[str]) -> str:
    """The content's identity, independent of its folder name."""
    h = hashlib.sha256()
    for part in (title.strip(), caption.strip(), *media_digests):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def item_path(item_id: str, name: str) -> str:
    return f"{ROOT}/items/{item_id}/{name}.json"


def fingerprint_path(value: str) -> str:
    return f"{ROOT}/fingerprints/{value}.json"


class Store(Protocol):
    """Files with versions: `put` succeeds only if the version read is still current."""

    def get(self, path: str) -> tuple[str | None, str | None]:
        """The file's text and version, or (None, None) if it does not exist."""
        ...

    def put(self, path: str, text: str, version: str | None, message: str) -> str:
        """Write if `version` is current (None = must not exist yet); return the new version."""
        ...

    def list(self, prefix: str) -> Iterator[str]:
        """Paths of the files under `prefix`."""
        ...


class FolderStore:
    """A ledger in a local folder; the version is the content's hash, swaps are serialised."""

    _lock = threading.Lock()

    def __init__(self, root: Path) -> None:
        self.root = root

    def get(self, path: str) -> tuple[str | None, str | None]:
        file = self.root / path
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None, None
        return text, hashlib.sha1(text.encode()).hexdigest()

    def put(self, path: str, text: str, version: str | None, message: str) -> str:
        with self._lock:
            _, current = self.get(path)
            if current != version:
                raise Conflict(path)
            file = self.root / path
            file.parent.mkdir(parents=True, exist_ok=True)
            tmp = file.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, file)
            return hashlib.sha1(text.encode()).hexdigest()

    def list(self, prefix: str) -> Iterator[str]:
        base = self.root / prefix
        if base.is_dir():
            for file in sorted(base.rglob("*.json")):
                yield file.relative_to(self.root).as_posix()


class Ledger:
    """Typed access to the records in a `Store`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def item(self, item_id: str) -> ItemRecord | None:
        text, _ = self.store.get(item_path(item_id, "item"))
        return item_record(json.loads(text)) if text else None

    def platform(self, item_id: str, platform: str) -> tuple[PlatformRecord | None, str | None]:
        text, version = self.store.get(item_path(item_id, platform))
        return (platform_record(json.loads(text)) if text else None), version

    def write_platform(self, item_id: str, record: PlatformRecord, version: str | None) -> str:
        message = f"ledger: {item_id} {record.platform} {record.state}"
        return self.store.put(item_path(item_id, record.platform), to_json(record), version, message)

    def write_item(self, record: ItemRecord) -> None:
        """Create or refresh the item's record (last writer wins: it is the same data)."""
        path = item_path(record.item, "item")
        for _ in range(5):
            _, version = self.store.get(path)
            try:
                self.store.put(path, to_json(record), version, f"ledger: {record.item} record")
                return
            except Conflict:
                continue
        raise Conflict(path)

    def claim_fingerprint(self, value: str, item_id: str) -> str:
        """The item that owns this content: ours if we are first, else the one that was."""
        path = fingerprint_path(value)
        text, _ = self.store.get(path)
        if text is None:
            try:
                self.store.put(path, json.dumps({"item": item_id}) + "\n", None, f"ledger: fingerprint {item_id}")
                return item_id
            except Conflict:
                text, _ = self.store.get(path)
        return str(json.loads(text or "{}").get("item", item_id))

    def items(self) -> Iterator[tuple[ItemRecord, dict[str, PlatformRecord]]]:
        """Every item with its platform records (what the archive is built from)."""
        current: str | None = None
        record: ItemRecord | None = None
        platforms: dict[str, PlatformRecord] = {}
        for path in self.store.list(f"{ROOT}/items"):
            folder, name = path[len(ROOT) + len("/items/") :].rsplit("/", 1)
            if folder != current:
                if record is not None:
                    yield record, platforms
                current, record, platforms = folder, None, {}
            text, _ = self.store.get(path)
            if text is None:
                continue
            data = json.loads(text)
            if name == "item.json":
                record = item_record(data)
            else:
                platforms[name[:-5]] = platform_record(data)
        if record is not None:
            yield record, platforms
