"""Office hours: when the SOP's time standards (Mutu Baku: Waktu) count only working time.

An approval asked for at 15.50 on a Friday with a 30-minute standard is not late at 16.20 that
evening: with office hours Monday-Friday 07.30-16.00 WIB it is due at 07.50 on Monday (or on
Tuesday if Monday is a holiday). Without an `office_hours` section every minute counts, as
before. Pure arithmetic on timezone-aware datetimes; no I/O.

`sop.yml`:

    office_hours:
      days: [mon, tue, wed, thu, fri]
      start: "07:30"
      end: "16:00"
      holidays: [2026-12-25, 2027-01-01]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from pipeline.fields import Fields

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SECTION = "office_hours"
_CLOCK = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")
_HORIZON = 3660  # days searched for the next open minute: a config with no open day fails loudly


@dataclass(frozen=True)
class OfficeHours:
    """Working days (0 = Monday), the daily window in the SOP's timezone, and holidays."""

    days: frozenset[int]
    start: time
    end: time
    tz: ZoneInfo
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if not self.days or self.end <= self.start:
            raise ValueError("office hours need at least one day and a start before the end")

    def _windows(self, since: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open windows (start, end) from the day of `since` on, in order."""
        day = since.astimezone(self.tz).date()
        for _ in range(_HORIZON):
            if day.weekday() in self.days and day not in self.holidays:
                yield (datetime.combine(day, self.start, tzinfo=self.tz),
                       datetime.combine(day, self.end, tzinfo=self.tz))
            day += timedelta(days=1)

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment `minutes` of working time after `start` (a due time)."""
        left = timedelta(minutes=minutes)
        for opens, closes in self._windows(start):
            begin = max(opens, start)
            if begin >= closes:
                continue
            if begin + left <= closes:
                return begin + left
            left -= closes - begin
        raise ValueError("no working time found within ten years")

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Working time from `start` to `end` (zero if `end` is not later)."""
        total = timedelta()
        if end <= start:
            return total
        for opens, closes in self._windows(start):
            if opens >= end:
                break
            begin, finish = max(opens, start), min(closes, end)
            if finish > begin:
                total += finish - begin
        return total


def due(start: datetime, minutes: float, hours: OfficeHours | None) -> datetime:
    """When a step that began at `start` is due: wall-clock minutes, or working minutes."""
    return hours.add(start, minutes) if hours else start + timedelta(minutes=minutes)


def elapsed(start: datetime, end: datetime, hours: OfficeHours | None) -> timedelta:
    """How long a step took, counted the way its standard is counted."""
    return hours.between(start, end) if hours else end - start


def minutes(start: datetime, end: datetime, hours: OfficeHours | None) -> float:
    """`elapsed` in minutes to one decimal, as the ledger and the report keep it."""
    return round(elapsed(start, end, hours).total_seconds() / 60, 1)


def _clock(value: object) -> time | None:
    """`"07:30"`, `"07.30"`, or the number YAML 1.1 makes of an unquoted `7:30` (base 60: 450)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return time(value // 60, value % 60)
    match = _CLOCK.match(str(value).strip()) if isinstance(value, str) else None
    return time(int(match.group(1)), int(match.group(2))) if match else None


def read(f: Fields, tz: ZoneInfo) -> OfficeHours | None:
    """The `office_hours` section of sop.yml, problems recorded in `f` (None if absent or unusable)."""
    root = (SECTION,)
    if f.raw(root) is None:
        return None
    f.mapping(root, ("days", "start", "end", "holidays"))
    names = f.get(root + ("days",), list, default=list(DAYS[:5]))
    days = set()
    for i, name in enumerate(names):
        if str(name).lower()[:3] not in DAYS:
            f.problem(root + ("days", i), "field.choice", value=name, choices=", ".join(DAYS))
        else:
            days.add(DAYS.index(str(name).lower()[:3]))
    bounds = []
    for key in ("start", "end"):
        value = f.get(root + (key,), (str, int), required=True)
        moment = _clock(value) if value is not None else None
        if value is not None and moment is None:
            f.problem(root + (key,), "hours.clock", value=value)
        bounds.append(moment)
    holidays = set()
    for i, value in enumerate(f.get(root + ("holidays",), list, default=[])):
        if isinstance(value, date) and not isinstance(value, datetime):
            holidays.add(value)
        else:
            f.problem(root + ("holidays", i), "hours.holiday", value=value)
    start, end = bounds
    if start is None or end is None:
        return None
    if not days or end <= start:
        f.problem(root, "hours.empty")
        return None
    return OfficeHours(frozenset(days), start, end, tz, frozenset(holidays))
