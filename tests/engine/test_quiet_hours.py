"""When quiet hours hold a step (engine.quiet.quiet_until): in the tenant's own
time zone, across midnight or within a day, up to but not including the end."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from anpi.engine.quiet import quiet_until

JST = ZoneInfo("Asia/Tokyo")
NIGHT = (time(21, 0), time(8, 0))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=JST)


@pytest.mark.parametrize(
    "now, until",
    [
        ("2026-12-31T20:59", None),
        ("2026-12-31T21:00", "2027-01-01T08:00"),  # across midnight and the year end
        ("2026-12-31T23:59", "2027-01-01T08:00"),
        ("2027-01-01T00:00", "2027-01-01T08:00"),
        ("2027-01-01T07:59", "2027-01-01T08:00"),
        ("2027-01-01T08:00", None),  # the end itself is no longer quiet
    ],
)
def test_night_quiet_hours_end_at_8_the_next_morning(now, until):
    expected = at(until) if until else None
    assert quiet_until(*NIGHT, "Asia/Tokyo", at(now)) == expected


def test_quiet_hours_within_a_day():
    lunch = (time(12, 0), time(13, 0))
    assert quiet_until(*lunch, "Asia/Tokyo", at("2026-12-01T12:30")) == at("2026-12-01T13:00")
    assert quiet_until(*lunch, "Asia/Tokyo", at("2026-12-01T13:30")) is None


def test_they_are_read_on_the_tenants_clock_not_utc():
    # 21:30 JST is 12:30 UTC: quiet for a Tokyo tenant.
    utc_now = at("2026-12-01T21:30").astimezone(ZoneInfo("UTC"))
    assert quiet_until(*NIGHT, "Asia/Tokyo", utc_now) == at("2026-12-02T08:00")


@pytest.mark.parametrize("hours", [(None, None), (time(8, 0), time(8, 0))])
def test_no_or_empty_quiet_hours_hold_nothing(hours):
    assert quiet_until(*hours, "Asia/Tokyo", at("2026-12-01T23:00")) is None
