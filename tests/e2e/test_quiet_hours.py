"""Quiet hours end to end (issue 12, item 4): the NPO keeps 21:00–08:00 quiet.
はなこ is checked at 19:00 and stays silent; the staff call falls due at 22:00
and waits until 08:00, which her timeline says; a step the policy marks as an
emergency is not held; the admin sets the hours on a small settings page."""

from datetime import time

import pytest
from django.utils import translation

from anpi.engine.models import Check, EscalationPolicy, Task
from anpi.engine.policies import PolicyError, validate_policy
from anpi.individual.policy import INDIVIDUAL_DEFAULT
from anpi.tenants.models import AuditEntry


@pytest.fixture
def quiet_npo(tenant):
    tenant.quiet_start, tenant.quiet_end = time(21, 0), time(8, 0)
    tenant.save(update_fields=["quiet_start", "quiet_end"])
    return tenant


@pytest.fixture
def silent_hanako(line, clock, quiet_npo):
    """はなこ, checked daily at 19:00; by 12/02 19:00 her check was re-sent."""
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ", at=time(19, 0))
    clock.advance(hours=11)  # 12/01 19:00: the check
    line.work()
    clock.advance(hours=24)  # 12/02 19:00: re-sent
    line.work()
    return user, person


def incident(person):
    return Check.objects.exclude(close_reason="merged").get(person=person)


def test_a_staff_call_due_in_quiet_hours_waits_until_8_and_the_timeline_says_so(
    line, clock, silent_hanako
):
    user, person = silent_hanako
    clock.advance(hours=3)  # 12/02 22:00: the call is due, but it is quiet
    line.work()
    assert not Task.objects.filter(person=person, kind="call_person").exists()
    held = person.timeline.get(kind="quiet_hold")
    assert held.text == "静かな時間帯のため 08:00 まで待ちます"
    assert incident(person).next_action_at.isoformat() == "2026-12-02T23:00:00+00:00"  # 08:00 JST
    clock.advance(hours=9, minutes=59)  # 07:59: still waiting
    line.work()
    assert not Task.objects.filter(person=person, kind="call_person").exists()
    clock.advance(minutes=1)  # 08:00: the call opens
    line.work()
    assert Task.objects.get(person=person, kind="call_person").state == "open"
    assert person.timeline.filter(kind="quiet_hold").count() == 1


def test_her_own_checks_are_not_held_by_quiet_hours(line, clock, quiet_npo):
    user = line.new_user("山田花子")
    line.register(user, "はなこ", at=time(22, 30))
    clock.advance(hours=14, minutes=30)  # 12/01 22:30, inside the quiet hours
    line.work()
    assert line.texts(user)[-1] == "はなこさん、げんきですか？"


def test_an_answer_during_the_wait_means_the_call_never_comes(line, clock, silent_hanako):
    user, person = silent_hanako
    clock.advance(hours=3)
    line.work()
    line.control.tap(user, "げんきです")
    line.work()
    clock.advance(hours=10)
    line.work()
    assert incident(person).state == "answered"
    assert not Task.objects.filter(person=person, kind="call_person").exists()


def test_a_step_marked_emergency_is_not_held(line, clock, quiet_npo):
    steps = [dict(step) for step in INDIVIDUAL_DEFAULT]
    steps[2] = {**steps[2], "emergency": True}  # the staff call
    EscalationPolicy.objects.create(
        tenant=quiet_npo, name="夜も電話", steps=validate_policy(steps), is_default=True
    )
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ", at=time(19, 0))
    for hours in (11, 24, 3):  # check, re-send, 22:00 call
        clock.advance(hours=hours)
        line.work()
    assert Task.objects.get(person=person, kind="call_person").state == "open"
    assert not person.timeline.filter(kind="quiet_hold").exists()


def test_emergency_must_be_true_or_false_with_a_japanese_error():
    steps = [dict(step) for step in INDIVIDUAL_DEFAULT]
    steps[2] = {**steps[2], "emergency": "yes"}
    with translation.override("ja"), pytest.raises(PolicyError) as error:
        validate_policy(steps)
    assert str(error.value) == "手順3: emergency は true か false で書いてください。"
    steps[2]["emergency"] = 1
    with pytest.raises(PolicyError):
        validate_policy(steps)
    steps[2]["emergency"] = False
    assert "emergency" not in validate_policy(steps)[2]  # the default is not stored


def test_the_admin_sets_quiet_hours_and_it_is_audited(client, tenant_admin, tenant):
    client.force_login(tenant_admin)
    page = client.get("/settings/quiet-hours/").content.decode()
    assert "静かな時間帯" in page
    answer = client.post("/settings/quiet-hours/", {"quiet_start": "21:00", "quiet_end": "08:00"})
    assert answer.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.quiet_start, tenant.quiet_end) == (time(21, 0), time(8, 0))
    entry = AuditEntry.objects.get(action="tenant.quiet_hours")
    assert (entry.actor_user, entry.detail["after"]) == (tenant_admin, "21:00–08:00")


def test_half_quiet_hours_are_refused_in_japanese_and_nothing_is_saved(
    client, tenant_admin, tenant
):
    client.force_login(tenant_admin)
    page = client.post("/settings/quiet-hours/", {"quiet_start": "21:00", "quiet_end": ""})
    assert "開始と終了の両方を入力してください" in page.content.decode()
    page = client.post("/settings/quiet-hours/", {"quiet_start": "21:00", "quiet_end": "21:00"})
    assert "開始と終了には違う時刻を入力してください" in page.content.decode()
    tenant.refresh_from_db()
    assert (tenant.quiet_start, tenant.quiet_end) == (None, None)


def test_operators_cannot_change_quiet_hours(client, operator):
    client.force_login(operator)
    assert client.post("/settings/quiet-hours/", {"quiet_start": "21:00"}).status_code == 403


def test_a_peer_groups_alert_due_at_8_waits_for_the_end_of_quiet_hours(line, clock, tenant):
    """つながり: the group is told about a silent member only after 08:30."""
    from tests.groups.conftest import make_peers

    tenant.quiet_start, tenant.quiet_end = time(21, 0), time(8, 30)
    tenant.save(update_fields=["quiet_start", "quiet_end"])
    peers = make_peers(line)
    assert peers.set_schedule().status_code == 200
    clock.advance(hours=1)  # 09:00 check
    peers.work()
    peers.tap("山田", "げんきです")
    peers.tap("佐藤", "げんきです")
    clock.advance(hours=23)  # 08:00: the alert is due, but it is still quiet
    peers.work()
    assert "へんじが ありません" not in " ".join(peers.texts())
    held = peers.person("鈴木").timeline.get(kind="quiet_hold")
    assert held.text == "静かな時間帯のため 08:30 まで待ちます"
    clock.advance(minutes=30)
    peers.work()
    assert peers.shown()[-1]["altText"] == "鈴木さんから へんじが ありません"
