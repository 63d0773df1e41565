"""What the archive shows of one item, read from the ledger, and the month it belongs to.

States are turned into what they mean *now* (a stale `pending` is `unknown`) on every build.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sys
from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from pipeline.ledger import (
    PENDING_STALE,
    ROOT,
    FolderStore,
    ItemRecord,
    Ledger,
    PlatformRecord,
)

CACHE_VERSION = 4
FLUSH = 1000  # parsed items held before they are stored in their months' pickles


class MediaRef(NamedTuple):
    file: str
    alt: str
    kind: str  # image, gif, video
    mime: str


class Post(NamedTuple):
    """One platform of an item, with the state as it stands at build time."""

    platform: str
    state: str
    url: str | None
    error: str | None
    at: str | None


class Step(NamedTuple):
    """One SOP step of the approval record (`ledger.StepRecord`, as a tuple: 8 per item add up)."""

    step: int
    role: str
    name: str
    by: tuple[str, ...]
    started_at: str | None
    finished_at: str | None
    minutes_taken: float | None
    standard: int
    overdue: bool


class Entry(NamedTuple):
    """An item as the archive shows it. Tuples, not dataclasses: they pickle and weigh least."""

    id: str
    title: str
    kind: str
    caption: str
    media: tuple[MediaRef, ...]
    published: datetime
    posts: tuple[Post, ...]
    steps: tuple[Step, ...]
    sop_number: str
    sop_title: str
    pr_number: int | None
    pr_url: str | None

    def unit(self, tz: ZoneInfo) -> str:
        """The month the item is filed under, `YYYY-MM` in the SOP's timezone."""
        local = self.published.astimezone(tz)
        return f"{local.year:04d}-{local.month:02d}"

    def digest(self) -> str:
        """Changes whenever anything shown about the item changes (its page, PDF and media)."""
        return hashlib.sha1(repr(self).encode("utf-8")).hexdigest()


def entry(record: ItemRecord, platforms: dict[str, PlatformRecord]) -> Entry | None:
    """The item as the ledger has it; None when the ledger gives no moment to file it under.

    Repeated words (roles, names, logins) are interned: 36,500 items share one copy of each.
    """
    posts = []
    for name in record.platforms or sorted(platforms):
        got = platforms.get(name)
        if got is None:
            continue
        posts.append(Post(sys.intern(name), sys.intern(got.state), got.url, got.error, got.at))
    published = _published_at(record, posts)
    if published is None:
        return None
    pr = record.pr or {}
    return Entry(
        id=record.item,
        title=record.title,
        kind=sys.intern(record.kind),
        caption=record.caption,
        media=tuple(MediaRef(m.get("file", ""), m.get("alt") or "", m.get("kind", "image"), m.get("mime", ""))
                    for m in record.media if m.get("file")),
        published=published,
        posts=tuple(posts),
        steps=tuple(Step(s.step, sys.intern(s.role), sys.intern(s.name), tuple(sys.intern(b) for b in s.by),
                         s.started_at, s.finished_at, s.minutes_taken, s.standard, s.overdue)
                    for s in record.steps),
        sop_number=sys.intern(str((record.sop or {}).get("number", ""))),
        sop_title=sys.intern(str((record.sop or {}).get("title", ""))),
        pr_number=int(pr["number"]) if pr.get("number") else None,
        pr_url=pr.get("url"),
    )


def at_time(item: Entry, now: datetime) -> Entry:
    """The item with each post's state as it stands at `now` (a stale `pending` is `unknown`)."""
    if not any(p.state == "pending" for p in item.posts):
        return item
    posts = tuple(p._replace(state=PlatformRecord(p.platform, p.state, p.at or now.isoformat()).effective_state(now))
                  for p in item.posts)
    return item._replace(posts=posts)


def _published_at(record: ItemRecord, posts: list[Post]) -> datetime | None:
    """First live post, else the planned time, else the merge, else any attempt."""
    live = [p.at for p in posts if p.state == "published" and p.at]
    merged = (record.pr or {}).get("merged_at")
    for value in (min(live, default=None), record.publish_at, merged, min((p.at for p in posts if p.at), default=None)):
        if value:
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is not None:
                return moment
    return None


