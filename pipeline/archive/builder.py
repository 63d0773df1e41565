"""`konten archive build`: items + ledger -> Markdown -> one MkDocs site per month and a small hub.

Why months: MkDocs renders ~250 pages a second here, so a year of 3,650 items takes ~15 s and a
rebuild after one new item could not stay under 5 s; a month (~300 items) takes about one. Every
month's site is rooted at the site root (its pages live under `<YYYY>/<MM>/`), so all of them
share the hub's theme assets and can be moved into one tree. The catalogue (`model.Catalogue`)
says which months' items changed; only those months are read, written and rendered again, in
parallel, and only their postings are replaced in the search index. A manifest keeps each
month's digest and summary (what the hub and the feed need) so unchanged months are not read.
Thumbnails and PDF records are made per item, once, when what they show changes, as pool tasks
of their own.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import yaml

from pipeline import report as performance
from pipeline.archive import media as media_files
from pipeline.archive import pages, search
from pipeline.archive.model import Catalogue, Entry
from pipeline.archive.pdf import record_pdf
from pipeline.archive.text import kind_label, t
from pipeline.config import Sop

VERSION = "4"  # bump when the pages' structure changes: every month is rendered again
FEED_SIZE = 30
PERFORMANCE = "kinerja/index.md"
PERFORMANCE_MONTHS = 12
MEDIA_CHUNK = 40  # items per media task: small enough to even out the two cores at the end
log = logging.getLogger(__name__)


@dataclass
class BuildReport:
    items: int
    units: int
    built: list[str] = field(default_factory=list)  # months rendered again
    hub: bool = False
    skipped: list[str] = field(default_factory=list)  # ledger items with no moment to file them under
    seconds: float = 0.0
    shards: int = 0  # search index shards written


@dataclass
class _Unit:
    """One month's pages, sent to a worker process."""

    unit: str
    entries: list[Entry]
    names: dict[str, str]
    settings: pages.Settings
    site_url: str
    work: Path
    out: Path


@dataclass
class _Media:
    """Media copies and PDF records of some items, sent to a worker apart from their month's pages."""

    jobs: list[tuple[Entry, str, bool]]  # item, its page's URL, remake media too (the PDF always)
    settings: pages.Settings
    content: Path
    out: Path


def templates_dir(root: Path) -> Path:
    """The project's own `templates/archive/` if it has one, else the copy shipped with the package."""
    here = Path(__file__).resolve().parents[1]
    candidates = [root / "templates" / "archive", here / "templates" / "archive", here.parent / "templates" / "archive"]
    return next(c for c in candidates if (c / "pages").is_dir())


