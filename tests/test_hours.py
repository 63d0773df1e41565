"""Office hours: working-time arithmetic for the SOP's time standards, and its sop.yml section."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.config import Sop, parse_sop
from pipeline.errors import ConfigError
from pipeline.hours import OfficeHours, due, elapsed

WIB = ZoneInfo("Asia/Jakarta")
FRIDAY = date(2026, 11, 27)
MONDAY = FRIDAY + timedelta(days=3)
SHIPPED = (Path(__file__).resolve().parents[1] / "sop.yml").read_text(encoding="utf-8")
SHIPPED_LINES = SHIPPED.count("\n")
OFFICE = OfficeHours(frozenset(range(5)), time(7, 30), time(16, 0), WIB)


def wib(day: date, hh: int, mm: int) -> datetime:
    """A WIB wall-clock moment, built from UTC+7 by hand (independent of the code under test)."""
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=timezone(timedelta(hours=7)))


def test_the_dates_are_what_the_tests_say() -> None:
    assert (FRIDAY.weekday(), MONDAY.weekday()) == (4, 0)


def test_friday_1550_with_a_30_minute_standard_is_due_monday_0750() -> None:
    asked = wib(FRIDAY, 15, 50)
    assert OFFICE.add(asked, 30) == wib(MONDAY, 7, 50)
    assert OFFICE.between(asked, wib(MONDAY, 7, 50)) == timedelta(minutes=30)
    assert OFFICE.between(asked, wib(FRIDAY, 23, 0)) == timedelta(minutes=10)
    assert due(asked, 30, None) == wib(FRIDAY, 16, 20)  # without office hours every minute counts


def test_holidays_are_skipped() -> None:
    office = OfficeHours(OFFICE.days, OFFICE.start, OFFICE.end, WIB, frozenset({MONDAY}))
    assert office.add(wib(FRIDAY, 15, 50), 30) == wib(MONDAY + timedelta(days=1), 7, 50)
    assert office.between(wib(FRIDAY, 15, 50), wib(MONDAY, 15, 0)) == timedelta(minutes=10)


def test_before_opening_and_after_closing() -> None:
    assert OFFICE.add(wib(MONDAY, 6, 0), 30) == wib(MONDAY, 8, 0)
    assert OFFICE.add(wib(MONDAY, 17, 0), 5) == wib(MONDAY + timedelta(days=1), 7, 35)
    assert OFFICE.add(wib(MONDAY, 9, 0), 8.5 * 60 + 15) == wib(MONDAY + timedelta(days=1), 9, 15)  # a whole day on
    assert elapsed(wib(MONDAY, 17, 0), wib(MONDAY, 6, 0), OFFICE) == timedelta()
    assert elapsed(wib(MONDAY, 6, 0), wib(MONDAY, 7, 0), None) == timedelta(hours=1)


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)),
       st.integers(min_value=0, max_value=3000))
def test_between_undoes_add(moment: datetime, minutes: int) -> None:
    start = moment.replace(tzinfo=WIB)
    end = OFFICE.add(start, minutes)
    assert OFFICE.between(start, end) == timedelta(minutes=minutes)
    local = end.astimezone(WIB)
    assert local.weekday() < 5 and time(7, 30) <= local.time() <= time(16, 0)


def configured(extra: str) -> Sop:
    """The shipped sop.yml with `extra` sections appended (their lines start after SHIPPED_LINES)."""
    return parse_sop(SHIPPED + extra, "sop.yml")


def test_the_sop_yml_section() -> None:
    # YAML 1.1 reads an unquoted 7:30 as the number 450 (base 60): both spellings work.
    sop = configured("office_hours:\n  days: [mon, tue, wed, thu, fri]\n  start: 7:30\n  end: \"16.00\"\n"
                     "  holidays: [2026-11-30]\nannounce:\n  telegram: {chat_id: -1001}\n")
    assert sop.office_hours == OfficeHours(frozenset(range(5)), time(7, 30), time(16, 0), WIB, frozenset({MONDAY}))
    assert sop.announce is not None and sop.announce.telegram_chat == "-1001" and sop.announce.whatsapp is None
    plain = configured("")
    assert (plain.office_hours, plain.announce) == (None, None)


def test_problems_are_reported_at_once_with_lines() -> None:
    extra = "office_hours:\n  days: [mon, funday]\n  start: \"25:00\"\n  end: \"16:00\"\n  holidays: [soon]\n"
    with pytest.raises(ConfigError) as caught:
        configured(extra)
    found = {(p.code, p.line - SHIPPED_LINES) for p in caught.value.problems}
    assert found == {("field.choice", 2), ("hours.clock", 3), ("hours.holiday", 5)}
    with pytest.raises(ConfigError) as caught:
        configured("office_hours: {start: \"16:00\", end: \"07:30\"}\n")
    assert [p.code for p in caught.value.problems] == ["hours.empty"]


def test_the_chain_counts_working_minutes_only() -> None:
    """Opened Friday 15.50 WIB; the first approver (30 min) is due Monday 07.50 and says *ya* at 07.45."""
    from pipeline.chain import Commit, PullFacts, Review, evaluate

    sop = configured("")
    opened = datetime.combine(FRIDAY, time(15, 50), WIB)
    first = sop.chain[0].members[0]
    facts = PullFacts(1, "penulis", "a" * 40, opened, False, (Commit("a" * 40, "penulis", opened),),
                      (Review(1, first, "APPROVED", "a" * 40, datetime.combine(MONDAY, time(7, 45), WIB)),))
    saturday = datetime.combine(FRIDAY + timedelta(days=1), time(10), WIB)
    plain = evaluate(sop.chain, replace(facts, reviews=()), saturday)
    assert plain.roles[0].overdue and plain.roles[0].due_at == opened + timedelta(minutes=30)
    waiting = evaluate(sop.chain, replace(facts, reviews=()), saturday, hours=OFFICE)
    assert not waiting.roles[0].overdue and waiting.roles[0].due_at == datetime.combine(MONDAY, time(7, 50), WIB)
    done = evaluate(sop.chain, facts, saturday + timedelta(days=2), hours=OFFICE).roles[0]
    assert done.state == "approved" and done.taken == timedelta(minutes=25) and not done.overdue
