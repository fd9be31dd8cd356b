"""Registration through LINE and the settings page it links to, end to end."""

from urllib.parse import urlparse

from anpi.engine.models import Check
from anpi.people.models import Contact, Person


def settings_path(line, user_id: str) -> str:
    return urlparse(line.control.tap(user_id, "せってい する")["uri"]).path


FORM = {
    "nickname": "はなこ",
    "phone": "090-1234-5678",
    "schedule_kind": "interval",
    "interval_days": "1",
    "check_time": "09:00",
    "agree": "on",
    "contacts-TOTAL_FORMS": "3",
    "contacts-INITIAL_FORMS": "0",
    "contacts-MIN_NUM_FORMS": "0",
    "contacts-MAX_NUM_FORMS": "3",
    "contacts-0-name": "山田一郎",
    "contacts-0-relation": "長男",
    "contacts-0-email": "ichiro@example.jp",
}


def test_a_newcomer_registers_from_the_greetings_link_and_is_checked(line, client, clock, smtp):
    user = line.new_user("山田花子")
    path = settings_path(line, user)
    assert client.get(path).status_code == 200
    response = client.post(path, FORM)
    assert response.status_code == 302
    line.work()

    person = Person.objects.get(line_user_id=user)
    assert person.status == "active" and person.phone == "+819012345678"
    assert "せっていが おわりました" in line.texts(user)[-1]
    # The contact is asked by e-mail and does not count until they accept.
    contact = Contact.objects.get(person=person)
    assert not contact.is_confirmed
    [(rcpt, mail)] = smtp.messages
    assert rcpt == ["ichiro@example.jp"] and contact.token in mail.get_content()

    clock.advance(hours=1)  # 09:00
    line.work()
    assert line.texts(user)[-1] == "はなこさん、げんきですか？"
    assert Check.objects.filter(person=person, state="open").count() == 1


def test_the_settings_link_works_once(line, client):
    user = line.new_user("山田花子")
    path = settings_path(line, user)
    assert client.post(path, FORM).status_code == 302
    assert client.post(path, {**FORM, "nickname": "べつのなまえ"}).status_code in (302, 404)
    assert Person.objects.get(line_user_id=user).nickname == "はなこ"


def test_a_bad_form_saves_nothing_and_says_why_in_japanese(line, client):
    user = line.new_user("山田花子")
    path = settings_path(line, user)
    response = client.post(path, {**FORM, "phone": "12345"})
    assert response.status_code == 200
    assert "でんわばんごうが ただしく ありません" in response.content.decode()
    person = Person.objects.get(line_user_id=user)
    assert person.status == "registering" and not person.contacts.exists()


def test_sending_settei_brings_a_fresh_link(line):
    user = line.new_user("山田花子")
    line.control.text(user, "せってい")
    line.work()
    last = line.control.messages(user)[-1]
    assert last["buttons"] == ["せってい する"] and last["via"] == "reply"
