"""Japanese holidays, pauses and the person's schedule at the awkward dates
(issue 12, item 4): month ends, February 28/29, 振替休日 (substitute holidays,
as the ``holidays`` library knows them: 2026-05-06 and 2027-03-22), and the
year end with a pause across New Year. Each case lists the local dates on
which checks come, with and without 「祝日は休む」 (``skip_holidays``).

A skipped holiday or paused day is skipped, never moved: an "every 3 days"
rhythm keeps its days (the anchor decides them), so the person is not asked on
a day they did not choose."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from anpi.people.schedule import Schedule, is_japanese_holiday, next_occurrence

JST = ZoneInfo("Asia/Tokyo")
MON, WED = 0, 2


def daily(anchor: date, *, every: int = 1, skip: bool = False, at: time = time(9, 0)) -> Schedule:
    return Schedule("interval", every, frozenset(), at, anchor, skip_holidays=skip)


def weekly(anchor: date, days: set[int], *, skip: bool = False) -> Schedule:
    return Schedule("weekdays", 1, frozenset(days), time(9, 0), anchor, skip_holidays=skip)


def check_days(
    schedule: Schedule, count: int, pauses: list[tuple[date, date]] | None = None
) -> list[date]:
    """The local dates of the first ``count`` checks from the anchor's midnight."""
    after = datetime.combine(schedule.anchor, time(0), tzinfo=JST) - timedelta(seconds=1)
    days = []
    for _ in range(count):
        at = next_occurrence(schedule, after, JST, pauses or [])
        assert at is not None
        assert at.astimezone(JST).time() == schedule.at  # always at the chosen time
        days.append(at.astimezone(JST).date())
        after = at
    return days


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_the_library_knows_the_substitute_holidays_we_rely_on():
    assert is_japanese_holiday(d("2026-05-06"))  # 振替休日 for 5/3 (Sunday)
    assert is_japanese_holiday(d("2027-03-22"))  # 振替休日 for 春分の日 on Sunday 3/21
    assert not is_japanese_holiday(d("2026-12-31"))  # 大晦日 is no national holiday
    assert not is_japanese_holiday(d("2028-02-29"))


def test_a_daily_check_crosses_a_31_day_month_end():
    assert check_days(daily(d("2026-01-30")), 3) == [d("2026-01-30"), d("2026-01-31"), d("2026-02-01")]


def test_every_two_days_lands_on_february_29_in_a_leap_year():
    assert check_days(daily(d("2028-02-27"), every=2), 3) == [
        d("2028-02-27"), d("2028-02-29"), d("2028-03-02"),
    ]


def test_every_three_days_goes_from_february_26_to_march_1_in_a_common_year():
    assert check_days(daily(d("2027-02-26"), every=3), 3) == [
        d("2027-02-26"), d("2027-03-01"), d("2027-03-04"),
    ]


@pytest.mark.parametrize(
    "skip, expected",
    [
        (False, ["2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05", "2026-05-06", "2026-05-07"]),
        # Golden Week with its 振替休日: 5/3, 5/4, 5/5 and 5/6 are all holidays.
        (True, ["2026-05-02", "2026-05-07", "2026-05-08", "2026-05-09", "2026-05-10", "2026-05-11"]),
    ],
    ids=["every-day", "skip-holidays"],
)
def test_golden_week_2026_and_its_substitute_holiday(skip, expected):
    assert check_days(daily(d("2026-05-02"), skip=skip), 6) == [d(x) for x in expected]


@pytest.mark.parametrize(
    "skip, expected",
    [(False, ["2026-05-06", "2026-05-13"]), (True, ["2026-05-13", "2026-05-20"])],
    ids=["every-wednesday", "skip-holidays"],
)
def test_a_wednesday_schedule_and_the_substitute_holiday_of_may_6(skip, expected):
    assert check_days(weekly(d("2026-05-04"), {WED}, skip=skip), 2) == [d(x) for x in expected]


@pytest.mark.parametrize(
    "skip, expected",
    [(False, ["2027-03-15", "2027-03-22", "2027-03-29"]), (True, ["2027-03-15", "2027-03-29", "2027-04-05"])],
    ids=["every-monday", "skip-holidays"],
)
def test_a_monday_schedule_and_the_substitute_holiday_of_march_22_2027(skip, expected):
    assert check_days(weekly(d("2027-03-15"), {MON}, skip=skip), 3) == [d(x) for x in expected]


@pytest.mark.parametrize(
    "skip, expected",
    [
        (False, ["2026-12-30", "2026-12-31", "2027-01-01", "2027-01-02"]),
        (True, ["2026-12-30", "2026-12-31", "2027-01-02", "2027-01-03"]),
    ],
    ids=["every-day", "skip-holidays"],
)
def test_the_year_end_12_31_to_1_1(skip, expected):
    assert check_days(daily(d("2026-12-30"), skip=skip), 4) == [d(x) for x in expected]


@pytest.mark.parametrize("skip", [False, True], ids=["every-day", "skip-holidays"])
def test_a_pause_across_new_year_resumes_the_day_after_it(skip):
    pause = [(d("2026-12-30"), d("2027-01-03"))]
    assert check_days(daily(d("2026-12-28"), skip=skip), 3, pause) == [
        d("2026-12-28"), d("2026-12-29"), d("2027-01-04"),
    ]


def test_a_weekly_check_whose_day_is_paused_and_a_holiday_is_skipped_not_moved():
    # Fridays; 1/1/2027 is a Friday, a holiday, and inside the pause.
    pause = [(d("2026-12-31"), d("2027-01-02"))]
    for skip in (False, True):
        assert check_days(weekly(d("2026-12-25"), {4}, skip=skip), 2, pause) == [
            d("2026-12-25"), d("2027-01-08"),
        ]


def test_every_seven_days_keeps_its_rhythm_over_a_skipped_holiday():
    # Anchored on Friday 12/25: 1/1 is skipped (holiday), the next is 1/8, not 1/2.
    assert check_days(daily(d("2026-12-25"), every=7, skip=True), 2) == [
        d("2026-12-25"), d("2027-01-08"),
    ]


def test_a_check_just_after_midnight_is_skipped_on_the_tokyo_holiday_not_the_utc_date():
    # 00:30 JST on 1/1 is still 12/31 in UTC; the holiday is Tokyo's.
    schedule = daily(d("2026-12-31"), skip=True, at=time(0, 30))
    assert check_days(schedule, 2) == [d("2026-12-31"), d("2027-01-02")]


def test_a_pause_over_a_month_end_in_a_leap_february():
    pause = [(d("2028-02-28"), d("2028-02-29"))]
    assert check_days(daily(d("2028-02-27")), 2, pause) == [d("2028-02-27"), d("2028-03-01")]
