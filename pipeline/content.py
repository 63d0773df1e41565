"""An item: one folder under `content/` with `index.md` (YAML front matter + caption) and its media.

Reading an item never raises for bad input: it returns the item it could read and every
problem found (with file, line and field), so an author sees all of them in one report.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath
from typing import Any

from pipeline.config import Sop
from pipeline.errors import Problem
from pipeline.fields import Fields, type_name
from pipeline.media import MediaInfo, sniff
from pipeline.yamlio import Path_, YamlSyntaxError, line_of, load

INDEX = "index.md"
ALIASES = {"twitter": "x"}
FIELDS = ("title", "kind", "platforms", "media", "publish_at")


@dataclass(frozen=True)
class Media:
    file: str
    alt: str | None
    path: Path
    info: MediaInfo
    line: int | None = None


@dataclass(frozen=True)
class Target:
    """The item as it goes to one platform: its caption and that platform's options."""

    platform: str
    caption: str
    caption_field: str  # where the caption comes from, for error messages
    caption_line: int | None
    options: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)
    option_lines: dict[str, int | None] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Item:
    """A draft as the author wrote it; `id` is its folder relative to `content/`."""

    id: str
    folder: Path
    source: Path
    file: str  # index.md as a person finds it (relative to the working folder)
    title: str
    kind: str
    caption: str
    media: tuple[Media, ...]
    publish_at: datetime | None
    targets: tuple[Target, ...]
    lines: dict[Path_, int] = field(default_factory=dict, hash=False, compare=False, repr=False)

    def target(self, platform: str) -> Target | None:
        return next((t for t in self.targets if t.platform == platform), None)

    @property
    def images(self) -> tuple[Media, ...]:
        return tuple(m for m in self.media if m.info.kind in ("image", "gif"))

    @property
    def videos(self) -> tuple[Media, ...]:
        return tuple(m for m in self.media if m.info.kind == "video")


def find_items(paths: list[Path]) -> Iterator[Path]:
    """Every item folder at or below the given paths (a path may be a folder or an index.md)."""
    seen: set[Path] = set()
    for path in paths:
        if path.is_file():
            candidates: Any = [path if path.name == INDEX else path.parent / INDEX]
        elif path.is_dir():
            candidates = sorted(path.rglob(INDEX))
        else:
            candidates = [path / INDEX]
        for index in candidates:
            folder = index.parent
            if folder not in seen:
                seen.add(folder)
                yield folder


def item_id(folder: Path, content_root: Path) -> str:
    """The item's folder relative to `content/`: its identity in the ledger and the archive."""
    try:
        return folder.resolve().relative_to(_real(content_root)).as_posix()
    except ValueError:
        return folder.as_posix()


@functools.lru_cache(maxsize=64)
def _real(path: Path) -> Path:
    """Resolved once: at 10,000 items every `resolve()` of the same root shows in the profile."""
    return path.resolve()


def read_item(folder: Path, sop: Sop, content_root: Path) -> tuple[Item | None, list[Problem]]:
    """Read one item folder into an `Item` and the problems with it (None if unreadable)."""
    from pipeline.platforms import PLATFORMS

    source = folder / INDEX
    file = display_path(source)
    try:
        raw = source.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None, [Problem("item.no_index", file=file)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem("file.not_utf8", file=file, line=line, params={"offset": exc.start})]
    text = text.removeprefix("\ufeff").replace("\r\n", "\n")
    head, body, body_line = _split_front_matter(text)
    if head is None:
        return None, [Problem("item.no_front_matter", file=file, line=1)]
    try:
        data, lines = load(head, line_offset=1)
    except YamlSyntaxError as exc:
        return None, [exc.problem(file)]
    if not isinstance(data, dict):
        return None, [Problem("item.front_matter_not_mapping", file=file, line=2)]

    f = Fields(data, lines, file)
    f.mapping((), FIELDS)
    title = f.get(("title",), str, required=True, default="")
    kind = f.get(("kind",), str, required=True, default="", choices=sop.kinds)
    publish_at = _publish_at(f, sop)
    media = _media(f, folder)
    caption = body.strip()
    targets = _targets(f, sop, PLATFORMS, caption, body_line)
    if not caption and not any(t.caption for t in targets):
        f.problems.append(Problem("item.no_caption", file=file, line=body_line, field="caption"))
    item = Item(
        id=item_id(folder, content_root),
        folder=folder,
        source=source,
        file=file,
        title=title,
        kind=kind,
        caption=caption,
        media=tuple(media),
        publish_at=publish_at,
        targets=tuple(targets),
        lines=lines,
    )
    return item, f.problems


def display_path(path: Path) -> str:
    """A path as a person finds it: relative to the working folder when it is inside it."""
    try:
        return path.resolve().relative_to(_real(Path.cwd())).as_posix()
    except ValueError:
        return path.as_posix()


