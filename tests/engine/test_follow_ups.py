"""A follow-up (the person answered 少し不調 or 話したい) is staff's to close: no
later answer, closed check or passing deadline makes it go away, and it never
becomes a step of the ladder. The clock starts at 08:00 JST; checks at 09:00."""

from __future__ import annotations

from datetime import timedelta

import pytest

from anpi.engine.answer import answer_ok, follow_up_deadline
from anpi.engine.models import Check, Task


def test_a_later_ok_leaves_the_follow_up_open(make_person, clock, work):
    person = make_person()
    clock.advance(hours=1)
    work()
    answer_ok(person, clock, grade="talk")
    clock.advance(days=1)
    work()  # the next day's check
    answer_ok(person, clock)  # 「げんきです」
    task = Task.objects.get(person=person, kind="follow_up")
    assert task.state == "open"
    assert Check.objects.filter(person=person, state="answered").count() == 2


def test_a_stale_talk_hangs_its_follow_up_on_a_closed_check_not_the_running_one(
    make_person, clock, work
):
    person = make_person()
    clock.advance(hours=1)
    work()
    tapped_at = clock.now()
    answer_ok(person, clock)  # day 1 answered
    clock.advance(days=1)
    work()  # day 2's check is open
    # A 話したい tapped on day 1's message, delivered only now: it answers nothing.
    assert answer_ok(person, clock, grade="talk", event_at=tapped_at) == 0
    task = Task.objects.get(person=person, kind="follow_up")
    assert task.check_run.state == "answered"
    day2 = Check.objects.get(person=person, state="open")
    for hours in (24, 3):  # day 2's ladder: re-send, then a staff call (past the deadline)
        clock.advance(hours=hours)
        work()
    task.refresh_from_db()
    assert task.state == "open"
    assert day2.tasks.filter(kind="call_person").exists()  # the ladder went on by itself


def test_an_unknown_grade_is_refused(make_person, clock):
    with pytest.raises(ValueError):
        answer_ok(make_person(), clock, grade="so-so")


@pytest.mark.parametrize("value", [None, 59, True, "24h", 8 * 24 * 3600])
def test_a_bad_follow_up_deadline_in_a_snapshot_means_the_default(value):
    policy = [{"after": 0, "action": "send_check", "params": {"follow_up_deadline": value}}]
    assert follow_up_deadline(policy) == timedelta(hours=24)
