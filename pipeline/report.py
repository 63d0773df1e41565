"""`konten report`: how well the office keeps its own time standards (Mutu Baku: Waktu).

Per SOP step and role: how many times it was measured, the median and 90th percentile of the time
taken, and the share done within the standard; the same per month; and the slowest items. The
measurements come from the ledger (published items: their frozen approval record) and from the
open PRs (roles that already said *ya* on the current draft; roles waiting now are counted
apart, since an unfinished wait has no duration yet). With office hours in sop.yml, time is
counted in working time, as reminders count it.

Definitions, so the numbers can be checked by hand: the median is the middle value (the mean of
the two middle ones for an even count); the 90th percentile is the nearest-rank one (the
ceil(0.9 n)-th smallest value); "within" is taken <= standard. A step belongs to the month (and
the --since/--until dates) of its finishing time in the SOP's timezone.

Output: a terminal table (rich), Markdown (the job summary), and the "Kinerja SOP" page of the
public archive, with an SVG bar chart rendered from a template (no plotting library).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from jinja2 import Environment

from pipeline import messages, ops_text  # noqa: F401 - ops_text registers the sentences used here
from pipeline.announce import evaluated
from pipeline.chain import Verdict
from pipeline.config import Sop
from pipeline.errors import KontenError
from pipeline.github import GitHub, Pull
from pipeline import hours as office
from pipeline.hours import OfficeHours, due
from pipeline.ledger import Ledger

SLOWEST = 10


@dataclass(frozen=True)
class Sample:
    """One measured step of one item."""

    item: str
    step: int
    role: str
    name: str
    minutes: float
    standard: int
    finished: datetime


@dataclass(frozen=True)
class Row:
    step: int
    role: str
    name: str
    standard: int
    count: int
    median: float | None
    p90: float | None
    within: float | None  # share, 0..1
    waiting: int = 0
    waiting_overdue: int = 0


@dataclass
class Report:
    rows: list[Row]
    months: dict[str, list[Row]]
    slowest: list[tuple[str, float, int]]  # item, minutes over its measured steps, their standards
    count: int
    since: date | None = None
    until: date | None = None
    office_hours: bool = False


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the ceil(q n)-th smallest value."""
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)), 1) - 1]


def from_steps(items: Iterable[tuple[str, Iterable[Any]]], hours: OfficeHours | None) -> list[Sample]:
    """Every measured step of the published items (re-measured in working time with office hours).

    `items` pairs an item's id with its approval record: the ledger's `StepRecord`s or the
    archive's `Step` tuples, which have the same fields.
    """
    out = []
    for item, steps in items:
        for s in steps:
            if s.finished_at is None:
                continue
            finished = datetime.fromisoformat(s.finished_at)
            minutes = s.minutes_taken
            if hours is not None and s.started_at is not None:
                minutes = office.minutes(datetime.fromisoformat(s.started_at), finished, hours)
            if minutes is not None:
                out.append(Sample(item, s.step, s.role, s.name, minutes, s.standard, finished))
    return out


def from_pulls(sop: Sop, pulls: Iterable[tuple[Pull, Verdict]], now: datetime, hours: OfficeHours | None
               ) -> tuple[list[Sample], dict[tuple[int, str], tuple[int, int]]]:
    """Approvals given on open PRs' current drafts, and (waiting, overdue) counts per step."""
    samples: list[Sample] = []
    waiting: dict[tuple[int, str], tuple[int, int]] = {}
    for pull, verdict in pulls:
        for n, (role, status) in enumerate(zip(sop.chain, verdict.roles), start=3):
            if status.started_at is None:
                continue
            if status.state == "approved" and status.finished_at is not None:
                samples.append(Sample(f"PR #{pull.facts.number}", n, role.id, role.name,
                                      office.minutes(status.started_at, status.finished_at, hours), role.minutes,
                                      status.finished_at))
            elif status.state == "waiting":
                count, late = waiting.get((n, role.id), (0, 0))
                waiting[(n, role.id)] = (count + 1, late + (now > due(status.started_at, role.minutes, hours)))
    return samples, waiting


def _row(step: int, role: str, name: str, standard: int, found: list[Sample],
         waiting: tuple[int, int] = (0, 0)) -> Row:
    """Each measurement is held to the standard recorded with it (the one in force at the time)."""
    if not found:
        return Row(step, role, name, standard, 0, None, None, None, *waiting)
    values = [s.minutes for s in found]
    within = sum(s.minutes <= s.standard for s in found) / len(found)
    return Row(step, role, name, standard, len(values), statistics.median(values), percentile(values, 0.9), within,
               *waiting)


