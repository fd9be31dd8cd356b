"""Races between real threads on PostgreSQL: answers, workers and staff at the same moment.

Each thread has its own database connection, as the web process, the ingest
thread and several worker processes would. ``threading.Barrier`` lines the
threads up; the tests that must see one exact interleaving pause one side
inside its transaction and let the other run into it. The rules under test are
the invariants of docs/engine.md and the lock order of docs/engine.md:

- an OK racing any step of the ladder wins, and after it commits no step of
  that check fires (invariant 5);
- two workers on one due batch fire each step exactly once (invariants 1, 3, 6);
- staff recording an outcome while a step of the same check fires neither
  deadlock nor leave the check half-done.

SQLite has no row locks (one write transaction at a time), so these run on
PostgreSQL only.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from tests.conftest import START
from tests.reliability import invariants

from anpi.engine import answer as answer_module
from anpi.engine import registry
from anpi.engine.advance import advance_due_checks
from anpi.engine.answer import TaskClosed, answer_ok, record_task_outcome
from anpi.engine.models import Check, Outbox, Task, TimelineEntry
from anpi.engine.plan import plan_due_checks
from anpi.engine.steps import PUSH_STEPS
from anpi.engine.worker import run_once, run_until_idle

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="thread races need row locks and concurrent writers: run with "
        "ANPI_DATABASE_URL=postgres://… (SQLite serialises every write transaction)",
    ),
]

H = timedelta(hours=1)
LADDER = ["send_check", "resend", "call_task", "last_notice", "notify_contacts", "decide_task"]

# What each step of the individual ladder leaves behind when it fires, for a
# person with a LINE contact, an e-mail contact and a phone-only contact.
FIRED = {
    "send_check": {"outbox:check": 1, "timeline:check_sent": 1},
    "resend": {"outbox:resend": 1, "timeline:resent": 1},
    "call_task": {"task:call_person": 1, "timeline:task_opened": 1},
    # The call task of the step before expired untouched: a service failure that
    # staff are e-mailed about (issue 11, engine.steps / the missed-call rule).
    "last_notice": {
        "outbox:last_notice": 1,
        "timeline:last_notice": 1,
        "outbox:staff_alert": 1,
        "timeline:task_expired": 1,
    },
    "notify_contacts": {
        "outbox:notify_contact": 2,  # LINE to one contact, e-mail to another
        "task:call_contact": 1,  # a staff call to the one with only a phone
        "timeline:task_opened": 1,
        "timeline:contact_notified": 3,
    },
    "decide_task": {"task:decide": 1, "timeline:task_opened": 1},
}
# Once contacts were told, a safe close tells them the all-clear on the channel they
# were alarmed on: LINE to one, e-mail to the other (the phone-only one gets a call).
ALL_CLEAR = {"outbox:all_clear": 2, "timeline:all_clear_sent": 2}
TOLD = ("notify_contacts", "decide_task")  # steps at or after the contacts' alert


def after_answer(action: str, fired: bool) -> tuple[Counter, str]:
    """What an answer adds to a check raced at ``action``, and its last timeline kind."""
    told = action == "decide_task" or (action == "notify_contacts" and fired)
    extra = Counter({"timeline:answered": 1}) + (Counter(ALL_CLEAR) if told else Counter())
    # answer_ok closes the check (which sends any all-clear) and then notes the
    # answer: the person's own words stay the last entry.
    return extra, "answered"


CONTACTS = [
    {"name": "たろう", "relation": "長男", "line_user_id": "U" + "c" * 32},
    {"name": "はなえ", "relation": "長女", "email": "hanae@example.jp"},
    {"name": "大家さん", "relation": "大家", "phone": "+81312345678"},
]


def weekly_people(make_person, n: int) -> list:
    """Persons checked weekly at 09:00, so that one check climbs the whole
    ladder without the next occurrence folding into it."""
    return [make_person(f"p{i}", interval_days=7, contacts=CONTACTS) for i in range(n)]


def bring_to(clock, people, action: str) -> list[Check]:
    """Plan the persons' 09:00 checks and fire their steps until ``action`` is
    the next step; leave the clock at the moment it is due (nothing delivered)."""
    index = LADDER.index(action)
    clock.set(START + H)
    plan_due_checks(clock)
    while True:
        checks = list(Check.objects.filter(person__in=people).order_by("id"))
        assert len(checks) == len(people)
        assert len({(c.step, c.next_action_at) for c in checks}) == 1  # in lockstep
        if checks[0].step == index:
            clock.set(max(clock.now(), checks[0].next_action_at))
            return checks
        clock.set(max(clock.now(), checks[0].next_action_at))
        advance_due_checks(clock)


def effects(check_id: int) -> Counter:
    """What a check has caused so far: outbox rows, tasks and timeline entries
    by kind (deliveries left out: a row committed before the answer may still
    be sent after it, that is not a step firing)."""
    counts: Counter = Counter()
    for purpose in Outbox.objects.filter(check_run_id=check_id).values_list("purpose", flat=True):
        counts[f"outbox:{purpose}"] += 1
    for kind in Task.objects.filter(check_run_id=check_id).values_list("kind", flat=True):
        counts[f"task:{kind}"] += 1
    entries = TimelineEntry.objects.filter(check_run_id=check_id).exclude(kind="delivered")
    for kind in entries.values_list("kind", flat=True):
        counts[f"timeline:{kind}"] += 1
    return counts


def last_timeline_kind(check_id: int) -> str:
    entries = TimelineEntry.objects.filter(check_run_id=check_id).exclude(kind="delivered")
    return entries.order_by("-id").values_list("kind", flat=True).first()


def race(*jobs, timeout: float = 60):
    """Run each job in its own thread (own connection), all released at once.
    Returns their results in order; re-raises the first error; a thread still
    running after ``timeout`` seconds is a deadlock or a hang."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = job()
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    assert not any(t.is_alive() for t in threads), "a thread hung: deadlock?"
    if errors:
        raise errors[0]
    return results


