"""What every platform module declares: its settings, its per-item overrides and its limits.

A platform's rules are pure: they look at an `Item` and its `Target` and return problems.
Its publishing part (added beside the rules) is the only place that talks to its API.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from pipeline.content import Item, Media, Target
from pipeline.errors import Problem, Severity
from pipeline.platforms.transport import Api, PostError

MB = 1024 * 1024


class Findings:
    """Collects problems about one item on one platform, already pointing at file and platform."""

    def __init__(self, item: Item, platform: str) -> None:
        self.item = item
        self.platform = platform
        self.problems: list[Problem] = []

    def add(
        self,
        code: str,
        *,
        field: str = "",
        line: int | None = None,
        severity: Severity = "error",
        **params: Any,
    ) -> None:
        self.problems.append(
            Problem(code, file=self.item.file, line=line, field=field, platform=self.platform,
                    params=params, severity=severity)
        )

    def media(self, media: Media, code: str, severity: Severity = "error", **params: Any) -> None:
        index = self.item.media.index(media)
        self.add(code, field=f"media[{index}].file", line=media.line, severity=severity, file=media.file, **params)

    def caption(self, target: Target, code: str, severity: Severity = "error", **params: Any) -> None:
        self.add(code, field=target.caption_field, line=target.caption_line, severity=severity, **params)

    def option(self, target: Target, key: str, code: str, **params: Any) -> None:
        field = f"platforms.{target.platform}.{key}"
        self.add(code, field=field, line=target.option_lines.get(key), **params)


class TokenStore(Protocol):
    """Where a rotating refresh token is kept between runs (see `pipeline.tokens`)."""

    def load(self, name: str) -> str | None: ...
    def save(self, name: str, value: str) -> None: ...


@dataclass
class Job:
    """Everything an adapter needs to post one item to its platform, and nothing else."""

    item: Item
    target: Target
    settings: dict[str, Any]
    secrets: dict[str, str]
    urls: dict[str, str]
    media_url: Callable[[Media], str]  # the public URL a platform fetches media from
    tokens: TokenStore
    progress: Callable[[str, int, int], None] = field(default=lambda what, done, total: None)


@dataclass(frozen=True)
class Posted:
    post_id: str
    url: str


class Platform:
    """Base of the platform modules: declarations plus `check`, which the subclass extends."""

    name: ClassVar[str]
    label: ClassVar[str]
    #: keys an admin may set under `platforms.<name>` in sop.yml (tokens never: they are secrets)
    settings: ClassVar[dict[str, Any]] = {}
    #: keys an author may set under `platforms.<name>` in an item
    overrides: ClassVar[dict[str, Any]] = {"caption": str}
    caption_limit: ClassVar[int]
    #: how `caption_length` counts: chars, bytes, utf16 or weighted (X)
    caption_unit: ClassVar[str] = "chars"
    #: characters shown in the feed before the platform cuts with "more"
    feed_cut: ClassVar[int | None] = None
    needs_media: ClassVar[bool] = False

    #: environment variables holding this platform's credentials (all required)
    secrets: ClassVar[tuple[str, ...]] = ()
    #: the secrets to renew when the platform refuses the credentials (empty: all of `secrets`)
    credentials: ClassVar[tuple[str, ...]] = ()
    #: API roots; each can be pointed elsewhere with KONTEN_<NAME>_<KEY>_URL (the sandbox does)
    urls: ClassVar[dict[str, str]] = {}

    def endpoints(self, environ: dict[str, str] | None = None) -> dict[str, str]:
        env = os.environ if environ is None else environ
        return {key: env.get(f"KONTEN_{self.name.upper()}_{key.upper()}_URL", url).rstrip("/")
                for key, url in self.urls.items()}

    def publish(self, job: Job, api: Api) -> Posted:
        """Post the item (`post`); when the platform refuses the credentials, the reason names the
        secrets to renew, which only the platform knows."""
        try:
            return self.post(job, api)
        except PostError as exc:
            if exc.code != "post.credentials":
                raise
            raise PostError(exc.outcome, code="post.renew", why=exc,
                            secrets=", ".join(self.credentials or self.secrets)) from None

    def post(self, job: Job, api: Api) -> Posted:
        """Post the item; raise `PostError` (failed or unknown) if it did not surely go out."""
        raise NotImplementedError(f"{self.name} cannot publish yet")

    def caption_length(self, text: str) -> int:
        """Length as this platform counts it (code points unless it says otherwise)."""
        return len(text)

    def check(self, item: Item, target: Target) -> list[Problem]:
        """Every limit of this platform that the item breaks (errors) or nears (warnings)."""
        found = Findings(item, self.name)
        length = self.caption_length(target.caption)
        limit = self.caption_limit_for(item)
        if length > limit:
            found.caption(target, "limit.caption", length=length, limit=limit, unit=self.caption_unit)
        elif self.feed_cut and length > self.feed_cut:
            found.caption(target, "warn.feed_cut", severity="warning", cut=self.feed_cut)
        if self.needs_media and not item.media:
            found.add("limit.needs_media", field="media", line=item.lines.get(("media",)))
        self.rules(item, target, found)
        return found.problems

    def caption_limit_for(self, item: Item) -> int:
        """The caption limit for this item (a platform may have one per kind of post)."""
        return self.caption_limit

    def rules(self, item: Item, target: Target, found: Findings) -> None:
        """The platform's own limits; subclasses add to `found`."""

    # -- shared rule pieces -----------------------------------------------------------------
    @staticmethod
    def check_formats(found: Findings, media: Iterable[Media], formats: Iterable[str]) -> None:
        allowed = tuple(formats)
        for m in media:
            if m.info.format not in allowed:
                found.media(m, "limit.format", format=m.info.format, allowed=", ".join(allowed))

    @staticmethod
    def check_size(found: Findings, media: Iterable[Media], max_bytes: int, severity: Severity = "error") -> None:
        for m in media:
            if m.info.size > max_bytes:
                found.media(m, "limit.file_size", severity=severity, size=_mb(m.info.size), limit=_mb(max_bytes))

    @staticmethod
    def check_duration(found: Findings, video: Media, low: float, high: float) -> None:
        duration = video.info.duration or 0.0
        if not low <= duration <= high:
            found.media(video, "limit.duration", duration=round(duration, 1), low=low, high=high)

    @staticmethod
    def check_aspect(found: Findings, media: Iterable[Media], low: float, high: float, label: str) -> None:
        for m in media:
            aspect = m.info.aspect
            if aspect is not None and not (low - 1e-9 <= aspect <= high + 1e-9):
                found.media(m, "limit.aspect", width=m.info.width, height=m.info.height, allowed=label)

    @staticmethod
    def check_alt(found: Findings, media: Iterable[Media], limit: int) -> None:
        for m in media:
            if m.alt and len(m.alt) > limit:
                index = found.item.media.index(m)
                found.add("limit.alt", field=f"media[{index}].alt", line=m.line, length=len(m.alt), limit=limit)


def _mb(size: int) -> str:
    """Sizes as people read them; exact bytes when the rounding would hide the difference."""
    return f"{size / MB:.1f} MB" if size % (MB // 10) == 0 else f"{size / MB:.2f} MB ({size:,} byte)"