def _rows(sop: Sop, samples: list[Sample], waiting: dict[tuple[int, str], tuple[int, int]], every_step: bool
          ) -> list[Row]:
    groups: dict[tuple[int, str], list[Sample]] = {}
    for s in samples:
        groups.setdefault((s.step, s.role), []).append(s)
    keys = [(s.n, s.role) for s in sop.steps] if every_step else []
    keys += sorted(k for k in set(groups) | set(waiting if every_step else {}) if k not in keys)
    names = {(s.n, s.role): (s.name, s.minutes) for s in sop.steps}
    rows = []
    for key in keys:
        found = groups.get(key, [])
        name, standard = names.get(key) or (found[0].name, found[0].standard)  # today's SOP names the step
        if found or every_step:
            rows.append(_row(key[0], key[1], name, standard, found,
                             waiting.get(key, (0, 0)) if every_step else (0, 0)))
    return rows


def build(sop: Sop, samples: list[Sample], waiting: dict[tuple[int, str], tuple[int, int]] | None = None,
          since: date | None = None, until: date | None = None, office_hours: bool = False) -> Report:
    """The report's numbers from the measurements finished between `since` and `until` (inclusive)."""
    waiting = waiting or {}
    tz = sop.timezone
    kept = [s for s in samples
            if (since is None or s.finished.astimezone(tz).date() >= since)
            and (until is None or s.finished.astimezone(tz).date() <= until)]
    by_month: dict[str, list[Sample]] = {}
    by_item: dict[str, list[Sample]] = {}
    for s in kept:
        by_month.setdefault(s.finished.astimezone(tz).strftime("%Y-%m"), []).append(s)
        by_item.setdefault(s.item, []).append(s)
    slowest = sorted(((item, round(sum(s.minutes for s in group), 1), sum(s.standard for s in group))
                      for item, group in by_item.items()), key=lambda t: (-t[1], t[0]))[:SLOWEST]
    return Report(rows=_rows(sop, kept, waiting, True),
                  months={m: _rows(sop, by_month[m], {}, False) for m in sorted(by_month)},
                  slowest=slowest, count=len(kept), since=since, until=until, office_hours=office_hours)


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise KontenError("report.date", value=value) from None


# -- output -----------------------------------------------------------------------------------
def number(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}".removesuffix(".0")
    return text.replace(".", ",") if lang == "id" else text


def share(value: float | None) -> str:
    return "–" if value is None else f"{round(value * 100)}%"


def _header(lang: str, months: bool = False) -> list[str]:
    keys = ["report.month"] if months else []
    keys += ["report.step", "report.role", "report.count", "report.median", "report.p90", "report.standard",
             "report.within"]
    return [messages.t(k, lang) for k in keys] + ([] if months else [messages.t("report.open", lang)])


def _cells(row: Row, lang: str, month: str | None = None) -> list[str]:
    cells = [month] if month is not None else []
    cells += [str(row.step), row.name, str(row.count), number(row.median, lang), number(row.p90, lang),
              str(row.standard), share(row.within)]
    return cells + ([] if month is not None else [f"{row.waiting} ({row.waiting_overdue})"])


def _tables(report: Report, lang: str) -> list[tuple[str | None, list[str], list[list[str]]]]:
    """(heading, header, rows) of each table, shared by every output format."""
    slow = [[item, number(total, lang), str(standard)] for item, total, standard in report.slowest]
    return [
        (None, _header(lang), [_cells(r, lang) for r in report.rows]),
        (messages.t("report.by_month", lang), _header(lang, months=True),
         [_cells(r, lang, month) for month, rows in report.months.items() for r in rows]),
        (messages.t("report.slowest", lang),
         [messages.t(k, lang) for k in ("report.item", "report.total", "report.standard")], slow),
    ]


def _intro(report: Report, sop: Sop) -> str:
    lang = sop.language
    period = ""
    if report.since or report.until:
        period = messages.t("report.period", lang, since=report.since or "…", until=report.until or "…")
    text = messages.t("report.intro", lang, sop=sop.number, count=report.count, period=period)
    text += " " + messages.t("report.total_standard", lang, minutes=sop.total_minutes)
    return text + (" " + messages.t("report.office_hours", lang) if report.office_hours else "")


def _md_table(header: list[str], rows: list[list[str]]) -> str:
    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), "|" + "---|" * len(header), *(line(r) for r in rows)])