class Pause:
    """Stop a thread inside its transaction until the test says go."""

    def __init__(self) -> None:
        self.inside = threading.Event()
        self.go = threading.Event()

    def around(self, fn):
        def paused(*args, **kwargs):
            result = fn(*args, **kwargs)
            self.inside.set()
            assert self.go.wait(20), "the test never released the paused thread"
            return result

        return paused


def pause_step(monkeypatch, action: str) -> Pause:
    """Pause the step ``action`` after its compare-and-set, before it commits
    (push steps fire set-based in engine.advance_batch, the others one by one)."""
    pause = Pause()
    if action in PUSH_STEPS:
        spec = PUSH_STEPS[action]
        monkeypatch.setitem(
            PUSH_STEPS, action, dataclasses.replace(spec, message=pause.around(spec.message))
        )
    registered = registry.actions[action]
    monkeypatch.setitem(
        registry.actions,
        action,
        dataclasses.replace(registered, handler=pause.around(registered.handler)),
    )
    return pause


def in_thread(job) -> tuple[threading.Thread, list]:
    out: list = []

    def run() -> None:
        try:
            out.append(job())
        except BaseException as exc:  # noqa: BLE001 - handed to the test thread
            out.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def assert_nothing_more_fires(clock, work, check_ids: list[int]) -> None:
    """Days later the closed checks have still done nothing more."""
    before = {pk: invariants.snapshot(pk) for pk in check_ids}
    for _ in range(4):
        clock.advance(hours=12)
        work()
    assert invariants.nothing_after_answer(before) == []


# --- 1. An OK racing each step of the individual ladder ----------------------


