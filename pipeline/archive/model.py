"""What the archive shows of one item, read from the ledger, and the month it belongs to.

Reading 36,500 items means ~150,000 small JSON files; a rebuild after one new item must not read
them all again, so parsed records are kept in a cache keyed by each file's size and mtime.
States are turned into what they mean *now* (a stale `pending` is `unknown`) on every build.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
from datetime import datetime
from pathlib import Path
from typing import NamedTuple
from zoneinfo import ZoneInfo

from pipeline.ledger import ROOT, FolderStore, ItemRecord, Ledger, PlatformRecord

CACHE_VERSION = 3


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


def load_entries(ledger_dir: Path, now: datetime, cache_file: Path) -> tuple[list[Entry], list[str]]:
    """Every item of the ledger as an `Entry` at `now`, and the ids that could not be filed."""
    cache: dict[str, tuple[tuple, Entry | None]] = {}
    try:
        with cache_file.open("rb") as handle:
            version, cache = pickle.load(handle)
        if version != CACHE_VERSION:
            cache = {}
    except (OSError, EOFError, pickle.UnpicklingError, ValueError):
        cache = {}
    ledger = Ledger(FolderStore(ledger_dir))
    fresh: dict[str, tuple[tuple, Entry | None]] = {}
    changed = False
    entries: list[Entry] = []
    skipped: list[str] = []
    for item_id, signature, names in _scan(ledger_dir / ROOT / "items"):
        hit = cache.get(item_id)
        if hit is not None and hit[0] == signature:
            made = hit[1]
        else:
            record = ledger.item(item_id)
            if record is None:
                continue
            platforms = {}
            for name in names:
                got, _ = ledger.platform(item_id, name)
                if got is not None:
                    platforms[name] = got
            made = entry(record, platforms)
            changed = True
        fresh[item_id] = (signature, made)
        if made is None:
            skipped.append(item_id)
        else:
            entries.append(at_time(made, now))
    if not changed and len(fresh) == len(cache):
        return entries, skipped
    cache_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache_file.with_suffix(".tmp")
    with tmp.open("wb") as handle:
        pickle.dump((CACHE_VERSION, fresh), handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, cache_file)
    return entries, skipped


def _scan(base: Path) -> list[tuple[str, tuple, list[str]]]:
    """(item id, signature of its files, platform names) for every folder holding an item.json."""
    found = []
    root = str(base)
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            listing = list(os.scandir(folder))
        except FileNotFoundError:
            continue
        files = sorted((e for e in listing if e.name.endswith(".json") and e.is_file()), key=lambda e: e.name)
        if any(e.name == "item.json" for e in files):
            signature = tuple((e.name, *_stamp(e)) for e in files)
            names = [e.name[:-5] for e in files if e.name != "item.json"]
            found.append((os.path.relpath(folder, root).replace(os.sep, "/"), signature, names))
        stack.extend(e.path for e in listing if e.is_dir())
    return sorted(found)


def _stamp(dir_entry: os.DirEntry) -> tuple[int, int]:
    stat = dir_entry.stat()
    return stat.st_size, stat.st_mtime_ns
