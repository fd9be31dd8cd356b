"""Schedule arithmetic: when is a person's next check?

Schedules are evaluated in the tenant's local time zone (Asia/Tokyo by default):
"every 2 days at 09:00" means 09:00 local on every second local date from the
anchor date, whatever UTC says. Pauses and (optionally) Japanese public holidays
skip whole local dates.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

# A schedule that never yields (e.g. every weekday paused for ten years) must not
# loop forever; 3 years of dates is far beyond any real pause.
MAX_DAYS_AHEAD = 366 * 3


@dataclass(frozen=True)
class Schedule:
    kind: str  # "interval" | "weekdays"
    interval_days: int
    weekdays: frozenset[int]  # 0 = Monday
    at: time
    anchor: date
    skip_holidays: bool = False

    def __post_init__(self) -> None:
        if self.kind == "interval" and not 1 <= self.interval_days <= 7:
            raise ValueError("interval_days must be between 1 and 7")
        if self.kind == "weekdays" and (not self.weekdays or not self.weekdays <= set(range(7))):
            raise ValueError("weekdays must be a non-empty subset of 0..6")
        if self.kind not in ("interval", "weekdays"):
            raise ValueError(f"unknown schedule kind {self.kind!r}")

    def matches(self, day: date) -> bool:
        if self.kind == "interval":
            return day >= self.anchor and (day - self.anchor).days % self.interval_days == 0
        return day.weekday() in self.weekdays


@lru_cache(maxsize=16)
def japanese_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("JP", years=year)


def is_japanese_holiday(day: date) -> bool:
    return day in japanese_holidays(day.year)


def _paused(day: date, pauses: Iterable[tuple[date, date]]) -> bool:
    return any(start <= day <= end for start, end in pauses)


def next_occurrence(
    schedule: Schedule,
    after: datetime,
    tz: str | ZoneInfo = "Asia/Tokyo",
    pauses: Iterable[tuple[date, date]] = (),
) -> datetime | None:
    """The first occurrence strictly after ``after`` (aware), as an aware UTC-comparable datetime.

    Returns None when nothing falls within MAX_DAYS_AHEAD.
    """
    if after.tzinfo is None:
        raise ValueError("after must be timezone-aware")
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    pauses = list(pauses)
    day = max(after.astimezone(zone).date(), schedule.anchor)
    for _ in range(MAX_DAYS_AHEAD):
        if schedule.matches(day) and not _paused(day, pauses):
            if not (schedule.skip_holidays and is_japanese_holiday(day)):
                at = datetime.combine(day, schedule.at, tzinfo=zone)
                if at > after:
                    return at
        day += timedelta(days=1)
    return None
