"""Early answers racing the planner and advance, in real threads on PostgreSQL.

Whatever the interleaving: each occurrence has exactly one check (invariant 1),
a check answered early never gets its push, and after an answer commits no
step of that check fires (invariants 3, 5). See engine/early.py.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import connection
from tests.conftest import START
from tests.engine.test_races import Pause, in_thread, race

from anpi.engine import early
from anpi.engine.advance import advance_due_checks
from anpi.engine.early import answer_genki
from anpi.engine.models import Check, Outbox
from anpi.engine.plan import plan_due_checks
from anpi.engine.steps import PUSH_STEPS
from anpi.engine.worker import run_once

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="thread races need row locks: run with ANPI_DATABASE_URL=postgres://…",
    ),
]

NINE = START + timedelta(hours=1)
TAPPED = NINE - timedelta(seconds=30)  # LINE's timestamp of each tap: before the check


def check_pushes(check: Check) -> int:
    return Outbox.objects.filter(check_run_id=check.pk, purpose="check").count()


def assert_one_check_each_and_no_push_for_early_ones(people) -> tuple[int, int]:
    early_count = pushed = 0
    for person in people:
        [check] = Check.objects.filter(person=person, due_at=NINE)  # invariant 1
        if check.close_reason == "early":
            early_count += 1
            assert check_pushes(check) == 0
        else:
            pushed += 1
            assert check.state == "open" and check.step >= 1 and check_pushes(check) == 1
    return early_count, pushed


def test_taps_racing_the_planner_and_advance_give_one_check_each_and_no_push_after_an_answer(
    make_person, clock, transport, work
):
    people = [make_person(f"p{i}") for i in range(30)]
    clock.set(NINE)  # due now, not yet planned: planner, advance and taps all at once

    def tap_all():
        return [answer_genki(p, clock, event_at=TAPPED) for p in reversed(people)]

    def worker_a_moment_later():
        time.sleep(0.4)  # so that some taps come before the planner and some after
        return run_once(clock, lambda row: transport)

    answers, _ = race(tap_all, worker_a_moment_later)

    early_count, pushed = assert_one_check_each_and_no_push_for_early_ones(people)
    assert early_count == answers.count("early") and pushed == answers.count("ok")
    sent = [d for d, outcome in transport.sent if d.method == "push" and outcome == "sent"]
    assert len(sent) == pushed  # nobody answered early got a check message
    for _ in range(3):  # and nothing fires later either
        clock.advance(hours=8)
        work()
    assert_one_check_each_and_no_push_for_early_ones(people)


def test_a_planner_meeting_a_tap_that_holds_the_person_skips_them(make_person, clock, monkeypatch):
    person = make_person()
    clock.set(NINE - timedelta(minutes=5))  # inside the planner's 10-minute horizon
    pause = Pause()
    monkeypatch.setattr(early, "policy_for", pause.around(early.policy_for))

    tapping, answered = in_thread(lambda: answer_genki(person, clock))
    assert pause.inside.wait(20), "the tap never locked the person"
    planning, planned = in_thread(lambda: plan_due_checks(clock))
    planning.join(20)
    assert not planning.is_alive(), "the planner queued behind the tap instead of skipping"
    pause.go.set()
    tapping.join(30)

    assert planned == [0] and answered == ["early"]
    assert plan_due_checks(clock) == 0  # next_check_at moved on: nothing left to plan
    [check] = Check.objects.filter(person=person)
    assert (check.due_at, check.close_reason) == (NINE, "early")


def test_a_send_check_due_while_a_tap_closes_the_planned_check_fires_nothing(
    make_person, clock, monkeypatch, work
):
    person = make_person()
    clock.set(NINE - timedelta(minutes=5))
    plan_due_checks(clock)
    clock.set(NINE)
    pause = Pause()
    monkeypatch.setattr(early, "_close_planned", pause.around(early._close_planned))

    tapping, answered = in_thread(lambda: answer_genki(person, clock, event_at=TAPPED))
    assert pause.inside.wait(20), "the tap never closed the check"
    stepping, fired = in_thread(lambda: advance_due_checks(clock))
    stepping.join(20)
    pause.go.set()
    tapping.join(30)

    assert fired == [0] and answered == ["early"]
    assert advance_due_checks(clock) == 0
    [check] = Check.objects.filter(person=person)
    assert check.close_reason == "early" and check_pushes(check) == 0


def test_a_tap_while_send_check_holds_the_planned_check_leaves_it_to_the_push(
    make_person, clock, monkeypatch
):
    import dataclasses

    person = make_person()
    clock.set(NINE - timedelta(minutes=5))
    plan_due_checks(clock)
    clock.set(NINE)
    pause = Pause()
    spec = PUSH_STEPS["send_check"]
    monkeypatch.setitem(
        PUSH_STEPS, "send_check", dataclasses.replace(spec, message=pause.around(spec.message))
    )

    stepping, fired = in_thread(lambda: advance_due_checks(clock))
    assert pause.inside.wait(20), "send_check never fired"
    tapping, answered = in_thread(lambda: answer_genki(person, clock, event_at=TAPPED))
    pause.go.set()
    stepping.join(30)
    tapping.join(30)

    assert fired == [1] and answered == ["ok"]  # the tap is older than the check: not its answer
    [check] = Check.objects.filter(person=person)
    assert check.state == "open" and check.close_reason == "" and check_pushes(check) == 1