class Catalogue:
    """The ledger's items filed by month, kept in `folder` so a rebuild reads only what changed.

    Reading 36,500 items is ~150,000 small JSON files, and even stat-ing them all takes seconds.
    The ledger replaces a file to change it (`FolderStore.put` writes a temporary file and renames
    it, as does a git checkout), which changes the item folder's mtime; so only folders whose
    mtime moved are listed and their items parsed again. Parsed items live in one pickle per
    month (`<folder>/units/<YYYY-MM>.pickle`) and are loaded only for the months asked for; an
    index (`<folder>/index.pickle`) keeps each folder's mtime and listing and each item's month.
    A file edited in place, without a rename, is not noticed: delete `folder` to read everything.
    """

    def __init__(self, ledger_dir: Path, folder: Path, tz: ZoneInfo) -> None:
        self.base = ledger_dir / ROOT / "items"
        self.ledger = Ledger(FolderStore(ledger_dir))
        self.folder = folder
        self.tz = tz
        self.dirs: dict[str, tuple[int, tuple[str, ...], bool]] = {}  # folder -> (mtime, subfolders, has item.json)
        self.items: dict[str, tuple[int, str | None, float | None]] = {}  # id -> (mtime, month or None, settles)
        try:
            with (folder / "index.pickle").open("rb") as handle:
                version, self.dirs, self.items = pickle.load(handle)
            if version != CACHE_VERSION:
                self.dirs, self.items = {}, {}
        except (OSError, EOFError, pickle.UnpicklingError, ValueError):
            self.dirs, self.items = {}, {}
        if not self.items:
            shutil.rmtree(folder / "units", ignore_errors=True)

    def refresh(self, now: datetime, last: datetime | None) -> set[str]:
        """Read what changed in the ledger (months' items are stored at once); return the months to show again.

        `last` is the `now` of the previous build: an item with a `pending` post changes from one
        build to the next without any file changing once the post turns `unknown`.
        """
        stamps = self._walk()
        changed: dict[str, dict[str, Entry | None]] = {}  # month -> id -> new entry (None: gone)
        affected: set[str] = set()
        pending = 0
        for item_id in set(self.items) - set(stamps):
            old_unit = self.items.pop(item_id)[1]
            if old_unit is not None:
                changed.setdefault(old_unit, {})[item_id] = None
        for item_id, stamp in stamps.items():
            known = self.items.get(item_id)
            if known is not None and known[0] == stamp:
                settles = known[2]
                if known[1] is not None and settles is not None and last is not None \
                        and (now.timestamp() > settles) != (last.timestamp() > settles):
                    affected.add(known[1])
                continue
            made = self._read(item_id)
            unit = made.unit(self.tz) if made is not None else None
            if known is not None and known[1] is not None and known[1] != unit:
                changed.setdefault(known[1], {})[item_id] = None
            if unit is not None:
                changed.setdefault(unit, {})[item_id] = made
                pending += 1
            self.items[item_id] = (stamp, unit, _settles(made))
            if pending >= FLUSH:
                affected |= self._store(changed)
                changed, pending = {}, 0
        return affected | self._store(changed)

    def _store(self, changed: dict[str, dict[str, Entry | None]]) -> set[str]:
        """Merge parsed items into their months' pickles (in batches: a first read is 36,500 items);
        return the months whose items really differ. A fresh checkout of the data branch (as in
        CI) gives every file a new mtime: the items are read again, but unchanged months stay."""
        touched = set()
        for unit, updates in changed.items():
            stored = self._load(unit)
            dirty = False
            for item_id, made in updates.items():
                if made is None:
                    dirty |= stored.pop(item_id, None) is not None
                elif stored.get(item_id) != made:
                    stored[item_id], dirty = made, True
            if dirty:
                self._save(unit, stored)
                touched.add(unit)
        return touched

    def units(self) -> set[str]:
        """Every month that has items."""
        return {unit for _, unit, _ in self.items.values() if unit is not None}

    def skipped(self) -> list[str]:
        """Items the ledger gives no moment to file under."""
        return sorted(item_id for item_id, (_, unit, _) in self.items.items() if unit is None)

    def entries(self, unit: str, now: datetime) -> list[Entry]:
        """The items of one month as they stand at `now`."""
        return [at_time(e, now) for e in self._load(unit).values()]

    def _read(self, item_id: str) -> Entry | None:
        record = self.ledger.item(item_id)
        if record is None:
            return None
        platforms = {}
        for file in sorted(os.listdir(self.base / item_id)):
            if file.endswith(".json") and file != "item.json":
                got, _ = self.ledger.platform(item_id, file[:-5])
                if got is not None:
                    platforms[file[:-5]] = got
        return entry(record, platforms)

    def _walk(self) -> dict[str, int]:
        """{item id: its folder's mtime}; a folder whose mtime has not moved is not listed again."""
        known, self.dirs = self.dirs, {}
        items: dict[str, int] = {}
        stack = [""]
        while stack:
            rel = stack.pop()
            path = os.path.join(self.base, rel)
            try:
                stamp = os.stat(path).st_mtime_ns
            except FileNotFoundError:
                continue
            hit = known.get(rel)
            if hit is not None and hit[0] == stamp:
                _, children, is_item = hit
            else:
                listing = list(os.scandir(path))
                children = tuple(e.name for e in listing if e.is_dir())
                is_item = any(e.name == "item.json" and e.is_file() for e in listing)
            self.dirs[rel] = (stamp, children, is_item)
            if is_item:
                items[rel] = stamp
            stack.extend(f"{rel}/{c}" if rel else c for c in children)
        return items

    def _load(self, unit: str) -> dict[str, Entry]:
        try:
            with (self.folder / "units" / f"{unit}.pickle").open("rb") as handle:
                return pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError):
            return {}

    def _save(self, unit: str, stored: dict[str, Entry]) -> None:
        path = self.folder / "units" / f"{unit}.pickle"
        if not stored:
            path.unlink(missing_ok=True)
            return
        _dump(path, stored)

    def save(self) -> None:
        """Keep what `refresh` read; called once the build succeeded, so a failed build is redone."""
        _dump(self.folder / "index.pickle", (CACHE_VERSION, self.dirs, self.items))


def _settles(made: Entry | None) -> float | None:
    """When the item's last `pending` post turns `unknown` (a POSIX timestamp), if it has one."""
    moments = [(datetime.fromisoformat(p.at) + PENDING_STALE).timestamp() for p in (made.posts if made else ())
               if p.state == "pending" and p.at]
    return max(moments, default=None)


def _dump(path: Path, data: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