@pytest.mark.parametrize("action", LADDER)
def test_an_ok_racing_a_step_of_the_ladder_leaves_nothing_fired_after_it(
    action, make_person, clock, transport, work
):
    people = weekly_people(make_person, 12)
    checks = bring_to(clock, people, action)
    before = {c.pk: (effects(c.pk), c.version) for c in checks}

    def answer_all():
        # The last-fired checks first, so that answers and steps cross.
        return [answer_ok(p, clock) for p in reversed(people)]

    answered, _ = race(answer_all, lambda: run_once(clock, lambda row: transport))

    assert answered == [1] * len(people)
    for check in Check.objects.filter(pk__in=before):
        old_effects, old_version = before[check.pk]
        assert check.state == "answered" and check.next_action_at is None
        fired = check.version == old_version + 2  # the step's CAS and the answer's
        assert check.version in (old_version + 1, old_version + 2)
        extra, last = after_answer(action, fired)
        expected = old_effects + extra
        if fired:
            expected += Counter(FIRED[action])
        assert effects(check.pk) == expected, f"check {check.pk}, step fired: {fired}"
        # Whatever the step opened, the answer closed: staff have nothing left to do.
        assert not Task.objects.filter(check_run=check, state="open").exists()
        # The step, if it fired, committed before the answer (and its all-clear).
        assert last_timeline_kind(check.pk) == last
    assert_nothing_more_fires(clock, work, list(before))


@pytest.mark.parametrize("action", LADDER)
def test_an_ok_while_a_step_holds_the_check_waits_for_it_then_closes_what_it_opened(
    action, make_person, clock, monkeypatch, work
):
    [person] = weekly_people(make_person, 1)
    [check] = bring_to(clock, [person], action)
    before = effects(check.pk)
    pause = pause_step(monkeypatch, action)

    stepping, fired = in_thread(lambda: advance_due_checks(clock))
    assert pause.inside.wait(20), "the step never fired"
    answering, answered = in_thread(lambda: answer_ok(person, clock))
    time.sleep(0.3)
    assert answering.is_alive(), "the OK did not wait for the step holding the check"
    pause.go.set()
    stepping.join(30)
    answering.join(30)

    assert fired == [1] and answered == [1]
    check.refresh_from_db()
    assert check.state == "answered" and check.next_action_at is None
    extra, last = after_answer(action, fired=True)
    assert effects(check.pk) == before + Counter(FIRED[action]) + extra
    assert not Task.objects.filter(check_run=check, state="open").exists()
    assert last_timeline_kind(check.pk) == last
    monkeypatch.undo()
    assert_nothing_more_fires(clock, work, [check.pk])


@pytest.mark.parametrize("action", LADDER)
def test_a_step_due_while_an_ok_holds_the_check_fires_nothing(
    action, make_person, clock, monkeypatch, work
):
    [person] = weekly_people(make_person, 1)
    [check] = bring_to(clock, [person], action)
    before = effects(check.pk)
    pause = Pause()
    monkeypatch.setattr(
        answer_module, "close_check", pause.around(answer_module.close_check)
    )

    answering, answered = in_thread(lambda: answer_ok(person, clock))
    assert pause.inside.wait(20), "the answer never closed the check"
    stepping, fired = in_thread(lambda: advance_due_checks(clock))
    stepping.join(20)
    assert not stepping.is_alive(), "the worker queued behind the answer instead of moving on"
    pause.go.set()
    answering.join(30)

    assert fired == [0] and answered == [1]
    assert advance_due_checks(clock) == 0  # and once the answer committed, still nothing
    check.refresh_from_db()
    assert check.state == "answered"
    extra, _ = after_answer(action, fired=False)
    assert effects(check.pk) == before + extra
    monkeypatch.undo()
    assert_nothing_more_fires(clock, work, [check.pk])


@pytest.mark.parametrize("action", ["resend", "call_task"])
def test_a_talk_racing_a_step_stops_the_ladder_and_leaves_one_open_follow_up(
    action, make_person, clock, transport, work
):
    people = weekly_people(make_person, 12)
    checks = bring_to(clock, people, action)

    def talk_all():
        return [answer_ok(p, clock, grade="talk") for p in reversed(people)]

    answered, _ = race(talk_all, lambda: run_once(clock, lambda row: transport))

    assert answered == [1] * len(people)
    for check in Check.objects.filter(pk__in=[c.pk for c in checks]):
        assert (check.state, check.answer_grade) == ("answered", "talk")
        # Whatever the step opened, the answer closed; the follow-up it asked for stays.
        still_open = Task.objects.filter(check_run=check, state="open")
        assert [t.kind for t in still_open] == ["follow_up"]
    assert_nothing_more_fires(clock, work, [c.pk for c in checks])


