"""Emergency contacts count only after they consent on their own page."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from anpi.engine.deliver import deliver_outbox_batch
from anpi.engine.models import Outbox, TimelineEntry
from anpi.individual import contact_actions
from anpi.individual.contact_link import do_link_contact_line
from anpi.individual.links import settings_token
from anpi.people import linkcodes
from anpi.people.models import Contact, Person

from .helpers import contact_fields

JST = ZoneInfo("Asia/Tokyo")


def register_with(client, person: Person, form_data: dict, **contact) -> Contact:
    form_data.update(contact_fields(0, name="さとう", relation="ともだち", **contact))
    response = client.post(reverse("individual:settings", args=[settings_token(person)]), form_data)
    assert response.status_code == 302
    return Contact.objects.get(person=person)


def confirm_path(contact: Contact) -> str:
    return reverse("individual:contact-confirm", args=[contact.token])


@pytest.fixture
def pending(client, newcomer, form_data) -> Contact:
    return register_with(client, newcomer, form_data, email="sato@example.com")


# --- asking ---------------------------------------------------------------------------


def test_a_contact_with_an_email_is_asked_by_email(pending):
    row = Outbox.objects.get(purpose="contact_confirm")
    assert row.transport == "email"
    assert row.recipient == "sato@example.com"
    assert row.contact_id == pending.pk
    assert row.person_id == pending.person_id
    assert "はなこさん" in row.payload["subject"]
    assert settings.BASE_URL + confirm_path(pending) in row.payload["body"]
    assert pending.confirmed_at is None
    assert not pending.is_confirmed


def test_the_request_email_arrives_with_the_confirm_link(pending, clock, smtp):
    assert deliver_outbox_batch(clock) >= 1
    assert Outbox.objects.get(purpose="contact_confirm").state == Outbox.State.SENT
    [(recipients, message)] = smtp.messages
    assert recipients == ["sato@example.com"]
    assert "緊急連絡先" in message["Subject"]
    body = message.get_content()
    assert settings.BASE_URL + confirm_path(pending) in body
    assert "お断り" in body


def test_the_contacts_of_a_person_who_chose_vietnamese_are_asked_in_vietnamese_then_japanese(
    client, newcomer, form_data, clock, smtp
):
    register_with(client, newcomer, {**form_data, "language": "vi"}, email="sato@example.com")
    assert deliver_outbox_batch(clock) >= 1
    [(_, message)] = smtp.messages
    vietnamese_subject, japanese_subject = str(message["Subject"]).split(" / ")
    assert "người liên lạc khẩn cấp của はなこ" in vietnamese_subject
    assert "緊急連絡先になっていただけますか" in japanese_subject
    body = message.get_content()
    vietnamese, japanese = body.split("――――")
    assert "người liên lạc khẩn cấp" in vietnamese and "ともだち của はなこ" in vietnamese
    assert "あなた（はなこさんのともだち）を緊急連絡先として" in japanese
    link = settings.BASE_URL + confirm_path(Contact.objects.get(person=newcomer))
    assert link in vietnamese and link in japanese  # whichever half they read


def test_a_phone_only_contact_waits_for_staff_without_an_email(client, newcomer, form_data):
    contact = register_with(client, newcomer, form_data, phone="090-1111-2222")
    assert contact.phone == "+819011112222"
    assert contact.confirmed_at is None
    assert not Outbox.objects.filter(purpose="contact_confirm").exists()
    entry = TimelineEntry.objects.get(person=newcomer, kind="contact_added")
    assert "電話での同意確認待ち" in entry.text


def test_a_non_relative_can_be_a_contact(client, newcomer, form_data):
    form_data.update(contact_fields(1, name="たなか", relation="大家", phone="03-1111-2222"))
    form_data.update(
        contact_fields(2, name="すずき", relation="ケアマネジャー", email="c@m.example")
    )
    form_data.update(contact_fields(0, name="さとう", relation="ともだち", email="s@example.com"))
    client.post(reverse("individual:settings", args=[settings_token(newcomer)]), form_data)
    relations = set(Contact.objects.filter(person=newcomer).values_list("relation", flat=True))
    assert relations == {"ともだち", "大家", "ケアマネジャー"}


# --- the consent page ---------------------------------------------------------------


def test_the_consent_page_explains_who_asks_and_what_it_means(client, pending):
    response = client.get(confirm_path(pending))
    assert response.status_code == 200
    html = response.content.decode()
    assert "はなこさん" in html
    assert "ともだち" in html
    assert "みまもりNPO" in html
    assert "緊急連絡先とは" in html
    assert "引き受ける" in html
    assert "お断りする" in html
    assert "csrfmiddlewaretoken" in html


def test_accepting_confirms_the_contact_and_shows_a_line_link_code(client, clock, pending):
    clock.advance(hours=2)
    response = client.post(confirm_path(pending), {"answer": "accept"}, follow=True)
    assert response.status_code == 200
    contact = Contact.objects.get(pk=pending.pk)
    assert contact.confirmed_at == datetime(2026, 12, 1, 10, 0, tzinfo=JST)
    assert contact.is_confirmed
    assert linkcodes.parse(contact.link_code) is not None  # 1234-K7QX2MPA
    assert contact.link_code_expires_at == contact.confirmed_at + timedelta(hours=24)
    html = response.content.decode()
    assert "引き受けていただき" in html
    assert "みまもりNPO公式" in html
    assert linkcodes.display(contact.link_code) in html
    assert "1回だけ使えます" in html
    assert "友だち追加して、この番号を送ってください" in html
    assert TimelineEntry.objects.filter(person=contact.person, kind="contact_accepted").exists()


def test_the_person_hears_in_line_that_the_contact_accepted(client, pending):
    client.post(confirm_path(pending), {"answer": "accept"})
    row = Outbox.objects.get(purpose="contact_answer")
    assert row.recipient == pending.person.line_user_id
    assert "さとうさんが れんらくさきに なってくれました" in row.payload["messages"][0]["text"]


def test_the_link_code_then_links_the_contacts_line(client, clock, pending, channel):
    client.post(confirm_path(pending), {"answer": "accept"})
    code = Contact.objects.get(pk=pending.pk).link_code
    linked = do_link_contact_line(channel, "U" + "c" * 32, code, clock.now())
    assert linked == "linked"
    assert Contact.objects.get(pk=pending.pk).line_user_id == "U" + "c" * 32


def test_a_contact_of_a_person_who_chose_english_is_told_in_english_then_japanese(
    client, clock, pending, channel
):
    Person.objects.filter(pk=pending.person_id).update(language="en")
    client.post(confirm_path(pending), {"answer": "accept"})
    code = Contact.objects.get(pk=pending.pk).link_code
    linked = do_link_contact_line(
        channel, "U" + "c" * 32, code, clock.now(), reply_token="r" * 32
    )
    assert linked == "linked"
    row = Outbox.objects.get(purpose="contact_linked")
    english, japanese = row.payload["messages"][0]["text"].split("――――")
    assert "You are registered as an emergency contact for はなこ." in english
    assert "はなこさんの緊急連絡先として登録しました" in japanese


def test_declining_records_it_and_the_contact_never_counts(client, clock, pending):
    response = client.post(confirm_path(pending), {"answer": "decline"}, follow=True)
    assert "お断りしました" in response.content.decode()
    contact = Contact.objects.get(pk=pending.pk)
    assert contact.declined_at == clock.now()
    assert contact.confirmed_at is None
    assert not contact.is_confirmed
    entry = TimelineEntry.objects.get(person=contact.person, kind="contact_declined")
    assert "お断り" in entry.text
    assert (
        "れんらくさきに なれない"
        in (Outbox.objects.get(purpose="contact_answer").payload["messages"][0]["text"])
    )


def test_an_accepted_contact_can_withdraw_later(client, pending):
    client.post(confirm_path(pending), {"answer": "accept"})
    client.post(confirm_path(pending), {"answer": "decline"})
    contact = Contact.objects.get(pk=pending.pk)
    assert not contact.is_confirmed
    assert contact.confirmed_at is None
    assert contact.link_code == ""


def test_accepting_twice_changes_nothing(client, clock, pending):
    client.post(confirm_path(pending), {"answer": "accept"})
    first = Contact.objects.get(pk=pending.pk)
    clock.advance(minutes=5)
    client.post(confirm_path(pending), {"answer": "accept"})
    again = Contact.objects.get(pk=pending.pk)
    assert again.confirmed_at == first.confirmed_at
    assert again.link_code == first.link_code
    assert TimelineEntry.objects.filter(kind="contact_accepted").count() == 1


def test_an_unknown_answer_is_refused(client, pending):
    assert client.post(confirm_path(pending), {"answer": "maybe"}).status_code == 400
    assert Contact.objects.get(pk=pending.pk).confirmed_at is None


def test_the_consent_page_needs_a_csrf_token(pending):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert strict.post(confirm_path(pending), {"answer": "accept"}).status_code == 403
    assert Contact.objects.get(pk=pending.pk).confirmed_at is None


def test_an_unknown_contact_token_is_a_japanese_404(client, db):
    response = client.get(reverse("individual:contact-confirm", args=["nope"]))
    assert response.status_code == 404
    assert "このページは見つかりません" in response.content.decode()


# --- staff confirm by phone ---------------------------------------------------------


def test_staff_can_confirm_a_phone_only_contact(client, clock, newcomer, form_data, operator):
    contact = register_with(client, newcomer, form_data, phone="090-1111-2222")
    clock.advance(timedelta(days=1))
    contact = contact_actions.do_confirm_contact_by_staff(contact, operator, clock.now())
    contact.refresh_from_db()
    assert contact.is_confirmed
    assert contact.confirmed_at == clock.now()
    assert linkcodes.parse(contact.link_code) is not None  # read out on the phone
    entry = TimelineEntry.objects.get(person=newcomer, kind="contact_accepted")
    assert "電話で確認" in entry.text
    assert "operator" in entry.text


def test_a_contacts_changed_email_asks_again_by_email(client, clock, pending, smtp):
    client.post(confirm_path(pending), {"answer": "accept"})
    person = Person.objects.get(pk=pending.person_id)
    data = {
        "nickname": person.nickname,
        "phone": person.phone,
        "schedule_kind": "interval",
        "interval_days": "1",
        "check_time": "09:00",
        "agree": "on",
        "contacts-TOTAL_FORMS": "3",
        "contacts-INITIAL_FORMS": "1",
        **contact_fields(
            0,
            contact_id=str(pending.pk),
            name="さとう",
            relation="ともだち",
            email="sato.new@example.com",
        ),
    }
    client.post(reverse("individual:settings", args=[settings_token(person)]), data)
    contact = Contact.objects.get(pk=pending.pk)
    assert not contact.is_confirmed
    deliver_outbox_batch(clock)
    recipients = [r for rs, _ in smtp.messages for r in rs]
    assert recipients.count("sato.new@example.com") == 1
    new_mail = next(m for rs, m in smtp.messages if rs == ["sato.new@example.com"])
    assert confirm_path(contact) in new_mail.get_content()


def test_the_invitation_says_the_relation_from_the_persons_side():
    """むすめ is what はなこ wrote about the contact: the e-mail must not tell the
    daughter that はなこ is *her* daughter."""
    from anpi.individual.messages import contact_request_email

    _subject, body = contact_request_email("はなこ", "みまもりNPO", "むすめ", "https://x.example/c/")
    assert "あなた（はなこさんのむすめ）を緊急連絡先として" in body
    assert "あなたとの関係" not in body
