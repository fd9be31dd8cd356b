"""A person without a phone number (a group or team member who joined by LINE
alone) goes to the call queue only when the escalation policy says so; when it
does, the card says what else staff can do."""

from __future__ import annotations

import pytest

from anpi.engine.models import Check, EscalationPolicy, Task
from anpi.engine.policies import PolicyError, validate_policy

HOUR = 3600


def policy(tenant, no_phone=None):
    params = {"deadline": 2 * HOUR, **({"no_phone": no_phone} if no_phone else {})}
    return EscalationPolicy.objects.create(
        tenant=tenant,
        name="call then decide",
        is_default=True,
        steps=[
            {"after": 0, "action": "send_check"},
            {"after": HOUR, "action": "call_task", "params": params},
            {"after": HOUR, "action": "decide_task", "params": {"deadline": 24 * HOUR}},
        ],
    )


def test_by_default_a_person_without_a_phone_still_reaches_the_queue_with_what_else_to_do(
    make_person, tenant, clock, work
):
    policy(tenant)
    person = make_person(phone="")
    clock.advance(hours=1)
    work()
    clock.advance(hours=1)
    work()
    call = Task.objects.get(person=person, kind=Task.Kind.CALL_PERSON)
    assert "電話番号がありません" in call.reason and "訪問" in call.reason


def test_a_policy_can_pass_over_the_call_for_someone_without_a_phone(
    make_person, tenant, clock, work
):
    policy(tenant, no_phone="skip")
    person = make_person(phone="")
    clock.advance(hours=1)
    work()
    clock.advance(hours=1)
    work()
    assert not Task.objects.filter(person=person, kind=Task.Kind.CALL_PERSON).exists()
    assert person.timeline.filter(kind="call_skipped", text__contains="電話番号がないため").exists()
    # The ladder goes on: the next step (staff decide) an hour later, not never.
    clock.advance(hours=1)
    work()
    assert Task.objects.filter(person=person, kind=Task.Kind.DECIDE, state="open").exists()
    assert Check.objects.get(person=person).state == "open"


def test_skip_only_applies_to_people_without_a_phone(make_person, tenant, clock, work):
    policy(tenant, no_phone="skip")
    person = make_person(phone="+819012345678")
    clock.advance(hours=1)
    work()
    clock.advance(hours=1)
    work()
    call = Task.objects.get(person=person, kind=Task.Kind.CALL_PERSON)
    assert call.reason == "応答がありません"


def test_an_unknown_no_phone_rule_is_refused_in_japanese():
    steps = [
        {"after": 0, "action": "send_check"},
        {"after": HOUR, "action": "call_task", "params": {"deadline": HOUR, "no_phone": "maybe"}},
        {"after": HOUR, "action": "close"},
    ]
    with pytest.raises(PolicyError) as caught:
        validate_policy(steps)
    assert "no_phone" in str(caught.value) and "queue, skip" in str(caught.value)
