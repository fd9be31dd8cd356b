"""Consent is recorded (purposes, recipients, terms version, date), can be
withdrawn from LINE, from the settings page and by staff, and takes effect at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from anpi.engine.models import Check, Outbox, Task
from anpi.individual.links import settings_token
from anpi.people.consent import current_consent, is_withdraw_text
from anpi.people.models import Consent, Contact, Person
from anpi.tenants.models import AuditEntry

from .conftest import agree, texts_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def form_data() -> dict:
    from tests.individual.helpers import management

    return {
        "nickname": "はなこ",
        "phone": "090-1234-5678",
        "schedule_kind": "interval",
        "interval_days": "1",
        "check_time": "09:00",
        "agree": "on",
        **management(),
    }


@pytest.fixture
def newcomer(tenant, channel):
    return Person.objects.create(
        tenant=tenant, channel=channel, line_user_id="U" + "1" * 32, display_name="山田花子"
    )


def save_settings(client, person, data):
    person.refresh_from_db()
    response = client.post(reverse("individual:settings", args=[settings_token(person)]), data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_saving_the_settings_records_purposes_recipients_terms_version_and_date(
    client, newcomer, form_data, clock, settings
):
    settings.TERMS_VERSION = "2027-01"
    save_settings(client, newcomer, form_data)
    consent = current_consent(newcomer)
    assert consent.purposes == ["safety_check", "notify_contacts"]
    assert consent.recipients == ["staff", "contacts"]
    assert consent.terms_version == "2027-01"
    assert consent.given_at == clock.now() and consent.given_via == "settings_page"


def test_saving_again_unchanged_is_not_a_new_agreement_but_new_terms_are(
    client, newcomer, form_data, settings
):
    save_settings(client, newcomer, form_data)
    save_settings(client, newcomer, form_data)
    assert Consent.objects.filter(person=newcomer).count() == 1
    settings.TERMS_VERSION = "2099-01"
    save_settings(client, newcomer, form_data)
    assert Consent.objects.filter(person=newcomer).count() == 2
    assert Consent.objects.get(withdrawn_via="superseded").terms_version != "2099-01"


def test_a_city_tenants_consent_names_watchers_and_the_city(client, newcomer, form_data, tenant):
    tenant.kind = "municipal"
    tenant.save()
    save_settings(client, newcomer, form_data)
    consent = current_consent(newcomer)
    assert "share_watchers" in consent.purposes and "city" in consent.recipients


def test_health_notes_need_their_own_tick_and_are_erased_when_it_is_taken_off(
    client, newcomer, form_data, operator_client
):
    save_settings(client, newcomer, form_data)
    operator_client.post(f"/people/{newcomer.pk}/notes/", {"notes": "", "health_notes": "糖尿病"})
    assert Person.objects.get(pk=newcomer.pk).health_notes == ""  # refused: no consent

    save_settings(client, newcomer, {**form_data, "agree_health": "on"})
    operator_client.post(f"/people/{newcomer.pk}/notes/", {"notes": "", "health_notes": "糖尿病"})
    assert Person.objects.get(pk=newcomer.pk).health_notes == "糖尿病"

    save_settings(client, newcomer, form_data)  # the tick taken off
    assert Person.objects.get(pk=newcomer.pk).health_notes == ""


def test_health_notes_show_to_operators_and_admins_and_never_to_watchers(
    client, make_person, operator, tenant_admin, watcher
):
    person = make_person("はなこ")
    agree(person, health=True)
    person.health_notes = "車いす"
    person.save(update_fields=["health_notes"])
    for user in (operator, tenant_admin):
        client.force_login(user)
        assert "車いす" in client.get(f"/people/{person.pk}/").content.decode()
    client.force_login(watcher)
    response = client.get(f"/people/{person.pk}/")
    assert response.status_code == 403 and "車いす" not in response.content.decode()


def test_a_contacts_acceptance_and_refusal_are_recorded(client, newcomer, form_data):
    from tests.individual.helpers import contact_fields

    form_data.update(contact_fields(0, name="さとう", relation="ともだち", email="s@example.com"))
    save_settings(client, newcomer, form_data)
    contact = Contact.objects.get()
    client.post(reverse("individual:contact-confirm", args=[contact.token]), {"answer": "accept"})
    record = Consent.objects.get(contact=contact)
    assert record.for_contact and record.purposes == ["be_contacted"] and not record.withdrawn_at
    client.post(reverse("individual:contact-confirm", args=[contact.token]), {"answer": "decline"})
    record.refresh_from_db()
    assert record.withdrawn_at is not None and record.withdrawn_via == "contact_page"
    assert current_consent(newcomer) is not None  # the person's own consent is untouched


@pytest.mark.parametrize(
    "typed", ["どうい てっかい", "同意を取り消す", "同意を 取り消す。", "どういてっかい"]
)
def test_the_withdrawal_words_are_understood(typed):
    assert is_withdraw_text(typed)


def test_ordinary_words_are_not_a_withdrawal():
    assert not is_withdraw_text("げんきです")
    assert not is_withdraw_text("同意")


def test_typing_withdraw_in_line_stops_checks_and_contacts_at_once_and_says_so(
    make_person, say, work, transport, clock
):
    person = make_person(
        "はなこ", contacts=[{"name": "一郎", "relation": "長男", "email": "i@example.jp"}]
    )
    agree(person, health=False)
    clock.advance(hours=1)
    work()  # 09:00: the check is sent and open
    assert Check.objects.get().state == "open"

    say(person.line_user_id, "どうい てっかい")
    work()
    person.refresh_from_db()
    assert person.status == "stopped" and person.next_check_at is None
    assert Check.objects.get().state == "cancelled"
    consent = Consent.objects.get(person=person, for_contact=False)
    assert consent.withdrawn_at == clock.now() and consent.withdrawn_via == "line"
    told = "\n".join(texts_to(transport, person.line_user_id))
    assert "ききません" in told and "れんらくさきの ひとにも しらせません" in told
    assert "のこして" in told  # what stays

    # Days later nothing more happens: no re-send, no call, no contact told.
    clock.advance(days=3)
    work()
    assert not Task.objects.exists()
    assert not Outbox.objects.filter(purpose__icontains="contact").exclude(state="expired").exists()


def test_the_settings_pages_button_withdraws_and_tells_what_stops_and_what_stays(
    client, make_person, clock
):
    person = make_person("はなこ")
    agree(person, health=False)
    page = client.get(reverse("individual:settings", args=[settings_token(person)]))
    assert "どういを とりけす" in page.content.decode()
    response = client.post(reverse("individual:settings-withdraw", args=[settings_token(person)]))
    text = response.content.decode()
    assert response.status_code == 200 and "とまること" in text and "のこること" in text
    person.refresh_from_db()
    assert person.status == "stopped" and current_consent(person) is None
    assert Consent.objects.get(person=person).withdrawn_via == "settings_page"


def test_staff_record_a_withdrawal_with_their_name_in_the_audit_log(
    operator_client, operator, make_person, clock
):
    person = make_person("はなこ")
    agree(person, health=False)
    response = operator_client.post(f"/people/{person.pk}/withdraw-consent/")
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.status == "stopped" and person.consent_withdrawn_at == clock.now()
    record = Consent.objects.get(person=person)
    assert record.withdrawn_by == operator and record.withdrawn_via == "staff"
    entry = AuditEntry.objects.get(action="consent.withdraw")
    assert entry.actor_user == operator and entry.object_id == str(person.pk)


def test_a_new_agreement_after_a_withdrawal_starts_the_checks_again(
    client, make_person, form_data, clock
):
    person = make_person("はなこ")
    agree(person)
    from anpi.individual.withdrawal import do_withdraw_consent
    from anpi.tenants.actors import SYSTEM

    do_withdraw_consent(person, SYSTEM, clock.now(), via="line")
    clock.advance(timedelta(hours=1))
    save_settings(client, person, form_data)
    person.refresh_from_db()
    assert person.status == "active" and person.next_check_at is not None
    assert current_consent(person) is not None
    assert Consent.objects.filter(person=person).count() == 2  # the withdrawn one stays


def test_staff_of_another_tenant_get_404_withdrawing_this_tenants_person(
    client, stranger, make_person
):
    person = make_person("はなこ")
    client.force_login(stranger)
    assert client.post(f"/people/{person.pk}/withdraw-consent/").status_code == 404
    assert client.post(f"/people/{person.pk}/notes/", {"notes": "x"}).status_code == 404
