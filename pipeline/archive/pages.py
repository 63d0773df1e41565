"""Plain Markdown pages (front matter, headings, HTML blocks) that any MkDocs-compatible engine renders.

Every link is written relative to the page, computed here, so a month's site and the hub can be
built apart and still land in one tree. Paths, from the site root:

    index.md                       hub home: latest items, years, kinds, platforms, search form
    <YYYY>/index.md                hub: the months of a year
    jenis/<kind>/, platform/<p>/   hub: counts by month, linking to the month's lists
    cari/                          hub: search
    <YYYY>/<MM>/                   month: all its items, paginated (`hal/<n>/`)
    <YYYY>/<MM>/jenis/<kind>/      month: by kind;   <YYYY>/<MM>/platform/<p>/: by platform
    <YYYY>/<MM>/<slug>/            an item
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import jinja2

from pipeline import messages
from pipeline.archive import media as media_files
from pipeline.archive.model import Entry
from pipeline.archive.text import kind_label, minutes, month_name, t

PAGE_SIZE = 50
LATEST = 24
RESERVED = {"hal", "jenis", "platform"}


@dataclass(frozen=True)
class Settings:
    """What every page needs besides the items: language, timezone, SOP steps, templates."""

    lang: str
    tz: ZoneInfo
    sop_number: str
    sop_title: str
    does: dict[int, str]  # SOP step number -> what it does (draft, review, ...)
    templates: Path

    def tr(self, key: str, **params: Any) -> str:
        return t(key, self.lang, **params)

    def when(self, moment: datetime | str | None) -> str:
        if not moment:
            return t("archive.none", self.lang)
        value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
        return messages.format_time(value, self.tz, self.lang)

    def step_label(self, n: int) -> str:
        does = self.does.get(n)
        return t(f"archive.does.{does}", self.lang) if does else ""


@functools.lru_cache(maxsize=4)
def environment(folder: Path) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True)
    return env


def render(settings: Settings, template: str, **values: Any) -> str:
    env = environment(settings.templates / "pages")
    return env.get_template(template).render(tr=settings.tr, **values)


def up(url: str) -> str:
    """From a page at `url` (directory style, `a/b/`) back to the site root."""
    return "../" * url.count("/")


# -- addresses --------------------------------------------------------------------------------
def month_url(unit: str) -> str:
    return unit.replace("-", "/") + "/"


def slugs(unit: str, entries: list[Entry]) -> dict[str, str]:
    """Each item's page name within its month: its folder name without the `YYYY/MM/` prefix."""
    prefix = month_url(unit)
    out: dict[str, str] = {}
    taken: set[str] = set()
    for entry in sorted(entries, key=lambda e: e.id):
        name = entry.id[len(prefix):] if entry.id.startswith(prefix) else entry.id
        slug = re.sub(r"[^a-z0-9._-]+", "-", name.lower()).strip("-.") or "konten"
        if slug in taken or slug in RESERVED:
            slug = f"{slug}-{hashlib.sha1(entry.id.encode()).hexdigest()[:6]}"
        taken.add(slug)
        out[entry.id] = slug
    return out


