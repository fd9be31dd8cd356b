"""The time a person is told is the time they are asked, for every way a schedule
is set: the settings page, a team invite (with or without an earlier schedule),
a group's schedule page, staff in the dashboard or the API."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anpi.engine.models import Outbox
from anpi.people import schedule_words
from anpi.people.models import Person

USER = "U" + "9" * 32
JST = ZoneInfo("Asia/Tokyo")


class Sched:
    def __init__(self, at: time, kind: str = "interval", days: int = 1, weekdays: str = "") -> None:
        self.check_time, self.schedule_kind, self.interval_days = at, kind, days
        self.weekdays, self.skip_holidays = weekdays, False


@settings(max_examples=200, deadline=None)
@given(
    at=st.times().map(lambda t: t.replace(second=0, microsecond=0)),
    kind=st.sampled_from(["interval", "weekdays"]),
    days=st.integers(1, 7),
    weekdays=st.sets(st.integers(0, 6), min_size=1).map(lambda s: ",".join(map(str, sorted(s)))),
)
def test_the_words_always_carry_the_check_time_itself(at, kind, days, weekdays):
    schedule = Sched(at, kind, days, weekdays)
    told = f"{at.hour}:{at.minute:02d}"
    assert schedule_words.for_person(schedule).endswith(" " + told)
    assert schedule_words.for_staff(schedule).endswith(" " + told)


def _texts(person) -> str:
    return " ".join(
        m.get("text", "")
        for row in Outbox.objects.filter(person=person, transport="line")
        for m in row.payload.get("messages", [])
    )


def test_a_person_who_joins_a_team_is_told_their_own_time(db, tenant, channel, clock):
    from anpi.groups.models import Team
    from anpi.municipal.actions import do_accept_invite, new_invite

    team = Team.objects.create(tenant=tenant, name="北地区")
    person = Person.objects.create(
        tenant=tenant,
        channel=channel,
        line_user_id=USER,
        check_time=time(13, 35),
        schedule_kind="interval",
        interval_days=1,
        schedule_anchor=clock.now().date(),
    )
    invite = new_invite(team, "watched", clock.now())
    do_accept_invite(channel, USER, invite.code, clock.now(), reply_token="r")
    person.refresh_from_db()
    assert person.check_time == time(13, 35)
    told = " ".join(
        m["text"] for row in Outbox.objects.filter(recipient=USER) for m in row.payload["messages"]
    )
    assert "まいにち 13:35" in told
    assert person.next_check_at.astimezone(JST).time() == time(13, 35)


def test_a_new_person_who_joins_a_team_is_told_the_default_time_they_are_asked(
    db, tenant, channel, clock
):
    from anpi.groups.models import Team
    from anpi.municipal.actions import TEAM_DEFAULT_TIME, do_accept_invite, new_invite

    team = Team.objects.create(tenant=tenant, name="北地区")
    invite = new_invite(team, "watched", clock.now())
    do_accept_invite(channel, USER, invite.code, clock.now(), reply_token="r")
    person = Person.objects.get(line_user_id=USER)
    told = " ".join(
        m["text"] for row in Outbox.objects.filter(recipient=USER) for m in row.payload["messages"]
    )
    at = TEAM_DEFAULT_TIME
    assert f"まいにち {at.hour}:{at.minute:02d}" in told
    local = person.next_check_at.astimezone(JST)
    assert local.time() == at and person.check_time == at


@pytest.mark.parametrize("at", [time(6, 0), time(13, 30), time(21, 0)])
def test_staff_changing_the_schedule_tell_the_time_that_is_then_asked(
    make_person, clock, operator, at
):
    from anpi.individual.staff_actions import do_change_schedule, settings_form
    from anpi.tenants.actors import Actor

    person = make_person()
    form = settings_form(
        {
            "schedule_kind": "interval",
            "interval_days": "1",
            "check_time": at.strftime("%H:%M"),
            "nickname": person.nickname,
            "phone": "090-1234-5678",
        },
        ["schedule_kind", "interval_days", "weekdays", "check_time", "skip_holidays"],
    )
    assert form.is_valid(), form.errors
    person = do_change_schedule(person, form.cleaned_data, Actor.staff(operator), clock.now())
    told = _texts(person)
    assert f"{at.hour}:{at.minute:02d} に ききます" in told
    local = person.next_check_at.astimezone(JST)
    assert local.time() == at and local - clock.now() < timedelta(days=1, minutes=1)
