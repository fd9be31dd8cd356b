"""Schedule arithmetic in Japan time: intervals, weekdays, month ends, pauses, holidays."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from anpi.people.schedule import Schedule, is_japanese_holiday, next_occurrence

JST = ZoneInfo("Asia/Tokyo")
UTC = ZoneInfo("UTC")


def daily(at=time(9, 0), anchor=date(2026, 12, 1), every=1, **kw):
    return Schedule("interval", every, frozenset(), at, anchor, **kw)


def test_a_daily_check_comes_at_the_chosen_time_in_japan_time():
    after = datetime(2026, 12, 1, 8, 0, tzinfo=JST)
    assert next_occurrence(daily(), after) == datetime(2026, 12, 1, 9, 0, tzinfo=JST)


def test_the_next_occurrence_is_strictly_after_the_given_moment():
    at_nine = datetime(2026, 12, 1, 9, 0, tzinfo=JST)
    assert next_occurrence(daily(), at_nine) == datetime(2026, 12, 2, 9, 0, tzinfo=JST)


def test_japan_time_decides_the_date_even_when_utc_is_still_yesterday():
    # 23:30 UTC on Nov 30 is 08:30 JST on Dec 1: the 09:00 JST check of Dec 1 is next.
    after = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    assert next_occurrence(daily(), after) == datetime(2026, 12, 1, 9, 0, tzinfo=JST)


def test_every_three_days_counts_from_the_anchor_across_a_month_end():
    schedule = daily(every=3, anchor=date(2026, 1, 29))
    after = datetime(2026, 1, 29, 10, 0, tzinfo=JST)
    assert next_occurrence(schedule, after) == datetime(2026, 2, 1, 9, 0, tzinfo=JST)


def test_every_seven_days_crosses_the_year_end():
    schedule = daily(every=7, anchor=date(2026, 12, 28))
    after = datetime(2026, 12, 28, 12, 0, tzinfo=JST)
    assert next_occurrence(schedule, after) == datetime(2027, 1, 4, 9, 0, tzinfo=JST)


def test_a_leap_day_is_an_ordinary_day():
    schedule = daily(every=2, anchor=date(2028, 2, 27))
    after = datetime(2028, 2, 27, 10, 0, tzinfo=JST)
    assert next_occurrence(schedule, after) == datetime(2028, 2, 29, 9, 0, tzinfo=JST)


def test_weekday_schedules_pick_only_the_chosen_days():
    mon_wed_fri = Schedule("weekdays", 1, frozenset({0, 2, 4}), time(18, 30), date(2026, 1, 1))
    friday_evening = datetime(2026, 12, 4, 19, 0, tzinfo=JST)  # a Friday, after 18:30
    assert next_occurrence(mon_wed_fri, friday_evening) == datetime(2026, 12, 7, 18, 30, tzinfo=JST)


def test_a_pause_skips_its_dates_and_checks_resume_by_themselves():
    pauses = [(date(2026, 12, 2), date(2026, 12, 4))]  # in hospital for three days
    after = datetime(2026, 12, 1, 10, 0, tzinfo=JST)
    assert next_occurrence(daily(), after, pauses=pauses) == datetime(2026, 12, 5, 9, 0, tzinfo=JST)


def test_holidays_can_be_skipped_when_the_person_asks():
    assert is_japanese_holiday(date(2027, 1, 1))
    schedule = daily(skip_holidays=True)
    after = datetime(2026, 12, 31, 10, 0, tzinfo=JST)
    assert next_occurrence(schedule, after) == datetime(2027, 1, 2, 9, 0, tzinfo=JST)


def test_checks_before_the_anchor_date_do_not_happen():
    schedule = daily(anchor=date(2026, 12, 10))
    after = datetime(2026, 12, 1, 10, 0, tzinfo=JST)
    assert next_occurrence(schedule, after) == datetime(2026, 12, 10, 9, 0, tzinfo=JST)


@pytest.mark.parametrize("days", [0, 8])
def test_an_interval_outside_one_to_seven_days_is_refused(days):
    with pytest.raises(ValueError):
        daily(every=days)


def test_an_empty_weekday_set_is_refused():
    with pytest.raises(ValueError):
        Schedule("weekdays", 1, frozenset(), time(9), date(2026, 1, 1))


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        next_occurrence(daily(), datetime(2026, 12, 1, 9, 0))
