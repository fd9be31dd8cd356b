"""Staff edit a person's settings, roster names and emergency contacts on the
dashboard, under the rules of the person's own settings page."""

from __future__ import annotations

from datetime import time
from html.parser import HTMLParser

import pytest

from anpi.engine.models import Outbox, TimelineEntry
from anpi.people.models import Contact, Person
from anpi.tenants.models import AuditEntry

pytestmark = pytest.mark.django_db


def form_data(person: Person, contacts=(), **changes) -> dict:
    """The edit page's POST as it comes back unchanged, with ``changes``;
    ``contacts``: one dict per contact row (at most 3, the page's rows)."""
    data = {
        "nickname": person.nickname,
        "phone": person.phone,
        "full_name": person.full_name,
        "name_kana": person.name_kana,
        "schedule_kind": person.schedule_kind,
        "interval_days": str(person.interval_days),
        "check_time": person.check_time.strftime("%H:%M") if person.check_time else "09:00",
        "contacts-TOTAL_FORMS": "3",
        "contacts-INITIAL_FORMS": str(person.contacts.count()),
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "3",
    }
    if person.schedule_kind == "weekdays":
        data["weekdays"] = person.weekdays.split(",")
    for i, row in enumerate(contacts):
        for key, value in row.items():
            data[f"contacts-{i}-{key}"] = value
    data.update(changes)
    return data


def edit(client, person, **kwargs):
    return client.post(f"/people/{person.pk}/edit/", form_data(person, **kwargs))


