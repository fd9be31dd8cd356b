"""Retention and deletion: erased after the tenant's period, pruned webhook
bodies, the 開示請求 export and the 利用停止・消去 by a tenant admin."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from anpi.engine.models import Check, Inbox, TimelineEntry
from anpi.engine.retention import PRUNED_KEY, erase_person
from anpi.individual.actions import do_block
from anpi.people.models import Consent, Contact, Person
from anpi.tenants.actors import SYSTEM
from anpi.tenants.models import AuditEntry

from .conftest import agree

pytestmark = pytest.mark.django_db


@pytest.fixture
def hanako(make_person, clock):
    person = make_person(
        "はなこ",
        notes="鍵は植木鉢の下",
        contacts=[{"name": "一郎", "relation": "長男", "phone": "+819087654321"}],
    )
    agree(person)
    return person


def prune() -> str:
    out = StringIO()
    call_command("prune", stdout=out)
    return out.getvalue()


def _answered_check(person, clock) -> Check:
    from tests.engine.conftest import RecordingTransport

    from anpi.engine.answer import answer_ok
    from anpi.engine.worker import run_until_idle

    clock.advance(hours=1)
    transport = RecordingTransport()
    run_until_idle(clock, transport_for=lambda row: transport)
    answer_ok(person, clock)
    return Check.objects.get(person=person)


def test_a_blocked_persons_data_stays_until_the_period_ends_then_is_erased_but_counts_stay(
    hanako, channel, clock, tenant
):
    check = _answered_check(hanako, clock)
    do_block(channel, hanako.line_user_id, clock.now())
    clock.advance(days=tenant.erase_after_days - 1)
    assert "0 persons erased" in prune()
    assert Person.objects.get(pk=hanako.pk).phone == "+819012345678"

    clock.advance(days=1)
    assert "1 persons erased" in prune()
    person = Person.objects.get(pk=hanako.pk)
    assert (person.nickname, person.phone, person.notes, person.line_user_id) == ("", "", "", "")
    assert person.erased_at == clock.now()
    assert not Contact.objects.exists()
    assert set(TimelineEntry.objects.filter(person=person).values_list("text", flat=True)) == {
        "（消去済み）"
    }
    kept = Check.objects.get(pk=check.pk)  # statistics stay
    assert kept.state == "answered" and kept.answered_at is not None
    assert Consent.objects.filter(person=person, for_contact=False).exists()
    assert AuditEntry.objects.get(action="person.erase").detail["reason"] == "retention"
    assert "0 persons erased" in prune()  # idempotent


def test_a_withdrawn_person_is_erased_after_the_tenants_own_period(hanako, clock, tenant):
    from anpi.individual.withdrawal import do_withdraw_consent

    tenant.erase_after_days = 7
    tenant.save()
    do_withdraw_consent(hanako, SYSTEM, clock.now(), via="line")
    clock.advance(days=7)
    prune()
    assert Person.objects.get(pk=hanako.pk).erased_at is not None


def test_an_active_person_is_never_erased_by_prune(hanako, clock):
    clock.advance(days=1000)
    prune()
    assert Person.objects.get(pk=hanako.pk).nickname == "はなこ"


def _inbox(tenant, channel, clock, n: int, user: str) -> Inbox:
    event = {
        "type": "message",
        "webhookEventId": f"01EVENT{n:020d}",
        "timestamp": 1,
        "mode": "active",
        "replyToken": "r",
        "source": {"type": "user", "userId": user},
        "message": {"type": "text", "id": str(n), "text": "胸が苦しい"},
    }
    return Inbox.objects.create(
        tenant=tenant,
        channel=channel,
        webhook_event_id=event["webhookEventId"],
        event=event,
        received_at=clock.now(),
        processed_at=clock.now(),
    )


def test_old_webhook_bodies_are_pruned_to_ids_and_type(tenant, channel, clock):
    old = _inbox(tenant, channel, clock, 1, "U1")
    clock.advance(days=tenant.inbox_keep_days)
    recent = _inbox(tenant, channel, clock, 2, "U1")
    assert "1 webhook bodies stubbed" in prune()
    old.refresh_from_db()
    assert old.event == {
        "type": "message",
        "webhookEventId": "01EVENT00000000000000000001",
        "timestamp": 1,
        "mode": "active",
        "source": {"type": "user"},
        "message": {"type": "text", "id": "1"},
        PRUNED_KEY: True,
    }
    recent.refresh_from_db()
    assert recent.event["message"]["text"] == "胸が苦しい"
    assert "0 webhook bodies stubbed" in prune()


def test_an_admin_downloads_everything_about_a_person_and_it_is_audited(
    admin_client, tenant_admin, hanako
):
    response = admin_client.post(f"/people/{hanako.pk}/export/")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["person"]["phone"] == "+819012345678"
    assert data["person"]["notes"] == "鍵は植木鉢の下"
    assert data["contacts"][0]["phone"] == "+819087654321"
    assert data["consents"][0]["purposes"] == ["safety_check", "notify_contacts"]
    entry = AuditEntry.objects.get(action="person.export")
    assert entry.actor_user == tenant_admin and entry.object_id == str(hanako.pk)


def test_operators_cannot_export_or_erase(operator_client, hanako):
    assert operator_client.post(f"/people/{hanako.pk}/export/").status_code == 403
    assert operator_client.post(f"/people/{hanako.pk}/erase/", {"confirm": "on"}).status_code == 403
    assert Person.objects.get(pk=hanako.pk).erased_at is None


def test_an_admin_of_another_tenant_gets_404(client, stranger_admin, hanako):
    client.force_login(stranger_admin)
    assert client.post(f"/people/{hanako.pk}/export/").status_code == 404
    assert client.get(f"/people/{hanako.pk}/erase/").status_code == 404


def test_erasure_on_request_asks_for_confirmation_first(admin_client, tenant_admin, hanako):
    page = admin_client.get(f"/people/{hanako.pk}/erase/").content.decode()
    assert "取り消せません" in page or "cannot be undone" in page
    admin_client.post(f"/people/{hanako.pk}/erase/", {})
    assert Person.objects.get(pk=hanako.pk).erased_at is None  # not confirmed

    response = admin_client.post(f"/people/{hanako.pk}/erase/", {"confirm": "on"})
    assert response.status_code == 302
    person = Person.objects.get(pk=hanako.pk)
    assert person.erased_at is not None and person.phone == "" and person.status == "stopped"
    entry = AuditEntry.objects.get(action="person.erase")
    assert entry.actor_user == tenant_admin and entry.detail["reason"] == "request"


def test_erasing_also_stubs_the_persons_own_webhook_events(hanako, tenant, channel, clock):
    mine = _inbox(tenant, channel, clock, 5, hanako.line_user_id)
    other = _inbox(tenant, channel, clock, 6, "Usomeoneelse")
    erase_person(hanako, clock.now(), actor=SYSTEM, reason="request")
    mine.refresh_from_db()
    other.refresh_from_db()
    assert PRUNED_KEY in mine.event and "text" not in mine.event["message"]
    assert other.event["message"]["text"] == "胸が苦しい"


def test_the_terms_say_what_blocking_and_staff_deletion_do(client):
    text = client.get(reverse("individual:terms")).content.decode()
    assert "ブロックすると、「げんきですか？」と ききません" in text
    assert "90にち" in text and "けします" in text
    assert "スタッフに「けしてください」と いうと、すぐに" in text
    assert "とうけいだけ のこります" in text


def test_what_the_terms_say_about_blocking_is_true(hanako, channel, clock, tenant):
    assert tenant.erase_after_days == 90  # the default the terms name
    do_block(channel, hanako.line_user_id, clock.now())
    assert Person.objects.get(pk=hanako.pk).next_check_at is None  # no more checks
    clock.advance(timedelta(days=90))
    prune()
    assert Person.objects.get(pk=hanako.pk).phone == ""


def test_the_roster_name_and_reading_are_exported_and_then_erased(
    admin_client, make_person, clock
):
    person = make_person("はなこ", full_name="山田 花子", name_kana="ヤマダ ハナコ")
    data = json.loads(admin_client.post(f"/people/{person.pk}/export/").content)
    assert data["person"]["full_name"] == "山田 花子"
    assert data["person"]["name_kana"] == "ヤマダ ハナコ"
    erase_person(person, clock.now(), actor=SYSTEM, reason="request")
    person.refresh_from_db()
    assert (person.full_name, person.name_kana) == ("", "")
    assert not Person.objects.filter(full_name__contains="山田").exists()