def _split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Front matter text, body text, and the 1-based line where the body starts."""
    if not text.startswith("---\n"):
        return None, text, 1
    end = text.find("\n---", 3)
    while end != -1 and text[end + 4 : end + 5] not in ("\n", ""):
        end = text.find("\n---", end + 4)
    if end == -1:
        return None, text, 1
    head = text[4 : end + 1]
    rest = text[end + 4 :]
    body_line = head.count("\n") + 3
    if rest.startswith("\n"):
        rest = rest[1:]
    return head, rest, body_line


def _publish_at(f: Fields, sop: Sop) -> datetime | None:
    value = f.get(("publish_at",), (datetime, date, str))
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    if isinstance(value, str):
        for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M%z"):
            try:
                value = datetime.strptime(value.strip(), fmt)
                break
            except ValueError:
                continue
        else:
            f.problem(("publish_at",), "item.publish_at", value=value)
            return None
    elif not isinstance(value, datetime):
        value = datetime.combine(value, time(0, 0))
    return value if value.tzinfo else value.replace(tzinfo=sop.timezone)


def _media(f: Fields, folder: Path) -> list[Media]:
    entries = f.get(("media",), list, default=[])
    out: list[Media] = []
    real_folder = folder.resolve()
    for i, entry in enumerate(entries):
        path: Path_ = ("media", i)
        if isinstance(entry, str):  # shorthand: `- poster.jpg`
            name, alt = entry, None
        else:
            f.mapping(path, ("file", "alt"), required=True)
            name = f.get(path + ("file",), str, required=True)
            alt = f.get(path + ("alt",), str)
        if not name:
            continue
        pure = PurePosixPath(name.replace("\\", "/"))
        if pure.is_absolute() or ".." in pure.parts or name.startswith("~"):
            f.problem(path + ("file",), "media.outside", file=name)
            continue
        target = folder / pure
        try:
            resolved = target.resolve()
        except OSError:
            resolved = target
        if not resolved.is_relative_to(real_folder):
            f.problem(path + ("file",), "media.outside", file=name)
            continue
        if not target.is_file():
            f.problem(path + ("file",), "media.missing", file=name)
            continue
        try:
            info = sniff(target)
        except OSError as exc:
            f.problem(path + ("file",), "media.unreadable", file=name, reason=exc.strerror or str(exc))
            continue
        if info.kind == "unknown":
            f.problem(path + ("file",), "media.unknown_type", file=name)
            continue
        suffix = pure.suffix.lower().lstrip(".")
        if suffix and not _suffix_agrees(suffix, info):
            f.warn(path + ("file",), "media.suffix_mismatch", file=name, format=info.format)
        if info.kind in ("image", "gif") and not (alt and alt.strip()):
            f.problem(path + ("alt",), "media.alt_required", file=name)
        out.append(Media(name, alt, target, info, line_of(f.lines, path)))
    return out


_SUFFIXES = {
    "JPEG": {"jpg", "jpeg"}, "MPO": {"jpg", "jpeg"}, "PNG": {"png"}, "GIF": {"gif"}, "WEBP": {"webp"},
    "BMP": {"bmp"}, "TIFF": {"tif", "tiff"}, "MP4": {"mp4", "m4v"}, "MOV": {"mov"}, "WEBM": {"webm"},
}


def _suffix_agrees(suffix: str, info: MediaInfo) -> bool:
    return suffix in _SUFFIXES.get(info.format, {suffix})


def _targets(f: Fields, sop: Sop, registry: dict[str, Any], caption: str, body_line: int) -> list[Target]:
    value = f.get(("platforms",), (list, dict), required=True, default=[])
    names: list[tuple[str, Path_]] = []
    if isinstance(value, list):
        names = [(n, ("platforms", i)) for i, n in enumerate(value)]
    else:
        names = [(n, ("platforms", str(n))) for n in value]
    targets: list[Target] = []
    seen: set[str] = set()
    for raw_name, path in names:
        if not isinstance(raw_name, str):
            f.problem(path, "field.type", expected="text", got=type_name(raw_name), value=raw_name)
            continue
        name = ALIASES.get(raw_name.lower(), raw_name.lower())
        if name not in registry:
            f.problem(path, "item.unknown_platform", value=raw_name, choices=", ".join(registry))
            continue
        if name not in sop.enabled_platforms():
            f.problem(path, "item.platform_disabled", value=raw_name)
            continue
        if name in seen:
            f.problem(path, "item.duplicate_platform", value=raw_name)
            continue
        seen.add(name)
        overrides: dict[str, Any] = {}
        option_lines: dict[str, int | None] = {}
        if isinstance(value, dict):
            spec = registry[name].overrides
            f.mapping(path, spec)
            for key, kind in spec.items():
                got = f.get(path + (key,), kind)
                if got is not None:
                    overrides[key] = got
                    option_lines[key] = line_of(f.lines, path + (key,))
        own_caption = overrides.pop("caption", None)
        targets.append(
            Target(
                platform=name,
                caption=(own_caption if own_caption is not None else caption).strip(),
                caption_field=f"platforms.{raw_name}.caption" if own_caption is not None else "caption",
                caption_line=option_lines.pop("caption", None) if own_caption is not None else body_line,
                options=overrides,
                option_lines=option_lines,
            )
        )
    if not targets and not any(p.field.startswith("platforms") for p in f.problems):
        f.problem(("platforms",), "item.no_platforms")
    return targets