# --- 2. Two workers on one due batch -------------------------------------------


def test_two_workers_on_one_morning_fire_every_step_of_every_check_once(
    make_person, clock, transport
):
    people = weekly_people(make_person, 60)

    def worker():
        return run_until_idle(clock, transport_for=lambda row: transport)

    # 09:00 both plan and send; then each later step of the ladder comes due
    # (re-send +24h, call +3h, last notice +2h, contacts and decision +2h).
    for at in (START + H, START + 25 * H, START + 28 * H, START + 30 * H, START + 32 * H):
        clock.set(at)
        race(worker, worker)

    now = clock.now()
    assert invariants.occurrences_exactly_once(START) == []
    assert invariants.open_checks_have_a_next_action(now) == []
    assert invariants.side_effects_once() == []
    checks = list(Check.objects.filter(person__in=people))
    assert len(checks) == len(people)
    every_step = sum((Counter(FIRED[a]) for a in LADDER), Counter())
    for check in checks:
        assert check.state == "open" and check.step == len(LADDER) - 1
        assert effects(check.pk) == every_step
    # Each message reached its phone or inbox once: one delivery per outbox row.
    rows = Outbox.objects.filter(check_run__in=checks)
    assert set(rows.values_list("state", flat=True)) == {"sent"}
    assert len(transport.sent) == rows.count()
    keys = Counter(d.retry_key for d, _ in transport.sent if d.retry_key)
    assert keys and max(keys.values()) == 1
    assert Task.objects.filter(check_run__in=checks, kind="decide", state="open").count() == 60


# --- 3. Staff recording an outcome while a step of the same check fires ------


def test_staff_marking_a_contact_call_safe_while_the_decision_step_fires_closes_everything(
    make_person, clock, transport, work
):
    people = weekly_people(make_person, 10)
    checks = bring_to(clock, people, "decide_task")
    calls = [Task.objects.get(check_run=c, kind="call_contact") for c in checks]

    def staff():
        return [record_task_outcome(t.pk, "safe", clock).state for t in calls]

    outcomes, _ = race(staff, lambda: run_once(clock, lambda row: transport))

    assert outcomes == ["done"] * len(calls)
    for check in Check.objects.filter(pk__in=[c.pk for c in checks]):
        assert check.state == "resolved" and check.next_action_at is None
        assert not Task.objects.filter(check_run=check, state="open").exists()
        decisions = Task.objects.filter(check_run=check, kind="decide")
        assert decisions.count() <= 1
        # If the decision task opened, it did so before staff resolved the check;
        # then the contacts told earlier hear the all-clear.
        assert last_timeline_kind(check.pk) == "all_clear_sent"
    assert_nothing_more_fires(clock, work, [c.pk for c in checks])


def test_staff_recording_unreachable_as_the_call_deadline_passes_sends_one_last_notice(
    make_person, clock, transport
):
    people = weekly_people(make_person, 10)
    checks = bring_to(clock, people, "last_notice")  # the call's deadline is now
    calls = [Task.objects.get(check_run=c, kind="call_person") for c in checks]

    def staff():
        told = []
        for task in calls:
            try:
                record_task_outcome(task.pk, "unreachable", clock)
                told.append("recorded")
            except TaskClosed:
                told.append("closed")
        return told

    told, _ = race(staff, lambda: advance_due_checks(clock))
    advance_due_checks(clock)  # the worker's next pass: checks staff held were skipped

    for task, answer in zip(calls, told, strict=True):
        task.refresh_from_db()
        # Staff who were told "recorded" see their outcome; the others were told
        # the deadline had passed (the step expired the task first).
        if answer == "recorded":
            assert task.state == "done" and task.outcome == "unreachable"
        else:
            assert task.state == "expired" and task.outcome == ""
        check = task.check_run
        check.refresh_from_db()
        assert check.state == "open" and check.step == LADDER.index("notify_contacts")
        assert check.next_action_at == clock.now() + 2 * H
        assert Outbox.objects.filter(check_run=check, purpose="last_notice").count() == 1
        assert TimelineEntry.objects.filter(check_run=check, kind="task_outcome").count() == (
            answer == "recorded"
        )
