"""The sandbox: the faithful local GitHub and platform servers, started together.

The same servers the tests check against the official schemas; `konten sandbox` and
`konten demo` run them on 127.0.0.1 so the whole SOP can be tried with no account.
"""

from __future__ import annotations

import contextlib
import mimetypes
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from pipeline.sandbox.http import FakeServer, Request, Response

OWNER = "kpu-jateng"
REPO = "konten"
TOKEN = "ghs_sandbox_token"


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """Set variables for the duration of one in-process `konten` run, as a workflow step would."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


class StaticHost(FakeServer):
    """Serves a folder's files at /media/<path>: the public media URL Instagram and TikTok fetch."""

    name = "media"

    def __init__(self, root: Path, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.root = root.resolve()

    def dispatch(self, request: Request) -> Response:
        if request.method != "GET" or not request.path.startswith("/media/"):
            return Response(404, b"not found", {"Content-Type": "text/plain"})
        target = (self.root / request.path[len("/media/"):]).resolve()
        if not target.is_relative_to(self.root) or not target.is_file():
            return Response(404, b"not found", {"Content-Type": "text/plain"})
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        return Response(200, target.read_bytes(), {"Content-Type": ctype})


class Sandbox:
    """GitHub, X, Meta (Facebook + Instagram), YouTube, TikTok, a Telegram group and a media host on free ports."""

    def __init__(self, media_root: Path, clock: Callable[[], datetime] | None = None) -> None:
        from pipeline.sandbox.github import GitHubServer
        from pipeline.sandbox.meta import MetaServer
        from pipeline.sandbox.telegram import TelegramServer
        from pipeline.sandbox.tiktok import TikTokServer
        from pipeline.sandbox.x import XServer
        from pipeline.sandbox.youtube import YouTubeServer

        self.github = GitHubServer(token=TOKEN, clock=clock)
        self.x = XServer()
        self.meta = MetaServer()
        self.youtube = YouTubeServer()
        self.tiktok = TikTokServer()
        self.telegram = TelegramServer()  # the office's group chat, for announcements and reminders
        self.media = StaticHost(media_root)
        self.token_key = Fernet.generate_key().decode()  # keeps TikTok's rotated token, as in production
        self.servers: list[FakeServer] = [self.github, self.x, self.meta, self.youtube, self.tiktok, self.telegram,
                                          self.media]

    @property
    def checked(self) -> bool:
        """Whether the platforms' imitations check requests against the official specs (`shared/`)."""
        return all(server.spec is not None for server in (self.x, self.youtube, self.meta))

    def start(self) -> Sandbox:
        for server in self.servers:
            server.start()
        return self

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def environ(self) -> dict[str, str]:
        """The variables that point `konten` at the sandbox (sandbox credentials, not real ones)."""
        x, yt, tt = self.x, self.youtube, self.tiktok
        return {
            "GITHUB_API_URL": self.github.url,
            "GITHUB_REPOSITORY": f"{OWNER}/{REPO}",
            "GITHUB_TOKEN": TOKEN,
            "KONTEN_X_API_URL": x.url,
            "X_CONSUMER_KEY": x.CONSUMER_KEY,
            "X_CONSUMER_SECRET": x.CONSUMER_SECRET,
            "X_ACCESS_TOKEN": x.ACCESS_TOKEN,
            "X_ACCESS_TOKEN_SECRET": x.ACCESS_TOKEN_SECRET,
            "KONTEN_FACEBOOK_GRAPH_URL": self.meta.url,
            "KONTEN_FACEBOOK_VIDEO_URL": self.meta.url,
            "FACEBOOK_PAGE_TOKEN": self.meta.PAGE_TOKEN,
            "KONTEN_INSTAGRAM_GRAPH_URL": self.meta.url,
            "INSTAGRAM_TOKEN": self.meta.PAGE_TOKEN,
            "KONTEN_YOUTUBE_API_URL": yt.url,
            "KONTEN_YOUTUBE_UPLOAD_URL": yt.url,
            "KONTEN_YOUTUBE_TOKEN_URL": yt.url,
            "YOUTUBE_CLIENT_ID": yt.CLIENT_ID,
            "YOUTUBE_CLIENT_SECRET": yt.CLIENT_SECRET,
            "YOUTUBE_REFRESH_TOKEN": yt.REFRESH_TOKEN,
            "KONTEN_TIKTOK_API_URL": tt.url,
            "TIKTOK_CLIENT_KEY": tt.CLIENT_KEY,
            "TIKTOK_CLIENT_SECRET": tt.CLIENT_SECRET,
            "TIKTOK_REFRESH_TOKEN": tt.REFRESH_TOKEN,
            "KONTEN_TOKEN_KEY": self.token_key,
            "KONTEN_MEDIA_BASE_URL": f"{self.media.url}/media",
            "KONTEN_TELEGRAM_API_URL": self.telegram.url,
            "TELEGRAM_BOT_TOKEN": self.telegram.TOKEN,
        }
