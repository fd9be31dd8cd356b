"""Schedule arithmetic, for every schedule and every moment (hypothesis).

A person chooses "every N days" (1–7) or a set of weekdays, a time of day and,
implicitly, the date they started (the anchor). Whatever the schedule and
whatever time it is now, the next check:

- comes strictly after now (never again for an occurrence already planned);
- is at the chosen time on the Tokyo clock;
- falls on an allowed day (the schedule's, not before the day it was set, not
  paused, not a skipped holiday);
- and no allowed occurrence between now and it is skipped.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpi.people.schedule import Schedule, next_occurrence

JST = ZoneInfo("Asia/Tokyo")
ZONES = [UTC, JST, ZoneInfo("America/New_York"), ZoneInfo("Pacific/Kiritimati")]
JP_HOLIDAYS = holidays.country_holidays("JP", years=range(2024, 2033))

check_times = st.builds(time, st.integers(0, 23), st.integers(0, 59), st.sampled_from([0, 0, 30]))
anchors = st.dates(date(2025, 1, 1), date(2030, 12, 31))
nows = st.builds(
    lambda moment, zone: moment.replace(tzinfo=UTC).astimezone(zone),
    st.datetimes(datetime(2025, 1, 1), datetime(2030, 12, 31)),
    st.sampled_from(ZONES),
)


@st.composite
def schedules(draw) -> Schedule:
    kind = draw(st.sampled_from(["interval", "weekdays"]))
    return Schedule(
        kind=kind,
        interval_days=draw(st.integers(1, 7)) if kind == "interval" else 1,
        weekdays=frozenset(draw(st.sets(st.integers(0, 6), min_size=1)))
        if kind == "weekdays"
        else frozenset(),
        at=draw(check_times),
        anchor=draw(anchors),
        skip_holidays=draw(st.booleans()),
    )


@st.composite
def pauses_near(draw, now: datetime) -> list[tuple[date, date]]:
    """A few stays away (hospital, travel) of up to 30 days around now."""
    today = now.astimezone(JST).date()
    result = []
    for _ in range(draw(st.integers(0, 3))):
        start = today + timedelta(days=draw(st.integers(-10, 40)))
        result.append((start, start + timedelta(days=draw(st.integers(0, 30)))))
    return result


def allowed(schedule: Schedule, day: date, pauses: list[tuple[date, date]]) -> bool:
    """The rules as a person reads them on the settings page, written independently.
    The anchor is the day the schedule was set: no check falls before it."""
    if day < schedule.anchor:
        return False
    if schedule.kind == "interval":
        on_schedule = (day.toordinal() - schedule.anchor.toordinal()) % schedule.interval_days == 0
    else:
        on_schedule = day.weekday() in schedule.weekdays
    if any(start <= day <= end for start, end in pauses):
        return False
    if schedule.skip_holidays and day in JP_HOLIDAYS:
        return False
    return on_schedule


def assert_next_occurrence_is_right(schedule, now, pauses) -> datetime:
    at = next_occurrence(schedule, now, "Asia/Tokyo", pauses)
    assert at is not None, "a schedule with a few pauses always has a next check"
    assert at > now
    local = at.astimezone(JST)
    assert local.time() == schedule.at
    assert allowed(schedule, local.date(), pauses)
    # Nothing allowed in between: walk every local date from now's to the result's.
    day = now.astimezone(JST).date()
    while day < local.date():
        candidate = datetime.combine(day, schedule.at, tzinfo=JST)
        assert not (candidate > now and allowed(schedule, day, pauses)), (
            f"skipped {candidate:%Y-%m-%d %H:%M} on the way to {local:%Y-%m-%d %H:%M}"
        )
        day += timedelta(days=1)
    return at


@settings(max_examples=300, deadline=None)
@given(schedule=schedules(), now=nows, data=st.data())
def test_the_next_check_is_after_now_at_the_chosen_time_and_skips_no_allowed_day(
    schedule, now, data
):
    pauses = data.draw(pauses_near(now))
    assert_next_occurrence_is_right(schedule, now, pauses)


@settings(max_examples=150, deadline=None)
@given(schedule=schedules(), now=nows, data=st.data())
def test_following_the_schedule_occurrence_by_occurrence_misses_none(schedule, now, data):
    """What the planner does: each next check is computed from the previous one."""
    pauses = data.draw(pauses_near(now))
    at = now
    for _ in range(6):
        at = assert_next_occurrence_is_right(schedule, at, pauses)


@settings(max_examples=150, deadline=None)
@given(
    days=st.integers(1, 7),
    at=check_times,
    anchor=anchors,
    now=nows,
)
def test_every_n_days_means_exactly_n_days_apart_without_pauses(days, at, anchor, now):
    schedule = Schedule("interval", days, frozenset(), at, anchor)
    first = next_occurrence(schedule, now)
    second = next_occurrence(schedule, first)
    assert second - first == timedelta(days=days)
    assert first.astimezone(JST).date() >= anchor
    # The first check comes within one period of now (or of the anchor date).
    start = max(now, datetime.combine(anchor, time(0), tzinfo=JST))
    assert first - start <= timedelta(days=days)


@pytest.mark.django_db
@settings(
    max_examples=30,
    deadline=None,
    # make_person is function-scoped on purpose: each example creates a fresh
    # person (with its own pauses) and reads only that person.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(schedule=schedules(), now=nows, data=st.data())
def test_the_planner_agrees_with_the_schedule_for_a_stored_person(schedule, now, data, make_person):
    """engine.plan.following_occurrence reads the person's stored schedule and
    pauses (weekdays as text, the tenant's time zone): same answer, same rules."""
    from anpi.engine.plan import following_occurrence
    from anpi.people.models import Pause

    pauses = data.draw(pauses_near(now))
    person = make_person(
        schedule_kind=schedule.kind,
        interval_days=schedule.interval_days,
        weekdays=",".join(str(d) for d in sorted(schedule.weekdays)),
        check_time=schedule.at,
        schedule_anchor=schedule.anchor,
        skip_holidays=schedule.skip_holidays,
    )
    for start, end in pauses:
        Pause.objects.create(tenant=person.tenant, person=person, starts_on=start, ends_on=end)
    assert person.schedule() == schedule
    at = following_occurrence(person, now)
    assert at == assert_next_occurrence_is_right(schedule, now, pauses)