def build(root: Path, ledger_dir: Path, out_dir: Path, sop: Sop, *, site_url: str = "",
          work_dir: Path | None = None, now: datetime | None = None, workers: int | None = None,
          out: Callable[[str], None] = print) -> BuildReport:
    """Build (or bring up to date) the archive of `ledger_dir` into `out_dir`; `work_dir` keeps state.

    Work is proportional to what changed: the catalogue says which months' items changed, only
    those months are read, rendered and put into the search index. Months go to the pool as
    soon as they are read, and their media and PDFs as separate small tasks, so both cores stay
    busy to the end of a first build; the hub renders beside the months.
    """
    started = time.perf_counter()
    now = now or datetime.now(timezone.utc)
    work = work_dir or out_dir.with_name(out_dir.name + "-work")
    out_dir.mkdir(parents=True, exist_ok=True)
    templates = templates_dir(root)
    settings = pages.Settings(lang=sop.language, tz=sop.timezone, sop_number=sop.number, sop_title=sop.title,
                              does={s.n: s.does for s in sop.steps}, templates=templates)
    manifest = _load_manifest(work / "manifest.json")
    base = _digest(VERSION, sop.language, str(sop.timezone), sop.number, sop.title, repr(settings.does), site_url,
                   _tree_digest(templates))
    if manifest.get("settings") != base:
        manifest = {"settings": base}
    last = datetime.fromisoformat(manifest["now"]) if "now" in manifest else None
    catalogue = Catalogue(ledger_dir, work / "ledger", sop.timezone)
    changed = catalogue.refresh(now, last)
    skipped = catalogue.skipped()
    for item in skipped:
        out(t("archive.skipped", sop.language, item=item))
    old_units: dict[str, Any] = manifest.get("units", {})
    present = catalogue.units()
    removed = set(old_units) - present
    redo = sorted(u for u in present if u in changed or u not in old_units
                  or not (out_dir / pages.month_url(u)).is_dir())
    units = {u: v for u, v in old_units.items() if u in present}
    old_items = {i: d for u in [*redo, *removed] for i, d in old_units.get(u, {}).get("items", {}).items()}
    kept_items: set[str] = set()
    built: list[str] = []
    search_terms: dict[str, list[list[str]] | None] = {u: None for u in removed}
    media_jobs: list[tuple[Entry, str, bool]] = []
    # Workers start clean (not forked from this process) so they do not carry the ledger in memory.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    cores = workers or os.cpu_count() or 1
    with ProcessPoolExecutor(max_workers=cores, mp_context=context, initializer=_preload_engine) as pool:
        jobs: set[Future[Any]] = set()

        def submit(fn: Callable[..., Any], *args: Any) -> None:
            """Queue a task, first waiting while enough are queued: a queued task holds its items in memory."""
            while len(jobs) >= 2 * cores:
                done, _ = wait(jobs, return_when=FIRST_COMPLETED)
                for job in done:
                    job.result()
                jobs.difference_update(done)
            jobs.add(pool.submit(fn, *args))

        for unit in redo:
            group = sorted(catalogue.entries(unit, now), key=lambda e: (e.published, e.id), reverse=True)
            names = pages.slugs(unit, group)
            month = pages.month_url(unit)
            urls = {e.id: f"{month}{names[e.id]}/" for e in group}
            digests = {e.id: [_digest(e.id, repr(e.media)), _digest(e.digest(), urls[e.id])] for e in group}
            unit_digest = _digest(*(f"{i}:{d[1]}" for i, d in sorted(digests.items())))
            kept_items.update(digests)
            for e in group:
                old = old_items.get(e.id, [None, None])
                media = old[0] != digests[e.id][0] or not (out_dir / media_files.MEDIA / e.id).is_dir()
                if media or old[1] != digests[e.id][1]:
                    media_jobs.append((e, f"{site_url.rstrip('/')}/{urls[e.id]}", media))
            units[unit] = {"digest": unit_digest, "summary": pages.summary(unit, group, names, settings),
                           "items": digests}
            rows, search_terms[unit] = _search_rows(group, urls, settings)
            search.write_docs(out_dir / "cari", unit, rows)
            if old_units.get(unit, {}).get("digest") != unit_digest or not (out_dir / month).is_dir():
                submit(_build_unit, _Unit(unit, group, names, settings, site_url, work, out_dir))
                built.append(unit)
            while len(media_jobs) >= MEDIA_CHUNK:
                submit(_make_media, _Media(media_jobs[:MEDIA_CHUNK], settings, root / "content", out_dir))
                del media_jobs[:MEDIA_CHUNK]
        summaries = {u: units[u]["summary"] for u in sorted(units)}
        # The "Kinerja SOP" page: how well the office keeps its own time standards, for the public.
        extra = {PERFORMANCE: _performance_page(catalogue, sorted(units), sop, now)}
        hub_digest = _digest(json.dumps([summaries, extra], sort_keys=True, ensure_ascii=False), repr(sop.kinds))
        old_hub = manifest.get("hub", {})
        hub_files: list[str] = old_hub.get("files", [])
        build_hub = old_hub.get("digest") != hub_digest or not (out_dir / "index.html").is_file()
        hub_job = pool.submit(_build_hub, summaries, extra, settings, sop.kinds, site_url, out_dir, work, hub_files) \
            if build_hub else None
        if media_jobs:
            submit(_make_media, _Media(media_jobs, settings, root / "content", out_dir))
        for unit in removed:
            shutil.rmtree(out_dir / pages.month_url(unit), ignore_errors=True)
        for item in set(old_items) - kept_items:
            shutil.rmtree(out_dir / media_files.MEDIA / item, ignore_errors=True)
        shards = 0
        if search_terms:
            shards = search.write_index(out_dir / "cari", search_terms, lambda unit: _read_terms(work, unit),
                                        from_scratch="search" not in manifest)
        for unit, terms in search_terms.items():  # what the index now holds, for the next build
            if terms is None:
                shutil.rmtree(work / "units" / unit, ignore_errors=True)
            else:
                _write(work / "units" / unit / "search.json", json.dumps({"terms": terms}, ensure_ascii=False))
        if search_terms or not (out_dir / "feed.xml").is_file():
            (out_dir / "feed.xml").write_text(atom(summaries, site_url, settings), encoding="utf-8")
        for job in jobs:
            job.result()
        if hub_job is not None:
            hub_files = hub_job.result()

    manifest = {"settings": base, "now": now.isoformat(), "units": units, "search": True,
                "hub": {"digest": hub_digest, "files": hub_files}}
    _save_manifest(work / "manifest.json", manifest)
    catalogue.save()
    report = BuildReport(items=sum(s["count"] for s in summaries.values()), units=len(units), built=built,
                         hub=build_hub, skipped=skipped, seconds=round(time.perf_counter() - started, 2),
                         shards=shards)
    out(t("archive.built", sop.language, items=report.items, built=len(report.built), units=report.units,
          seconds=report.seconds))
    return report


