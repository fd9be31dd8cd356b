"""One bad row never stalls the others: it is quarantined alone and shown in health."""

from __future__ import annotations

import pytest

from anpi.engine.health import health_report
from anpi.engine.models import Check, Inbox, Quarantine, Task
from anpi.engine.policies import PolicyError, validate_policy

from .conftest import text_event

BAD_POLICY = [
    {"after": 0, "action": "send_check"},
    {"after": 1e20, "action": "resend"},  # a typo that overflowed timedelta
    {"after": 0, "action": "decide_task", "params": {"deadline": 3600}},
]


@pytest.mark.parametrize(
    "after", [1e20, True, -1, 31 * 24 * 3600, "3600", None], ids=repr
)
def test_a_policy_with_an_impossible_after_is_refused(after):
    steps = [dict(step) for step in BAD_POLICY]
    steps[1]["after"] = after
    with pytest.raises(PolicyError):
        validate_policy(steps)


def test_the_policy_form_explains_the_error_in_japanese(db, tenant):
    import json

    from django.utils import translation

    from anpi.municipal.forms import PolicyForm

    with translation.override("ja"):
        form = PolicyForm({"name": "typo", "steps": json.dumps([{**s} for s in BAD_POLICY])})
        assert not form.is_valid()
        assert "after は 0〜" in str(form.errors["steps"])


def test_a_broken_policy_snapshot_in_one_tenant_does_not_stop_another_tenants_checks(
    make_person, clock, work, other_tenant
):
    from anpi.people.models import Person

    healthy = make_person("はなこ")
    broken = make_person("たろう")
    clock.advance(hours=1)
    work()  # both checks sent at 09:00
    # A snapshot saved before validation existed: the step after the re-send overflows.
    Check.objects.filter(person=broken).update(
        policy=[
            {"after": 0, "action": "send_check"},
            {"after": 24 * 3600, "action": "resend"},
            {"after": 1e20, "action": "call_task", "params": {"deadline": 7200}},
            {"after": 0, "action": "decide_task", "params": {"deadline": 3600}},
        ]
    )
    other = Person.objects.get(pk=healthy.pk)
    clock.advance(hours=25)
    work()
    # The healthy person's ladder went on (re-send fired, call task opened).
    first = Check.objects.filter(person=other).order_by("due_at").first()
    assert first is not None and first.step >= 2
    quarantined = Quarantine.objects.get(kind="check")
    assert quarantined.object_id == Check.objects.filter(person=broken).order_by("due_at")[0].pk
    # The broken check is not silent: staff have a phone task with a deadline.
    task = Task.objects.get(person=broken, state="open")
    assert "システムの不具合" in task.reason
    assert any("quarantined" in p for p in health_report(clock)["problems"])


def test_an_event_stored_with_a_bad_timestamp_does_not_stop_the_batch(
    make_person, clock, work, channel
):
    person = make_person(line_user_id="U" + "4" * 32)
    clock.advance(hours=1)
    work()
    bad = text_event(person.line_user_id, "こんにちは", clock.now())
    bad["timestamp"] = "notanumber"  # stored before the webhook refused such events
    ok = text_event(person.line_user_id, "げんきです", clock.now())
    for event in (bad, ok):
        Inbox.objects.create(
            tenant=channel.tenant,
            channel=channel,
            webhook_event_id=event["webhookEventId"],
            event=event,
            received_at=clock.now(),
        )
    work()
    assert Check.objects.get(person=person).state == Check.State.ANSWERED
    assert not Inbox.objects.filter(processed_at__isnull=True).exists()


def test_an_event_that_keeps_failing_is_quarantined_not_dropped(
    make_person, clock, channel, monkeypatch
):
    from anpi.engine import ingest

    def explode(*args, **kwargs):
        raise RuntimeError("bug")

    person = make_person(line_user_id="U" + "4" * 32)
    event = text_event(person.line_user_id, "げんきです", clock.now())
    row = Inbox.objects.create(
        tenant=channel.tenant,
        channel=channel,
        webhook_event_id=event["webhookEventId"],
        event=event,
        received_at=clock.now(),
    )
    monkeypatch.setattr(ingest, "handle_event", explode)
    for _ in range(ingest.MAX_ATTEMPTS):
        ingest.process_inbox_batch(clock)
        clock.advance(seconds=10)
    assert Quarantine.objects.get(kind="inbox").object_id == row.pk
    assert any("quarantined" in p for p in health_report(clock)["problems"])


def test_a_person_whose_planning_raises_is_quarantined_and_others_are_planned(
    make_person, clock, monkeypatch
):
    from anpi.engine import plan

    good = make_person("はなこ")
    bad = make_person("たろう")
    real = plan.following_occurrence

    def flaky(person, after):
        if person.pk == bad.pk:
            raise ValueError("broken schedule")
        return real(person, after)

    monkeypatch.setattr(plan, "following_occurrence", flaky)
    clock.advance(minutes=55)
    plan.plan_due_checks(clock)
    assert Check.objects.filter(person=good).count() == 1
    assert Quarantine.objects.get(kind="person").object_id == bad.pk


def test_a_failed_message_whose_fallback_raises_does_not_stall_delivery(
    make_person, clock, work, transport, monkeypatch
):
    from anpi.channels.base import SendResult
    from anpi.engine import fallback

    real = fallback.on_delivery_failed
    broken = make_person("たろう")

    def flaky(row, detail, now):
        if row.person_id == broken.pk:
            raise RuntimeError("bug in the fallback")
        return real(row, detail, now)

    monkeypatch.setattr(fallback, "on_delivery_failed", flaky)
    healthy = make_person("はなこ")
    transport.script = [SendResult("failed", "blocked", 400)] * 2
    clock.advance(hours=1)
    work()  # returns: the batch was recorded, not retried forever
    assert Task.objects.filter(person=healthy, kind="call_person").exists()
    assert Quarantine.objects.get(kind="outbox").object_id == check_row_of(broken).pk


def check_row_of(person):
    from anpi.engine.models import Outbox

    return Outbox.objects.get(person=person, purpose="check")
