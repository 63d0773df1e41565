"""How an item will look on each platform it targets, as Markdown (PR comment) or HTML.

Pure rendering: the item, its problems and the config in, text out. Templates live under
`templates/preview/` (one per platform for HTML), so an office can restyle them.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2

from pipeline import messages
from pipeline.config import Sop
from pipeline.content import Item, Media, Target
from pipeline.errors import Problem
from pipeline.platforms import PLATFORMS
from pipeline.platforms.twitter_text import extract_hashtags, extract_mentions


@dataclass(frozen=True)
class PlatformPreview:
    platform: str
    label: str
    caption: str
    shown: str  # what the feed shows before "more"
    hidden: str  # the rest
    length: int
    limit: int
    unit: str
    title: str | None
    options: dict[str, Any]
    hashtags: list[str]
    mentions: list[str]
    media: tuple[Media, ...]
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class ItemPreview:
    item: Item
    schedule: str | None
    platforms: list[PlatformPreview]
    item_errors: list[Problem]
    item_warnings: list[Problem]

    @property
    def ok(self) -> bool:
        return not self.item_errors and not any(p.errors for p in self.platforms)


def build(item: Item, problems: list[Problem], sop: Sop) -> ItemPreview:
    """Collect what each platform will show and which problems belong to it."""
    own = [p for p in problems if p.file == item.file]
    previews = [_platform(item, target, [p for p in own if p.platform == target.platform]) for target in item.targets]
    general = [p for p in own if not p.platform]
    schedule = messages.format_time(item.publish_at, sop.timezone, sop.language) if item.publish_at else None
    return ItemPreview(
        item=item,
        schedule=schedule,
        platforms=previews,
        item_errors=[p for p in general if p.severity == "error"],
        item_warnings=[p for p in general if p.severity == "warning"],
    )


def _platform(item: Item, target: Target, problems: list[Problem]) -> PlatformPreview:
    platform = PLATFORMS[target.platform]
    caption = target.caption
    cut = platform.feed_cut
    shown, hidden = (caption[:cut], caption[cut:]) if cut and len(caption) > cut else (caption, "")
    title = getattr(platform, "title", None)
    return PlatformPreview(
        platform=platform.name,
        label=platform.label,
        caption=caption,
        shown=shown,
        hidden=hidden,
        length=platform.caption_length(caption),
        limit=platform.caption_limit,
        unit=platform.caption_unit,
        title=title(item, target) if title else None,
        options={k: v for k, v in target.options.items() if k != "title"},
        hashtags=extract_hashtags(caption),
        mentions=extract_mentions(caption),
        media=item.media,
        errors=[p for p in problems if p.severity == "error"],
        warnings=[p for p in problems if p.severity == "warning"],
    )


def templates_dir(root: Path | None = None) -> Path:
    """The project's own `templates/` if it has one, else the copy shipped with the package."""
    candidates = [root / "templates"] if root else []
    here = Path(__file__).resolve().parent
    candidates += [here / "templates", here.parent / "templates"]
    return next(c for c in candidates if (c / "preview").is_dir())


@functools.lru_cache(maxsize=4)
def environment(folder: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2")),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["fence"] = fence
    env.filters["md_inline"] = md_inline
    return env


def fence(text: str) -> str:
    """Text in a fenced block that nothing inside can close, so captions cannot ping or inject."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"


def md_inline(text: Any) -> str:
    """Plain text safe inside a Markdown table cell or line: no markup, no @-mention pings."""
    text = str(text).replace("\n", " ")
    text = re.sub(r"([\\`*_\[\]<>|~])", r"\\\1", text)
    return text.replace("@", "@\u200b")


def render(preview: ItemPreview, sop: Sop, fmt: str = "md", root: Path | None = None) -> str:
    env = environment(templates_dir(root))
    lang = sop.language

    def tr(key: str, **params: Any) -> str:
        return messages.t(key, lang, **params)

    def unit(name: str) -> str:
        return messages.unit_label(name, lang)

    context = {"p": preview, "t": tr, "unit": unit, "lang": lang, "sop": sop}
    if fmt == "html":
        return env.get_template("preview/page.html.j2").render(**context)
    return env.get_template("preview/item.md.j2").render(**context)
