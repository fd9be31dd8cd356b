"""Staff register a person from a paper list and print the person's own LINE sheet."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import unquote

import pytest

from anpi.people.models import Contact, Person
from anpi.tenants.models import AuditEntry

pytestmark = pytest.mark.django_db

FORM = {
    "full_name": "山田 花子",
    "name_kana": "やまだ ﾊﾅｺ",
    "nickname": "はなこ",
    "phone": "０９０－１２３４－５６７８",
    "schedule_kind": "interval",
    "interval_days": "2",
    "check_time": "10:00",
    "contacts-TOTAL_FORMS": "3",
    "contacts-INITIAL_FORMS": "0",
    "contacts-MIN_NUM_FORMS": "0",
    "contacts-MAX_NUM_FORMS": "3",
    "contacts-0-name": "山田 一郎",
    "contacts-0-relation": "長男",
    "contacts-0-phone": "03-1234-5678",
}


@pytest.fixture
def basic_id(channel):
    channel.basic_id = "@anpi-npo"
    channel.save(update_fields=["basic_id"])
    return channel.basic_id


def test_staff_register_a_person_who_waits_for_line_without_checks(operator_client, clock):
    response = operator_client.post("/people/new/", FORM)
    person = Person.objects.get(full_name="山田 花子")
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.pk}/line-sheet/"
    assert person.status == Person.Status.REGISTERING
    assert person.next_check_at is None and person.line_user_id == ""
    assert person.name_kana == "ヤマダ ハナコ"  # hiragana and half-width kana → katakana
    assert person.phone == "+819012345678"
    assert (person.interval_days, person.check_time.hour) == (2, 10)
    contact = Contact.objects.get(person=person)
    assert (contact.name, contact.relation, contact.phone) == ("山田 一郎", "長男", "+81312345678")
    assert not contact.is_confirmed  # a contact counts only after consenting
    entry = AuditEntry.objects.get(action="person.enrol")
    assert entry.actor_label == "operator" and entry.object_id == str(person.pk)
    assert person.timeline.filter(kind="enrolled").exists()


def test_a_bad_phone_is_refused_in_japanese_and_nothing_is_saved(operator_client):
    response = operator_client.post("/people/new/", {**FORM, "phone": "12345"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "でんわばんごうが ただしく ありません" in page
    assert "何も保存されていません" in page
    assert not Person.objects.exists() and not Contact.objects.exists()


def test_a_name_in_kanji_in_the_kana_field_is_refused(operator_client):
    response = operator_client.post("/people/new/", {**FORM, "name_kana": "山田"})
    assert "カタカナかひらがなで" in response.content.decode()
    assert not Person.objects.exists()


def test_a_contact_without_a_way_to_reach_them_is_refused(operator_client):
    response = operator_client.post("/people/new/", {**FORM, "contacts-0-phone": ""})
    assert "どちらかを かいてください" in response.content.decode()
    assert not Person.objects.exists()


def test_a_phone_already_registered_is_refused(operator_client, make_person):
    make_person("うめ", phone="+819012345678")
    response = operator_client.post("/people/new/", FORM)
    assert "この電話番号の利用者はすでに登録されています" in response.content.decode()
    assert not Person.objects.filter(full_name="山田 花子").exists()


def test_the_sheet_shows_the_persons_own_qr_link_with_the_code_typed_in(
    operator_client, basic_id
):
    operator_client.post("/people/new/", FORM)
    person = Person.objects.get(full_name="山田 花子")
    page = operator_client.get(f"/people/{person.pk}/line-sheet/").content.decode()
    code = f"とうろく {person.pk}-{person.link_code[-8:-4]}-{person.link_code[-4:]}"
    assert code in page  # printed for typing
    assert "<svg" in page  # the QR code
    assert "山田 花子 さんへ" in page
    assert AuditEntry.objects.filter(action="person.line_sheet", person_ids__contains=str(person.pk))


def test_the_qr_link_opens_the_accounts_chat_with_the_code(basic_id, tenant, operator, clock):
    from anpi.individual import person_link, staff_actions
    from anpi.tenants.actors import Actor

    person = staff_actions.do_enrol_person(
        tenant.pk,
        {"nickname": "はなこ", "phone": "+819012345678"},
        Actor.staff(operator),
        clock.now(),
    )
    url = person_link.line_link(person.tenant.channels.get(), person)
    assert url.startswith("https://line.me/R/oaMessage/%40anpi-npo/?")
    assert unquote(url.partition("?")[2]) == f"とうろく {person.pk}-" + (
        f"{person.link_code[-8:-4]}-{person.link_code[-4:]}"
    )


def test_the_code_expires_after_30_days_and_staff_print_a_new_one(
    operator_client, basic_id, clock
):
    operator_client.post("/people/new/", FORM)
    person = Person.objects.get(full_name="山田 花子")
    old_code = person.link_code
    clock.advance(days=31)
    page = operator_client.get(f"/people/{person.pk}/line-sheet/").content.decode()
    assert old_code[-4:] not in page
    assert "有効なコードがありません" in page
    response = operator_client.post(f"/people/{person.pk}/line-code/")
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.link_code != old_code
    assert person.link_code_expires_at == clock.now() + timedelta(days=30)
    assert AuditEntry.objects.filter(action="person.link_code").count() == 1


def test_staff_of_another_tenant_cannot_print_the_sheet(client, stranger, operator_client):
    operator_client.post("/people/new/", FORM)
    person = Person.objects.get(full_name="山田 花子")
    client.force_login(stranger)
    assert client.get(f"/people/{person.pk}/line-sheet/").status_code == 404
    assert client.post(f"/people/{person.pk}/line-code/").status_code == 404
