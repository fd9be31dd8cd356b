"""Tasks left open on checks that closed without an answer (found by
test_ladder_properties): when the person turns out to be fine, staff must not
still be asked to phone them or their contacts."""

from __future__ import annotations

from anpi.engine.answer import answer_ok, record_task_outcome
from anpi.engine.models import Check, EscalationPolicy, Task

HOUR = 3600


def climb(clock, work, *hours):
    for h in hours:
        clock.advance(hours=h)
        work()


def test_an_ok_after_the_ladder_closed_cancels_the_call_to_the_contact(
    make_person, tenant, clock, work
):
    EscalationPolicy.objects.create(
        tenant=tenant,
        name="notify, then stop",
        is_default=True,
        steps=[
            {"after": 0, "action": "send_check"},
            {"after": HOUR, "action": "notify_contacts"},
            {"after": HOUR, "action": "close"},
        ],
    )
    person = make_person(
        contacts=[{"name": "大家さん", "relation": "大家", "phone": "+81312345678"}]
    )
    climb(clock, work, 1, 1, 1)  # 09:00 asked, 10:00 landlord to be phoned, 11:00 closed
    assert Check.objects.get(person=person).state == "cancelled"
    answer_ok(person, clock)  # 11:30 she taps OK
    assert not Task.objects.filter(person=person, state="open").exists()


def test_staff_finding_a_person_without_line_safe_leaves_no_call_to_make(make_person, clock, work):
    person = make_person(line_user_id="")  # no LINE: every question is a staff call
    # Day 1 unanswered: re-ask, call, last notice, contacts, then a decision for
    # staff (day 2, 16:00); day 3's 09:00 check folds into that ongoing one.
    climb(clock, work, 1, 24, 3, 2, 2, 17)
    folded = Check.objects.get(person=person, close_reason="merged", due_at=clock.now())
    assert Task.objects.filter(check_run=folded, state="open").exists()
    decision = Task.objects.get(person=person, kind="decide", state="open")
    record_task_outcome(decision.pk, "safe", clock, note="電話で元気と確認")
    assert not Task.objects.filter(person=person, state="open").exists()