def markdown(report: Report, sop: Sop) -> str:
    lang = sop.language
    parts = [f"## {messages.t('report.title', lang)}", _intro(report, sop)]
    for heading, header, rows in _tables(report, lang):
        if heading:
            parts.append(f"### {heading}")
        parts.append(_md_table(header, rows) if rows else messages.t("report.none", lang))
    return "\n\n".join(parts) + "\n"


def terminal(report: Report, sop: Sop, console: Any) -> None:
    """Print the report as rich tables on `console` (a `rich.console.Console`)."""
    from rich.table import Table

    lang = sop.language
    console.print(f"[bold]{messages.t('report.title', lang)}[/bold] — {_intro(report, sop)}")
    for heading, header, rows in _tables(report, lang):
        table = Table(title=heading, show_lines=False)
        text_columns = 3 if heading == messages.t("report.by_month", lang) else 2 if heading is None else 1
        for i, name in enumerate(header):  # the role (or item) column keeps room; numbers wrap their headers
            table.add_column(name, justify="right" if i >= text_columns else "left",
                             min_width=24 if i == text_columns - 1 else None)
        for row in rows:
            table.add_row(*row)
        console.print(table)


CHART = """<svg xmlns="http://www.w3.org/2000/svg" class="k-chart" role="img" aria-labelledby="k-chart-title" \
viewBox="0 0 {{ width }} {{ height }}" width="100%" style="max-width:{{ width }}px">
<title id="k-chart-title">{{ title }}</title>
<line x1="{{ left + bar }}" y1="0" x2="{{ left + bar }}" y2="{{ height - 4 }}" stroke="currentColor" \
stroke-dasharray="3 3" opacity="0.5"/>
{% for b in bars %}<g transform="translate(0,{{ loop.index0 * row }})">
<text x="{{ left - 8 }}" y="{{ row / 2 + 4 }}" text-anchor="end" font-size="13" fill="currentColor">{{ b.label }}</text>
<rect x="{{ left }}" y="4" width="{{ bar }}" height="{{ row - 8 }}" fill="currentColor" opacity="0.08"/>
<rect x="{{ left }}" y="4" width="{{ b.width }}" height="{{ row - 8 }}" fill="{{ b.color }}" data-step="{{ b.step }}"/>
<text x="{{ left + bar + 8 }}" y="{{ row / 2 + 4 }}" font-size="13" fill="currentColor">{{ b.text }}</text>
</g>
{% endfor %}</svg>"""
_SVG = Environment(autoescape=True).from_string(CHART)


def chart(report: Report, sop: Sop, bar: int = 360) -> str:
    """An SVG bar per measured step: the share within the standard, 100% at the dashed line."""
    lang = sop.language
    bars = [{"step": r.step, "label": f"{r.step}. {r.name[:28]}", "width": round((r.within or 0) * bar, 1),
             "text": f"{share(r.within)} (n={r.count})",
             "color": "#2e7d32" if (r.within or 0) >= 0.8 else "#f9a825" if (r.within or 0) >= 0.5 else "#c62828"}
            for r in report.rows if r.count]
    left, row = 240, 30
    return _SVG.render(bars=bars, width=left + bar + 110, height=max(len(bars), 1) * row + 4, left=left, bar=bar,
                       row=row, title=messages.t("report.chart", lang))


def page(report: Report, sop: Sop) -> str:
    """The archive's "Kinerja SOP" page (Markdown with front matter, like the archive's pages)."""
    from pipeline.archive.pages import markdown_page

    lang = sop.language
    body = markdown(report, sop).split("\n\n", 1)[1]  # the page has its own title
    intro, rest = body.split("\n\n", 1)
    return markdown_page({"title": messages.t("report.title", lang), "hide": ["toc"]},
                         f"# {messages.t('report.title', lang)}\n\n{intro}\n\n{chart(report, sop)}\n\n{rest}")


def main(sop: Sop, ledger: Ledger, now: datetime, *, since: str | None = None, until: str | None = None,
         fmt: str = "table", gh: GitHub | None = None, console: Any = None) -> str:
    """`konten report`: the report in `fmt` (printed on `console` for "table"); also returns the Markdown."""
    hours = sop.office_hours
    samples = from_steps(((record.item, record.steps) for record, _ in ledger.items()), hours)
    waiting: dict[tuple[int, str], tuple[int, int]] = {}
    if gh is not None:
        open_samples, waiting = from_pulls(sop, evaluated(gh, sop, now), now, hours)
        samples += open_samples
    result = build(sop, samples, waiting, parse_date(since) if since else None, parse_date(until) if until else None,
                   office_hours=hours is not None)
    if fmt == "table":
        from rich.console import Console

        terminal(result, sop, console or Console())
    return page(result, sop) if fmt == "page" else markdown(result, sop)