def paged(base: str, count: int) -> list[str]:
    """URLs of the pages of a list of `count` items starting at `base`."""
    pages = max(1, -(-count // PAGE_SIZE))
    return [base] + [f"{base}hal/{n}/" for n in range(2, pages + 1)]


def doc_path(url: str) -> str:
    """The Markdown file that becomes `url` with directory URLs."""
    return f"{url}index.md" if url.endswith("/") or not url else f"{url}.md"


# -- views ------------------------------------------------------------------------------------
def markdown_page(front: dict[str, Any], body: str = "") -> str:
    """Front matter (each value as JSON, which YAML reads; MkDocs parses it with libyaml) and a body.

    `title` and `description` are HTML-escaped here: MkDocs takes a page title as HTML (titles
    from headings carry markup) and the theme prints both unescaped into `<title>`, the header
    and `<meta>`, so an author's `</title><script>` would otherwise run on the public site.
    """
    front = {k: html.escape(v) if k in ("title", "description") else v for k, v in front.items()}
    head = "\n".join(f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front.items())
    return f"---\n{head}\n---\n\n{body}"


def caption_markdown(caption: str) -> str:
    """The caption as Markdown that shows exactly the text: markup escaped, line breaks kept."""
    paragraphs = []
    for para in re.split(r"\n\s*\n", caption.strip()):
        lines = []
        for line in para.splitlines():
            line = _MD_SPECIAL.sub(r"\\\1", line.strip()).replace("<", "&lt;").replace(">", "&gt;")
            line = _MD_LIST_START.sub(r"\1\\\2", line)
            if line:
                lines.append(line)
        paragraphs.append("  \n".join(lines))
    return "\n\n".join(p for p in paragraphs if p) + "\n"


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]#|~!])")  # markup anywhere in a line (< and > become entities)
_MD_LIST_START = re.compile(r"^(\d*)([.)+=-])")  # a list or heading underline at a line's start


def card(entry: Entry, url: str, settings: Settings) -> dict[str, Any]:
    """What a list shows of an item (also kept in the manifest for the hub and the feed)."""
    trouble = "".join(f" · {messages.platform_label(p.platform)}: {settings.tr('archive.state.' + p.state)}"
                      for p in entry.posts if p.state != "published")
    return {
        "url": url,
        "title": entry.title,
        "thumb": media_files.thumbnail(entry),
        "alt": entry.media[0].alt if entry.media else "",
        "line": f" {settings.when(entry.published)} · {kind_label(entry.kind)}{trouble}",
        "iso": entry.published.isoformat(),
        "kind": kind_label(entry.kind),
        "caption": entry.caption,
    }


def row(card: dict[str, Any]) -> list[Any]:
    """A card as `list.html` reads it: url, title, thumbnail, its alt text, the date line."""
    return [card["url"], card["title"], card["thumb"], card["alt"], card["line"]]


def labels(settings: Settings) -> dict[str, Any]:
    """The words of the theme templates (`extra.konten` in mkdocs.yml), in the SOP's language."""
    tr = settings.tr
    return {
        "date": tr("archive.date"), "kind": tr("archive.kind"), "media": tr("archive.media"),
        "posts": tr("archive.posts"), "view_post": tr("archive.view_post"), "approval": tr("archive.approval"),
        "video_fallback": tr("archive.video_fallback"), "pdf": tr("archive.pdf"), "print": tr("archive.print"),
        "newer": tr("archive.newer"), "older": tr("archive.older"),
        "steps": [tr(k) for k in ("archive.step", "archive.actor", "archive.who", "archive.started",
                                  "archive.finished", "archive.taken", "archive.standard")],
    }


def item_page(entry: Entry, url: str, settings: Settings) -> str:
    """The item's page: the caption as Markdown, the record as front matter for `item.html`."""
    lang = settings.lang
    # rows, not mappings: front matter of 36,500 pages is parsed by YAML, and mappings cost the most
    shown = [[m.kind == "video", media_files.media_path(entry.id, m.file),
              media_files.media_path(entry.id, media_files.derived(m.file, "w960", poster=m.kind == "video")),
              m.alt, m.mime or "video/mp4"] for m in entry.media]
    posts = []
    for p in entry.posts:
        text = f"{messages.platform_label(p.platform)}: {settings.tr('archive.state.' + p.state)}"
        if p.state == "published" and p.at:
            text += f" ({settings.when(p.at)})"
        elif p.state == "failed":  # the reason stays in the ledger: it is for the admin, not the public
            text += ". " + settings.tr("archive.state.failed_note")
        elif p.state == "unknown":
            text += ". " + settings.tr("archive.state.unknown_note")
        posts.append([p.state, text, p.url if p.state == "published" else None])
    steps = []
    for s in entry.steps:
        taken = t("archive.none", lang) if s.minutes_taken is None else (
            f"{minutes(s.minutes_taken, lang)} ({settings.tr('archive.overdue' if s.overdue else 'archive.within')})")
        does = settings.step_label(s.step)
        steps.append([s.step, f"{s.name} ({does})" if does else s.name, ", ".join(s.by) or t("archive.none", lang),
                      settings.when(s.started_at), settings.when(s.finished_at), taken, minutes(s.standard, lang),
                      s.overdue])
    unit = entry.unit(settings.tz)
    record = {
        "iso": entry.published.isoformat(), "date": settings.when(entry.published), "kind": kind_label(entry.kind),
        "kind_url": f"{month_url(unit)}jenis/{entry.kind}/", "media": shown, "posts": posts, "steps": steps,
        "sop": t("archive.sop_line", lang, number=entry.sop_number, title=entry.sop_title),
        "pr": t("archive.pr", lang, number=entry.pr_number) if entry.pr_number else None, "pr_url": entry.pr_url,
        "pdf": media_files.media_path(entry.id, media_files.PDF_NAME),
    }
    front = {"title": entry.title, "description": " ".join(entry.caption.split())[:160], "template": "item.html",
             "hide": ["toc"], "konten": record}
    return markdown_page(front, caption_markdown(entry.caption))


def list_pages(base: str, title: str, cards: list[dict[str, Any]], settings: Settings,
               links: list[tuple[str, str]], compact: bool = False) -> Iterator[tuple[str, str]]:
    """(Markdown path, text) of each page of a paginated list; `compact`: one line an item, no picture."""
    urls = paged(base, len(cards))
    for n, url in enumerate(urls, start=1):
        heading = title if n == 1 else f"{title} ({settings.tr('archive.page_of', page=n, pages=len(urls))})"
        chunk = cards[(n - 1) * PAGE_SIZE: n * PAGE_SIZE]
        record = {"entries": [row(c) for c in chunk], "compact": compact, "links": links,
                  "count": settings.tr("archive.count", n=len(cards)), "page": n, "pages": urls,
                  "page_of": settings.tr("archive.page_of", page=n, pages=len(urls))}
        yield doc_path(url), markdown_page({"title": heading, "template": "list.html", "hide": ["toc"],
                                            "konten": record})


def unit_pages(unit: str, entries: list[Entry], names: dict[str, str],
               settings: Settings) -> Iterator[tuple[str, str]]:
    """Every page of one month: its items and its lists (all, by kind, by platform)."""
    base = month_url(unit)
    year, month = (int(x) for x in unit.split("-"))
    label = t("archive.month_title", settings.lang, month=month_name(month, settings.lang), year=year)
    cards = []
    for entry in entries:
        url = f"{base}{names[entry.id]}/"
        yield doc_path(url), item_page(entry, url, settings)
        cards.append((entry, card(entry, url, settings)))
    kinds = sorted({e.kind for e, _ in cards})
    platforms = sorted({p.platform for e, _ in cards for p in e.posts})
    facets = [(kind_label(k), f"{base}jenis/{k}/") for k in kinds]
    facets += [(messages.platform_label(p), f"{base}platform/{p}/") for p in platforms]
    yield from list_pages(base, label, [c for _, c in cards], settings, facets)
    back = [(t("archive.all_month", settings.lang), base)]
    for kind in kinds:
        title = t("archive.month_kind_title", settings.lang, kind=kind_label(kind),
                  month=month_name(month, settings.lang), year=year)
        yield from list_pages(f"{base}jenis/{kind}/", title, [c for e, c in cards if e.kind == kind], settings, back,
                              compact=True)
    for name in platforms:
        title = t("archive.month_platform_title", settings.lang, platform=messages.platform_label(name),
                  month=month_name(month, settings.lang), year=year)
        chosen = [c for e, c in cards if any(p.platform == name for p in e.posts)]
        yield from list_pages(f"{base}platform/{name}/", title, chosen, settings, back, compact=True)


def summary(unit: str, entries: list[Entry], names: dict[str, str], settings: Settings) -> dict[str, Any]:
    """What the hub and the feed need of a month, kept so an unchanged month is not read again."""
    kinds: dict[str, int] = {}
    platforms: dict[str, int] = {}
    for entry in entries:
        kinds[entry.kind] = kinds.get(entry.kind, 0) + 1
        for post in entry.posts:
            platforms[post.platform] = platforms.get(post.platform, 0) + 1
    base = month_url(unit)
    latest = [card(e, f"{base}{names[e.id]}/", settings) for e in entries[:LATEST]]
    return {"count": len(entries), "kinds": kinds, "platforms": platforms, "latest": latest}


def hub_pages(summaries: dict[str, dict[str, Any]], settings: Settings, kinds_order: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    """The hub: home, one page per year, per kind and per platform, and search. Size grows with months only."""
    lang = settings.lang
    units = sorted(summaries, reverse=True)
    latest = sorted((c for u in units[:2] for c in summaries[u]["latest"]), key=lambda c: c["iso"], reverse=True)
    by_year: dict[str, list[str]] = {}
    for unit in units:
        by_year.setdefault(unit[:4], []).append(unit)
    years = [{"year": y, "url": f"{y}/", "total": sum(summaries[u]["count"] for u in us),
              "months": [{"label": month_name(int(u[5:]), lang), "count": summaries[u]["count"], "url": month_url(u)}
                         for u in us]} for y, us in by_year.items()]
    kinds = _totals(summaries, "kinds", kinds_order)
    platforms = _totals(summaries, "platforms", tuple(sorted({p for s in summaries.values() for p in s["platforms"]})))
    body = render(settings, "home.md.j2", years=years, sop=f"SOP {settings.sop_number} ({settings.sop_title})",
                  kinds=[{"label": kind_label(k), "count": n, "url": f"jenis/{k}/"} for k, n in kinds],
                  platforms=[{"label": messages.platform_label(p), "count": n, "url": f"platform/{p}/"}
                             for p, n in platforms])
    record = {"entries": [row(c) for c in latest[:LATEST]], "heading": t("archive.latest", lang) if latest else t("archive.empty", lang)}
    yield "index.md", markdown_page({"title": t("archive.home_title", lang), "template": "list.html",
                                     "hide": ["toc"], "konten": record}, body)
    for year, year_units in by_year.items():
        header = [t("archive.total", lang)] + [kind_label(k) for k, _ in kinds]
        rows = [{"label": month_name(int(u[5:]), lang), "url": month_url(u),
                 "cells": [{"text": summaries[u]["count"], "url": month_url(u)}]
                 + [_cell(summaries[u]["kinds"].get(k, 0), f"{month_url(u)}jenis/{k}/") for k, _ in kinds]}
                for u in sorted(year_units)]
        url = f"{year}/"
        yield doc_path(url), matrix(settings, t("archive.year_title", lang, year=year), header, rows, url)
    for facet, entries, label, title_key in (("kinds", kinds, kind_label, "archive.kind_title"),
                                             ("platforms", platforms, messages.platform_label, "archive.platform_title")):
        folder = "jenis" if facet == "kinds" else "platform"
        header = [t("archive.total", lang)] + sorted(by_year, reverse=True)
        rows = [{"label": label(k), "url": f"{folder}/{k}/",
                 "cells": [{"text": n, "url": f"{folder}/{k}/"}]
                 + [{"text": sum(summaries[u][facet].get(k, 0) for u in by_year[y]), "url": None}
                    for y in sorted(by_year, reverse=True)]} for k, n in entries]
        index_url = f"{folder}/"
        title = t("archive.by_kind" if facet == "kinds" else "archive.by_platform", lang)
        yield doc_path(index_url), matrix(settings, title, header, rows, index_url)
        for key, _ in entries:
            url = f"{folder}/{key}/"
            header = [month_name(m, lang)[:3] for m in range(1, 13)]
            rows = [{"label": y, "url": f"{y}/", "cells": [
                _cell(summaries.get(f"{y}-{m:02d}", {}).get(facet, {}).get(key, 0),
                      f"{y}/{m:02d}/{folder}/{key}/") for m in range(1, 13)]} for y in sorted(by_year, reverse=True)]
            title = t(title_key, lang, **{"kind" if facet == "kinds" else "platform": label(key)})
            yield doc_path(url), matrix(settings, title, header, rows, url)
    yield "cari/index.md", markdown_page({"title": t("archive.search_title", lang), "hide": ["toc"]},
                                         render(settings, "search.md.j2"))


def matrix(settings: Settings, title: str, header: list[str], rows: list[dict[str, Any]], url: str) -> str:
    """A hub page of counts (months of a year, years of a kind), each count linking to its list."""
    return markdown_page({"title": title, "hide": ["toc"]},
                         render(settings, "matrix.md.j2", header=header, rows=rows, up=up(url)))


def _totals(summaries: dict[str, dict[str, Any]], facet: str, order: tuple[str, ...]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for s in summaries.values():
        for key, n in s[facet].items():
            counts[key] = counts.get(key, 0) + n
    known = [k for k in order if k in counts] + sorted(k for k in counts if k not in order)
    return [(k, counts[k]) for k in known]


def _cell(count: int, url: str) -> dict[str, Any]:
    return {"text": count or "", "url": url if count else None}
