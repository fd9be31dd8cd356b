"""A person staff enrolled from a paper list links LINE with their own QR code,
end to end: dashboard → printed link → LINE (simulator) → settings page → checks."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote, urlparse

import pytest

from anpi.engine.models import Check
from anpi.people.models import Contact, Person

ENROL = {
    "full_name": "山田 花子",
    "name_kana": "ヤマダ ハナコ",
    "nickname": "はなこ",
    "phone": "090-1234-5678",
    "schedule_kind": "interval",
    "interval_days": "1",
    "check_time": "09:00",
    "contacts-TOTAL_FORMS": "3",
    "contacts-INITIAL_FORMS": "0",
    "contacts-MIN_NUM_FORMS": "0",
    "contacts-MAX_NUM_FORMS": "3",
    "contacts-0-name": "山田 一郎",
    "contacts-0-relation": "長男",
    "contacts-0-phone": "03-1234-5678",
}


@pytest.fixture
def staff(client, operator, line):
    line.channel.basic_id = "@anpi-npo"
    line.channel.save(update_fields=["basic_id"])
    client.force_login(operator)
    return client


def enrol_and_read_the_sheet(staff) -> tuple[Person, str]:
    """Register 山田 花子 and return her and the message her QR code types in."""
    response = staff.post("/people/new/", ENROL)
    assert response.status_code == 302
    sheet = staff.get(response["Location"]).content.decode()
    url = unescape(re.search(r'id="line-link">([^<]+)<', sheet).group(1))
    assert url.startswith("https://line.me/R/oaMessage/%40anpi-npo/?")
    return Person.objects.get(full_name="山田 花子"), unquote(url.partition("?")[2])


def test_the_qr_code_links_the_followers_line_to_the_enrolled_person_who_is_then_checked(
    staff, line, client, clock
):
    person, typed = enrol_and_read_the_sheet(staff)
    assert person.status == "registering" and typed.startswith("とうろく ")

    user = line.new_user("やまだ")  # scanned the QR code: friended the account …
    greeting_link = urlparse(line.control.tap(user, "せってい する")["uri"]).path
    line.control.text(user, typed)  # … and sent the message it typed in
    line.work()

    linked = line.control.messages(user)[-1]
    assert linked["via"] == "reply" and linked["buttons"] == ["せってい する"]
    person.refresh_from_db()
    assert person.line_user_id == user and person.channel_id == line.channel.pk
    assert person.status == "registering" and person.next_check_at is None  # consent first
    # The record the follow made for this LINE user is set aside, not watched.
    assert Person.objects.get(display_name="やまだ", line_user_id="").status == "stopped"
    # … and the greeting's settings link of that record no longer saves anything.
    assert client.get(greeting_link).status_code == 404

    # The settings page shows what staff wrote; the person agrees.
    path = urlparse(line.control.tap(user, "せってい する")["uri"]).path
    page = client.get(path).content.decode()
    assert 'value="はなこ"' in page and "山田 一郎" in page
    contact = Contact.objects.get(person=person)
    client.post(
        path,
        {
            **ENROL,
            "agree": "on",
            "contacts-0-contact_id": str(contact.pk),
        },
    )
    person.refresh_from_db()
    assert person.status == "active" and person.consent_at is not None
    assert Contact.objects.filter(person=person).count() == 1

    clock.advance(hours=1)  # 09:00
    line.work()
    assert line.texts(user)[-1] == "はなこさん、げんきですか？"
    assert Check.objects.filter(person=person, state="open").count() == 1


def test_a_wrong_code_links_nobody_and_says_so(staff, line):
    person, typed = enrol_and_read_the_sheet(staff)
    user = line.new_user("だれか")
    wrong = typed[:-4] + ("AAAA" if not typed.endswith("AAAA") else "BBBB")
    line.control.text(user, wrong)
    line.work()
    assert "この コードは つかえません" in line.texts(user)[-1]
    person.refresh_from_db()
    assert person.line_user_id == "" and person.link_code


def test_a_code_works_once(staff, line):
    person, typed = enrol_and_read_the_sheet(staff)
    first = line.new_user("やまだ")
    line.control.text(first, typed)
    line.work()
    second = line.new_user("べつのひと")
    line.control.text(second, typed)
    line.work()
    assert "この コードは つかえません" in line.texts(second)[-1]
    person.refresh_from_db()
    assert person.line_user_id == first


def test_someone_who_follows_without_a_code_registers_as_before(line):
    user = line.new_user("山田花子")
    greeting = line.control.messages(user)[-1]
    assert greeting["buttons"][0] == "せってい する"
    assert Person.objects.get(line_user_id=user).status == "registering"


def test_contacts_staff_entered_are_asked_only_after_the_person_agrees(staff, line, client, clock):
    """The contact's address is the person's data to give: nobody is e-mailed
    before the person has linked LINE and agreed on the settings page."""
    from anpi.engine.models import Outbox

    enrol = {**ENROL, "contacts-0-email": "ichiro@example.jp"}
    response = staff.post("/people/new/", enrol)
    assert response.status_code == 302
    person = Person.objects.get(full_name="山田 花子")
    contact = Contact.objects.get(person=person)
    assert not Outbox.objects.filter(purpose="contact_confirm").exists()
    assert person.timeline.filter(text__contains="ご本人の同意のあとで確認を依頼します").exists()

    sheet = staff.get(response["Location"]).content.decode()
    typed = unquote(
        unescape(re.search(r'id="line-link">([^<]+)<', sheet).group(1)).partition("?")[2]
    )
    user = line.new_user("やまだ")
    line.control.text(user, typed)
    line.work()
    path = urlparse(line.control.tap(user, "せってい する")["uri"]).path
    client.post(path, {**enrol, "agree": "on", "contacts-0-contact_id": str(contact.pk)})

    asked = Outbox.objects.get(purpose="contact_confirm")
    assert asked.recipient == "ichiro@example.jp"
    assert person.timeline.filter(kind="contact_asked").exists()