def test_staff_change_the_nickname_phone_and_roster_names(operator_client, operator, make_person):
    person = make_person("はなこ")
    response = edit(
        operator_client,
        person,
        nickname="はなちゃん",
        phone="０９０－２２２２－３３３３",
        full_name="山田 花子",
        name_kana="やまだ はなこ",
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.nickname == "はなちゃん"
    assert person.phone == "+819022223333"
    assert person.full_name == "山田 花子"
    assert person.name_kana == "ヤマダ ハナコ"  # stored in katakana, as the list searches
    page = operator_client.get(f"/people/{person.pk}/").content.decode()
    assert "変更を保存しました" in page
    assert "スタッフが変更: ニックネーム、電話番号、氏名、フリガナ" in page
    entry = TimelineEntry.objects.get(kind="staff_edited")
    assert entry.data["actor"]["user_id"] == operator.pk
    audit = AuditEntry.objects.get(action="person.edit")
    assert audit.actor_user == operator and audit.object_id == str(person.pk)
    assert audit.detail["fields"] == ["nickname", "phone", "full_name", "name_kana"]
    assert "+819022223333" not in str(audit.detail)  # names of fields, never values


def test_a_schedule_changed_by_staff_moves_the_next_check_and_the_person_is_told(
    operator_client, make_person, clock, run
):
    person = make_person("はなこ")  # daily at 09:00, next 12/1 09:00 JST
    response = edit(
        operator_client,
        person,
        schedule_kind="weekdays",
        weekdays=["2", "4"],  # Wednesday and Friday
        check_time="10:30",
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.schedule_kind, person.weekdays, person.check_time) == (
        "weekdays",
        "2,4",
        time(10, 30),
    )
    assert person.next_check_at.isoformat() == "2026-12-02T01:30:00+00:00"  # Wed 10:30 JST
    assert TimelineEntry.objects.filter(kind="schedule_changed").exists()
    run()
    told = [
        m.get("text", "")
        for d in run.transport.sent
        if d.recipient == person.line_user_id
        for m in d.payload.get("messages", [])
    ]
    assert any("スタッフが かくにんの よていを かえました" in text for text in told)


def test_saving_without_a_change_tells_nobody_and_writes_nothing(operator_client, make_person):
    person = make_person("はなこ")
    assert edit(operator_client, person).status_code == 302
    assert not Outbox.objects.exists()
    assert not AuditEntry.objects.filter(action__in=["person.edit", "person.schedule"]).exists()
    assert not TimelineEntry.objects.filter(kind__in=["staff_edited", "schedule_changed"]).exists()


def test_naming_a_person_who_has_no_schedule_yet_gives_them_none(operator_client, make_person):
    person = make_person("", status=Person.Status.REGISTERING, check_time=None)
    data = form_data(person, nickname="はなこ", check_time="09:00")  # the page's default time
    assert operator_client.post(f"/people/{person.pk}/edit/", data).status_code == 302
    person.refresh_from_db()
    assert person.nickname == "はなこ" and person.check_time is None
    assert not TimelineEntry.objects.filter(kind="schedule_changed").exists()
    # Choosing a time on purpose does set it.
    data = form_data(person, check_time="10:00")
    assert operator_client.post(f"/people/{person.pk}/edit/", data).status_code == 302
    person.refresh_from_db()
    assert person.check_time == time(10, 0)
    assert TimelineEntry.objects.filter(kind="schedule_changed").exists()


def test_a_wrong_phone_shows_a_japanese_error_and_saves_nothing(operator_client, make_person):
    person = make_person("はなこ")
    response = edit(
        operator_client,
        person,
        nickname="べつのなまえ",
        phone="12345",
        check_time="11:00",
        contacts=[{"name": "一郎", "relation": "長男", "phone": "090-8765-4321"}],
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "保存していません" in page
    assert "でんわばんごうが ただしく ありません" in page
    person.refresh_from_db()
    assert person.nickname == "はなこ" and person.check_time == time(9, 0)
    assert not person.contacts.exists()
    assert not AuditEntry.objects.filter(action="person.edit").exists()


def test_a_reading_in_kanji_is_refused_in_japanese(operator_client, make_person):
    person = make_person("はなこ")
    page = edit(operator_client, person, name_kana="山田").content.decode()
    assert "フリガナは カタカナか ひらがなで かいてください" in page
    person.refresh_from_db()
    assert person.name_kana == ""


def test_a_contact_added_by_staff_counts_only_after_consenting(operator_client, make_person):
    person = make_person("はなこ")
    edit(
        operator_client,
        person,
        contacts=[
            {"name": "一郎", "relation": "長男", "phone": "090-8765-4321"},
            {"name": "花子の友", "relation": "ともだち", "email": "tomo@example.com"},
        ],
    )
    phone_only, by_mail = person.contacts.order_by("id")
    assert not phone_only.is_confirmed and not by_mail.is_confirmed
    assert Outbox.objects.filter(purpose="contact_confirm", contact=by_mail).exists()
    page = operator_client.get(f"/people/{person.pk}/").content.decode()
    assert "スタッフが緊急連絡先 一郎（長男）を追加、電話での同意確認待ち" in page
    assert "電話で同意を確認した" in page  # staff may record a phone-only consent
    operator_client.post(f"/contacts/{phone_only.pk}/confirm/")
    phone_only.refresh_from_db()
    assert phone_only.is_confirmed


def test_staff_remove_a_contact_and_change_another(operator_client, make_person):
    person = make_person(
        "はなこ",
        contacts=[
            {"name": "一郎", "relation": "長男", "phone": "+819087654321"},
            {"name": "次郎", "relation": "次男", "phone": "+819011112222"},
        ],
    )
    ichiro, jiro = person.contacts.order_by("id")
    edit(
        operator_client,
        person,
        contacts=[
            {"contact_id": ichiro.pk, "name": "一郎", "relation": "長男", "DELETE": "on"},
            {"contact_id": jiro.pk, "name": "次郎", "relation": "次男", "phone": "090-3333-4444"},
        ],
    )
    assert list(person.contacts.values_list("name", flat=True)) == ["次郎"]
    jiro.refresh_from_db()
    # A new number may reach someone else: consent is asked again.
    assert jiro.phone == "+819033334444" and not jiro.is_confirmed
    texts = list(TimelineEntry.objects.values_list("text", flat=True))
    assert "スタッフが緊急連絡先 一郎 を削除" in texts
    assert any(t.startswith("スタッフが緊急連絡先 次郎 を変更") for t in texts)
    audit = AuditEntry.objects.get(action="person.edit")
    assert audit.detail["contacts"] == {"changed": 1, "removed": 1}


def test_no_more_contacts_than_on_the_persons_own_page(operator_client, make_person):
    person = make_person("はなこ")
    rows = [{"name": f"連絡{n}", "relation": "ともだち", "phone": f"090-1111-000{n}"} for n in range(4)]
    data = form_data(person, contacts=rows, **{"contacts-TOTAL_FORMS": "4"})
    response = operator_client.post(f"/people/{person.pk}/edit/", data)
    assert response.status_code == 200
    assert "保存していません" in response.content.decode()
    assert not Contact.objects.exists()


def test_the_edit_page_shows_the_current_values_with_a_label_for_every_field(
    operator_client, make_person
):
    person = make_person(
        "はなこ",
        full_name="山田 花子",
        name_kana="ヤマダ ハナコ",
        contacts=[{"name": "一郎", "relation": "長男", "phone": "+819087654321"}],
    )
    page = operator_client.get(f"/people/{person.pk}/edit/").content.decode()
    assert 'value="山田 花子"' in page and 'value="ヤマダ ハナコ"' in page
    assert 'value="090-1234-5678"' in page and 'value="一郎"' in page
    assert "同意済み" in page
    parser = LabelledFields()
    parser.feed(page)
    assert parser.fields and not parser.unlabelled()


def test_the_person_page_shows_the_roster_names_and_links_to_the_edit_page(
    operator_client, make_person
):
    person = make_person("はなこ", full_name="山田 花子", name_kana="ヤマダ ハナコ")
    page = operator_client.get(f"/people/{person.pk}/").content.decode()
    assert "山田 花子" in page and "ヤマダ ハナコ" in page
    assert f'href="/people/{person.pk}/edit/"' in page


def test_a_watcher_login_cannot_open_or_post_the_edit_page(client, watcher, make_person):
    person = make_person("はなこ")
    client.force_login(watcher)
    assert client.get(f"/people/{person.pk}/edit/").status_code == 403
    assert client.post(f"/people/{person.pk}/edit/", form_data(person, nickname="x")).status_code == 403
    person.refresh_from_db()
    assert person.nickname == "はなこ"


def test_staff_of_another_tenant_get_404_and_change_nothing(client, stranger, make_person):
    person = make_person("はなこ")
    client.force_login(stranger)
    assert client.post(f"/people/{person.pk}/edit/", form_data(person, nickname="x")).status_code == 404
    person.refresh_from_db()
    assert person.nickname == "はなこ"


def test_an_erased_person_cannot_be_edited(operator_client, make_person, clock):
    from anpi.engine.retention import erase_person
    from anpi.tenants.actors import SYSTEM

    person = make_person("はなこ")
    erase_person(person, clock.now(), actor=SYSTEM, reason="request")
    response = edit(operator_client, person, nickname="ふっかつ", phone="090-1234-5678")
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.nickname == ""


class LabelledFields(HTMLParser):
    """Collects the visible form fields and the labels that name them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[str] = []
        self.label_for: set[str] = set()
        self.inside_label = 0
        self.wrapped: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "label":
            self.inside_label += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            if attrs.get("name") in (None, "csrfmiddlewaretoken", "tenant", "language"):
                return
            self.fields.append(attrs.get("id", ""))
            if self.inside_label:
                self.wrapped.add(attrs.get("id", ""))

    def handle_endtag(self, tag):
        if tag == "label":
            self.inside_label -= 1

    def unlabelled(self) -> list[str]:
        return [f for f in self.fields if f not in self.label_for and f not in self.wrapped]
