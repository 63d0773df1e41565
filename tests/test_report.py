"""`konten report` on a fixed ledger whose numbers are worked out by hand below."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from rich.console import Console

from pipeline import report
from pipeline.chain import Commit, PullFacts, Review, evaluate
from pipeline.config import Sop, parse_sop
from pipeline.errors import KontenError
from pipeline.github import Pull
from pipeline.hours import OfficeHours
from pipeline.ledger import FolderStore, ItemRecord, Ledger, StepRecord

REPO_ROOT = Path(__file__).resolve().parents[1]
UTC7 = timezone(timedelta(hours=7))


def sop(lang: str = "id") -> Sop:
    text = (REPO_ROOT / "sop.yml").read_text(encoding="utf-8").replace("language: id", f"language: {lang}")
    for old, new in {"ganti-subkoor-tekmas": "subkoor", "ganti-kabag-hth": "kabag", "ganti-sekretaris": "sekretaris",
                     "ganti-komisioner": "komisioner", "ganti-admin-medsos": "admin-medsos"}.items():
        text = text.replace(old, new)
    return parse_sop(text)


def step(n: int, role: str, standard: int, start: datetime, minutes: float) -> StepRecord:
    end = start + timedelta(minutes=minutes)
    return StepRecord(n, role, f"name-{role}", [], start.isoformat(), end.isoformat(), minutes, standard,
                      minutes > standard)


def item(name: str, day: datetime, sub: float, kabag: float | None, publish: float) -> ItemRecord:
    steps = [StepRecord(1, "author", "Pengampu", [], None, day.isoformat(), None, 60, False),  # never measured
             step(3, "subkoordinator-tekmas", 30, day, sub),
             step(8, "publisher", 5, day + timedelta(hours=3), publish)]
    if kabag is not None:
        steps.insert(2, step(4, "kabag-hth", 30, day + timedelta(hours=1), kabag))
    return ItemRecord(item=name, title=name, kind="berita", caption="", platforms=["x"], media=[], publish_at=None,
                      fingerprint=name, pr={}, steps=steps, sop={})


# The ledger:            step 3 (30)   step 4 (30)   step 8 (5)    total
#   a  (10 Nov 2026)         20            10            3            33
#   b  (20 Nov 2026)         40            50            4            94
#   c  ( 7 Dec 2026)         30             -            6            36
NOV_10 = datetime(2026, 11, 10, 9, 0, tzinfo=UTC7)
ITEMS = [item("a", NOV_10, 20, 10, 3), item("b", NOV_10 + timedelta(days=10), 40, 50, 4),
         item("c", datetime(2026, 12, 7, 9, 0, tzinfo=UTC7), 30, None, 6)]


def ledger(tmp: Path) -> Ledger:
    out = Ledger(FolderStore(tmp))
    for record in ITEMS:
        out.write_item(record)
    return out


def numbers(rows: list[report.Row]) -> dict[int, tuple]:
    return {r.step: (r.count, r.median, r.p90, None if r.within is None else round(r.within, 3)) for r in rows}


def test_numbers_per_step_per_month_and_the_slowest(tmp_path: Path) -> None:
    s = sop()
    samples = report.from_steps(((r.item, r.steps) for r, _ in ledger(tmp_path).items()), None)
    result = report.build(s, samples)
    by_step = numbers(result.rows)
    # step 3: [20, 30, 40] -> median 30; p90 = ceil(2.7) = 3rd = 40; within 30: 20 and 30 -> 2/3
    assert by_step[3] == (3, 30, 40, 0.667)
    # step 4: [10, 50] -> median 30; p90 = ceil(1.8) = 2nd = 50; within: 10 -> 1/2
    assert by_step[4] == (2, 30, 50, 0.5)
    # step 8: [3, 4, 6] -> median 4; p90 = 6; within 5: 3 and 4 -> 2/3
    assert by_step[8] == (3, 4, 6, 0.667)
    assert by_step[1] == (0, None, None, None) and [r.step for r in result.rows] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert result.count == 8
    # November: a and b; December: c only
    assert numbers(result.months["2026-11"]) == {3: (2, 30, 40, 0.5), 4: (2, 30, 50, 0.5), 8: (2, 3.5, 4, 1.0)}
    assert numbers(result.months["2026-12"]) == {3: (1, 30, 30, 1.0), 8: (1, 6, 6, 0.0)}
    assert result.slowest == [("b", 94, 65), ("c", 36, 35), ("a", 33, 65)]


def test_since_and_until(tmp_path: Path) -> None:
    samples = report.from_steps(((r.item, r.steps) for r, _ in ledger(tmp_path).items()), None)
    december = report.build(sop(), samples, since=date(2026, 12, 1))
    assert numbers(december.rows)[3] == (1, 30, 30, 1.0) and list(december.months) == ["2026-12"]
    november = report.build(sop(), samples, until=date(2026, 11, 15))
    assert [item for item, _, _ in november.slowest] == ["a"]


def test_office_hours_remeasure_the_ledger() -> None:
    friday_1550 = datetime(2026, 11, 27, 15, 50, tzinfo=UTC7)
    record = item("weekend", friday_1550, 3 * 24 * 60 - 8 * 60, None, 1)  # until Monday 07.50: 30 working minutes
    office = OfficeHours(frozenset(range(5)), time(7, 30), time(16, 0), ZoneInfo("Asia/Jakarta"))
    assert numbers(report.build(sop(), report.from_steps([(record.item, record.steps)], None)).rows)[3] == (1, 3840, 3840, 0.0)
    assert numbers(report.build(sop(), report.from_steps([(record.item, record.steps)], office)).rows)[3] == (1, 30, 30, 1.0)


def test_open_pulls_add_given_approvals_and_count_the_waiting() -> None:
    s = sop()
    start = datetime(2026, 11, 27, 2, 0, tzinfo=timezone.utc)
    facts = PullFacts(9, "penulis", "c" * 40, start, False, (Commit("c" * 40, "penulis", start),),
                      (Review(1, "subkoor", "APPROVED", "c" * 40, start + timedelta(minutes=45)),))
    pull = Pull(facts, ("content/x/index.md",), "x", "open", False, False, "main", "b", frozenset(), "u")
    now = start + timedelta(minutes=85)  # Kabag HTH has waited 40 minutes: overdue
    samples, waiting = report.from_pulls(s, [(pull, evaluate(s.chain, facts, now))], now, None)
    assert [(x.item, x.step, x.minutes) for x in samples] == [("PR #9", 3, 45)]
    assert waiting == {(4, "kabag-hth"): (1, 1)}
    result = report.build(s, [*report.from_steps(((r.item, r.steps) for r in ITEMS), None), *samples], waiting)
    # step 3: [20, 30, 40, 45] -> median 35; p90 = ceil(3.6) = 4th = 45; within: 2/4
    assert numbers(result.rows)[3] == (4, 35, 45, 0.5)
    assert next(r for r in result.rows if r.step == 4).waiting_overdue == 1


def test_outputs(tmp_path: Path) -> None:
    s = sop()
    result = report.build(s, report.from_steps(((r.item, r.steps) for r in ITEMS), None))
    md = report.markdown(result, s)
    assert "| 3 | Sub Koordinator Subbag Tekmas | 3 | 30 | 40 | 30 | 67% | 0 (0) |" in md
    assert "| 2026-11 | 8 | Media Sosial Admin | 2 | 3,5 | 4 | 5 | 100% |" in md  # Indonesian decimal comma
    assert "| b | 94 | 65 |" in md
    english = report.markdown(report.build(sop("en"), report.from_steps(((r.item, r.steps) for r in ITEMS), None)), sop("en"))
    assert "| 2026-11 | 8 | Media Sosial Admin | 2 | 3.5 | 4 | 5 | 100% |" in english

    html = report.page(result, s)
    assert html.startswith("---\ntitle: \"Kinerja SOP\"") and "<svg" in html
    bars = re.finditer(r'width="([\d.]+)" height="\d+" fill="#\w+" data-step="(\d)"', html)
    widths = {int(m[2]): float(m[1]) for m in bars}
    assert widths == {3: round(2 / 3 * 360, 1), 4: 180.0, 8: round(2 / 3 * 360, 1)}

    console = Console(file=io.StringIO(), width=200, color_system=None)
    report.terminal(result, s, console)
    printed = console.file.getvalue()
    assert "Kinerja SOP" in printed and "67%" in printed and "Konten paling lama" in printed


def test_konten_report(tmp_path: Path) -> None:
    office = "office_hours: {start: \"07:30\", end: \"16:00\"}\n"
    configured = parse_sop((REPO_ROOT / "sop.yml").read_text(encoding="utf-8") + office, "sop.yml")
    data = ledger(tmp_path / "data")
    now = datetime(2026, 12, 31, tzinfo=UTC7)
    md = report.main(configured, data, now, since="2026-12-01", fmt="markdown")
    assert "| 3 | Sub Koordinator Subbag Tekmas | 1 | 30 | 30 | 30 | 100% | 0 (0) |" in md
    assert "Waktu dihitung dalam jam kerja saja." in md
    console = Console(file=io.StringIO(), width=200, color_system=None)
    whole = report.main(configured, data, now, fmt="table", console=console)
    assert "| b | 94 | 65 |" in whole  # every step of the fixed ledger lies within one working day
    assert "Konten paling lama" in console.file.getvalue()
    assert report.main(configured, data, now, fmt="page").startswith("---\ntitle:")
    with pytest.raises(KontenError):
        report.main(configured, data, now, since="1 Desember")


def test_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.cli import main as konten

    monkeypatch.delenv("GITHUB_REPOSITORY", raising=False)
    ledger(tmp_path / "data")
    out = tmp_path / "kinerja.md"
    assert konten(["--root", str(REPO_ROOT), "report", "--ledger", str(tmp_path / "data"), "--format", "page",
                   "--out", str(out), "--since", "2026-12-01"]) == 0
    assert out.read_text(encoding="utf-8").startswith("---\ntitle: \"Kinerja SOP\"")
    assert konten(["--root", str(REPO_ROOT), "report", "--ledger", str(tmp_path / "data"), "--since", "kemarin"]) == 1
    assert "kemarin" in capsys.readouterr().err
