"""Early answers (engine.early): a 「げんきです」 before the check is due answers that
occurrence in advance, and nothing is pushed. Persons are checked daily at 09:00
JST; the clock starts at 08:00 on 2026-12-01 (tests/conftest.py)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from tests.conftest import START

from anpi.engine.early import answer_genki
from anpi.engine.models import Check, EscalationPolicy, Outbox, TimelineEntry
from anpi.engine.policies import PolicyError, validate_policy

pytestmark = pytest.mark.django_db

NINE = START + timedelta(hours=1)


def pushes(transport) -> list:
    return [d for d, outcome in transport.sent if d.method == "push" and outcome == "sent"]


def test_a_tap_an_hour_before_answers_the_0900_check_and_nothing_is_pushed(
    make_person, clock, work, transport
):
    person = make_person()
    assert answer_genki(person, clock, reply_token="tok") == "early"
    clock.set(NINE + timedelta(minutes=1))
    work()

    check = Check.objects.get(person=person)
    assert (check.due_at, check.state, check.close_reason) == (NINE, "answered", "early")
    assert check.next_action_at is None
    person.refresh_from_db()
    assert person.next_check_at == NINE + timedelta(days=1)  # the following occurrence
    assert pushes(transport) == []
    [reply] = [d for d, _ in transport.sent if d.method == "reply"]
    assert reply.payload["messages"][0]["text"].endswith("きょうの かくにんは おくりません。")
    entry = TimelineEntry.objects.get(person=person, kind="answered_early")
    assert (entry.text, entry.check_run_id) == ("早めの げんきです（送信なし）", check.pk)


def test_a_check_planned_but_not_yet_sent_is_closed_early(make_person, clock, work, transport):
    person = make_person()
    clock.set(NINE - timedelta(minutes=5))
    work()  # the planner creates the 09:00 check ten minutes ahead
    planned = Check.objects.get(person=person)
    assert (planned.state, planned.step) == ("open", 0)

    assert answer_genki(person, clock) == "early"
    clock.set(NINE + timedelta(minutes=1))
    work()
    planned.refresh_from_db()
    assert (planned.state, planned.close_reason) == ("answered", "early")
    assert Check.objects.filter(person=person).count() == 1  # invariant 1
    assert pushes(transport) == []


def test_a_tap_further_ahead_than_the_window_is_an_unprompted_ok(
    make_person, clock, work, transport
):
    person = make_person(check_time=time(21, 0))  # 13 h after 08:00 > 12 h
    assert answer_genki(person, clock) == "ok"
    assert TimelineEntry.objects.filter(person=person, kind="ok_unprompted").exists()
    clock.set(START + timedelta(hours=13, minutes=1))
    work()
    assert len(pushes(transport)) == 1  # the 21:00 check as before


def test_a_waiting_check_is_answered_as_usual_and_tomorrows_still_comes(
    make_person, clock, work, transport
):
    person = make_person()
    clock.set(NINE)
    work()
    clock.set(NINE + timedelta(hours=1))
    assert answer_genki(person, clock) == "ok"  # answers the open 09:00 check
    assert Check.objects.get(person=person).close_reason == "ok"
    clock.set(NINE + timedelta(days=1))
    work()
    assert len(pushes(transport)) == 2


def test_a_tap_late_in_the_evening_answers_tomorrow_mornings_check(
    make_person, clock, work, transport
):
    person = make_person()
    clock.set(NINE)
    work()
    answer_genki(person, clock)  # today's check: answered as usual
    clock.set(NINE + timedelta(hours=13))  # 22:00, tomorrow's check is 11 h away
    assert answer_genki(person, clock, reply_token="tok") == "early"
    clock.set(NINE + timedelta(days=1, minutes=1))
    work()
    reply = [d for d, _ in transport.sent if d.method == "reply"][-1]
    assert "あしたの かくにんは おくりません" in reply.payload["messages"][0]["text"]
    assert len(pushes(transport)) == 1  # only yesterday's


def test_a_tap_from_before_a_check_that_went_out_does_not_answer_it(
    make_person, clock, work, transport
):
    person = make_person()
    clock.set(NINE)
    work()  # pushed before the tap was processed
    assert answer_genki(person, clock, event_at=NINE - timedelta(seconds=5)) == "ok"
    check = Check.objects.get(person=person)
    assert check.state == "open"  # LINE's order: the tap came before the check
    assert TimelineEntry.objects.filter(person=person, kind="stale_answer").exists()


def test_a_policy_without_an_early_window_never_answers_early(
    make_person, tenant, clock, work, transport
):
    EscalationPolicy.objects.create(
        tenant=tenant,
        name="no early",
        is_default=True,
        steps=[{"after": 0, "action": "send_check"}, {"after": 3600, "action": "close"}],
    )
    person = make_person()
    assert answer_genki(person, clock) == "ok"
    clock.set(NINE)
    work()
    assert len(pushes(transport)) == 1


def test_the_early_window_is_whole_seconds_up_to_a_day():
    def policy(window):
        return [
            {"after": 0, "action": "send_check", "params": {"early_window": window}},
            {"after": 0, "action": "close"},
        ]

    assert validate_policy(policy(0))[0]["params"] == {"early_window": 0}
    assert validate_policy(policy(86400))
    for bad in (-1, 86401, 1.5, True, "12h"):
        with pytest.raises(PolicyError):
            validate_policy(policy(bad))


def test_a_person_who_taps_every_morning_costs_no_push_in_a_week(
    make_person, clock, work, transport
):
    person = make_person()
    for day in range(7):
        clock.set(START + timedelta(days=day, minutes=-30))  # 07:30
        assert answer_genki(person, clock, reply_token=f"tok{day}") == "early"
        clock.set(NINE + timedelta(days=day, minutes=1))
        work()
    assert pushes(transport) == []
    assert Check.objects.filter(person=person, close_reason="early").count() == 7
    assert not Outbox.objects.filter(person_id=person.pk, method="push").exists()


@pytest.mark.parametrize("window", ["12h", None, {"x": 1}, True, -5, 10**9])
def test_a_broken_window_in_a_stored_snapshot_means_an_ordinary_ok_never_an_error(
    make_person, clock, work, window
):
    person = make_person()
    clock.set(NINE - timedelta(minutes=5))
    work()  # planned; now its snapshot is edited in the database
    Check.objects.filter(person=person).update(
        policy=[{"after": 0, "action": "send_check", "params": {"early_window": window}}]
    )
    assert answer_genki(person, clock) == "ok"
    assert Check.objects.get(person=person).state == "open"