def _search_rows(group: list[Entry], urls: dict[str, str], settings: pages.Settings
                 ) -> tuple[list[list[Any]], list[list[str]]]:
    """A month's result rows and words per item, oldest first: a doc number's position is stable
    while a month fills up."""
    rows, doc_terms = [], []
    for entry in reversed(group):
        rows.append([urls[entry.id], entry.title, settings.when(entry.published), kind_label(entry.kind),
                     media_files.thumbnail(entry)])
        doc_terms.append(search.terms(entry.title, entry.caption, kind_label(entry.kind),
                                      *(m.alt for m in entry.media)))
    return rows, doc_terms


def _read_terms(work: Path, unit: str) -> list[list[str]]:
    """The words the search index holds now for a month (none if it was never indexed)."""
    try:
        return json.loads((work / "units" / unit / "search.json").read_text(encoding="utf-8"))["terms"]
    except (OSError, ValueError, KeyError):
        return []


def _performance_page(catalogue: Catalogue, units: list[str], sop: Sop, now: datetime) -> str:
    """The "Kinerja SOP" page over the last `PERFORMANCE_MONTHS` months that have items.

    Why a window: medians need every measurement, and ten years are 292,000 of them (~5 s to
    load and count), more than a whole rebuild may take; a year is ~30,000. With fewer months
    than the window, the page covers everything, as `konten report` does.
    """
    window = units[-PERFORMANCE_MONTHS:]
    measured = performance.from_steps(((e.id, e.steps) for u in window for e in catalogue.entries(u, now)),
                                      sop.office_hours)
    since = until = None
    if len(window) < len(units):
        year, month = (int(x) for x in window[0].split("-"))
        since = date(year, month, 1)
        year, month = (int(x) for x in window[-1].split("-"))
        until = date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    return performance.page(performance.build(sop, measured, since=since, until=until,
                                              office_hours=bool(sop.office_hours)), sop)


# -- workers ----------------------------------------------------------------------------------
def _build_unit(task: _Unit) -> str:
    """Markdown and the MkDocs build of one month, then swap it into the site."""
    folder = task.work / "units" / task.unit
    docs = _fresh(folder / "docs")
    for path, text in pages.unit_pages(task.unit, task.entries, task.names, task.settings):
        _write(docs / path, text)
    nav = [{label: url} for label, url in _nav(task.settings, hub=False)]
    site = _render(folder, mkdocs_config(task.settings, task.site_url, nav))
    month = pages.month_url(task.unit)
    _swap(site / month, task.out / month)
    shutil.rmtree(site)
    return task.unit


def _make_media(task: _Media) -> int:
    """Media copies and PDF records of some items (they depend on no page, so they run apart)."""
    settings = task.settings
    for entry, url, remake_media in task.jobs:
        target = task.out / media_files.MEDIA / entry.id
        if remake_media:
            media_files.make_media(entry, task.content / entry.id, target)
        target.mkdir(parents=True, exist_ok=True)
        (target / media_files.PDF_NAME).write_bytes(
            record_pdf(entry, settings.tz, settings.lang, url, settings.step_label))
    return len(task.jobs)


def _build_hub(summaries: dict[str, Any], extra: dict[str, str], settings: pages.Settings, kinds: tuple[str, ...],
               site_url: str, out_dir: Path, work: Path, previous: list[str]) -> list[str]:
    """The hub's pages (and `extra` ones, by path) and the theme's assets, copied file by file beside the months."""
    folder = work / "hub"
    docs = _fresh(folder / "docs")
    for path, text in [*pages.hub_pages(summaries, settings, kinds), *extra.items()]:
        _write(docs / path, text)
    nav = [{label: url} for label, url in _nav(settings, hub=True)]
    site = _render(folder, mkdocs_config(settings, site_url, nav))
    files = sorted(p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file())
    for name in files:
        dest = out_dir / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(site / name, dest)
    shutil.rmtree(site)
    for name in set(previous) - set(files):
        (out_dir / name).unlink(missing_ok=True)
    return files


def _nav(settings: pages.Settings, hub: bool) -> list[tuple[str, str]]:
    """The same five entries everywhere: pages in the hub, links to them from a month."""
    entries = [("archive.home", "index.md", "./"), ("archive.kinds", "jenis/index.md", "jenis/"),
               ("archive.platforms", "platform/index.md", "platform/"), ("archive.search", "cari/index.md", "cari/"),
               ("archive.performance", PERFORMANCE, "kinerja/")]
    return [(settings.tr(key), doc if hub else link) for key, doc, link in entries]


def mkdocs_config(settings: pages.Settings, site_url: str, nav: list[dict[str, str]]) -> dict[str, Any]:
    """One site's `mkdocs.yml`: material, no plugins (no search, privacy, social, blog), no hooks."""
    config: dict[str, Any] = {
        "site_name": settings.tr("archive.site_name"),
        "docs_dir": "docs",
        "site_dir": "site",
        "use_directory_urls": True,
        "theme": {"name": "material", "custom_dir": str(settings.templates / "overrides"), "language": settings.lang,
                  "font": False, "palette": {"primary": "red", "accent": "red"}, "features": ["navigation.top"]},
        "extra_css": ["assets/archive/archive.css"],
        "extra": {"generator": False, "homepage": "./", "konten": pages.labels(settings)},
        "plugins": [],
        "nav": nav,
        "not_in_nav": "*",
        "validation": {"nav": {"omitted_files": "ignore", "not_found": "ignore", "absolute_links": "ignore"},
                       "links": {"not_found": "warn", "anchors": "ignore", "absolute_links": "ignore",
                                 "unrecognized_links": "ignore"}},
    }
    if site_url:
        config["site_url"] = site_url
    return config


def _preload_engine() -> None:
    """Import MkDocs and the theme when a worker starts, not in the middle of its first month."""
    import material  # noqa: F401
    import mkdocs.commands.build  # noqa: F401


def _render(folder: Path, config: dict[str, Any]) -> Path:
    """Run the engine on `folder/mkdocs.yml`; return the folder it wrote."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    path = folder / "mkdocs.yml"
    _write(path, yaml.safe_dump(config, allow_unicode=True, sort_keys=False))
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    mkdocs_build(load_config(str(path)))
    return folder / "site"


# -- feed -------------------------------------------------------------------------------------
def atom(summaries: dict[str, Any], site_url: str, settings: pages.Settings) -> str:
    """An Atom feed of the latest items (the hub keeps the newest of every month)."""
    latest = sorted((c for u in sorted(summaries, reverse=True)[:2] for c in summaries[u]["latest"]),
                    key=lambda c: c["iso"], reverse=True)[:FEED_SIZE]
    root = site_url.rstrip("/") + "/" if site_url else ""
    updated = latest[0]["iso"] if latest else "1970-01-01T00:00:00+00:00"
    parts = ['<?xml version="1.0" encoding="utf-8"?>',
             f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="{settings.lang}">',
             f"<title>{escape(settings.tr('archive.site_name'))}</title>",
             f'<link href="{escape(root)}feed.xml" rel="self"/>', f'<link href="{escape(root) or "./"}"/>',
             f"<id>{escape(root or 'urn:konten:arsip')}</id>", f"<updated>{updated}</updated>"]
    for c in latest:
        link = escape(root + c["url"])
        parts += ["<entry>", f"<title>{escape(c['title'])}</title>", f'<link href="{link}"/>',
                  f"<id>{link if root else 'urn:konten:' + escape(c['url'])}</id>", f"<updated>{c['iso']}</updated>",
                  f"<category term=\"{escape(c['kind'])}\"/>", f"<summary>{escape(c['caption'])}</summary>", "</entry>"]
    parts.append("</feed>")
    return "\n".join(parts) + "\n"


# -- serving ----------------------------------------------------------------------------------
class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
        log.debug(format, *args)


def make_server(out_dir: Path, port: int = 8000, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """A static server of the built site (port 0 picks a free one); call `serve_forever()`."""
    handler = functools.partial(_QuietHandler, directory=str(out_dir))
    return ThreadingHTTPServer((host, port), handler)


def serve(out_dir: Path, port: int = 8000, host: str = "127.0.0.1", lang: str = "id",
          out: Callable[[str], None] = print) -> int:
    """`konten archive serve`: the built site on http://host:port/ until Ctrl+C."""
    if not (out_dir / "index.html").is_file():
        out(t("archive.no_site", lang, out=out_dir))
        return 1
    with make_server(out_dir, port, host) as server:
        out(t("archive.serving", lang, url=f"http://{host}:{server.server_address[1]}/"))
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            return 0
    return 0


# -- files ------------------------------------------------------------------------------------
def _digest(*parts: str) -> str:
    h = hashlib.sha1()
    for part in parts:
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def _tree_digest(folder: Path) -> str:
    return _digest(*(f"{p.relative_to(folder)}:{hashlib.sha1(p.read_bytes()).hexdigest()}"
                     for p in sorted(folder.rglob("*")) if p.is_file()))


def _load_manifest(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _save_manifest(path: Path, manifest: dict[str, Any]) -> None:
    _write(path.with_suffix(".tmp"), json.dumps(manifest, ensure_ascii=False))
    os.replace(path.with_suffix(".tmp"), path)


def _fresh(folder: Path) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _swap(new: Path, current: Path) -> None:
    """Replace a month's folder in the site by its new build (readers see old or new, not half)."""
    current.parent.mkdir(parents=True, exist_ok=True)
    old = current.with_name(current.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if current.exists():
        os.replace(current, old)
    shutil.move(new, current)
    shutil.rmtree(old, ignore_errors=True)
