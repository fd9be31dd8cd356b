"""The people list (status lights, search, filter) and the person page."""

from __future__ import annotations

from datetime import time

import pytest

from anpi.dashboard.display import schedule_words
from anpi.engine.models import Task
from anpi.people.models import Contact, Person

pytestmark = pytest.mark.django_db


def _row(page: str, name: str) -> str:
    """The table row of one person (from their name to the end of the row)."""
    start = page.index(f">{name}</a>")
    return page[start : page.index("</tr>", start)]


def test_the_people_list_shows_red_for_a_person_with_an_open_call(
    operator_client, make_person, reach_call_step
):
    make_person("はなこ")
    reach_call_step()
    page = operator_client.get("/people/").content.decode()
    row = _row(page, "はなこ")
    assert "light-red" in row
    assert "要対応" in row


def test_after_unreachable_the_person_waits_for_the_ladder_and_is_not_red_without_a_task(
    operator_client, make_person, reach_call_step
):
    make_person("はなこ")
    reach_call_step()
    task = Task.objects.get()
    operator_client.post(f"/tasks/{task.pk}/outcome/", {"outcome": "unreachable"})
    assert not Task.objects.filter(state=Task.State.OPEN).exists()
    # Red means "staff must act now": here the ladder acts (last notice, contacts).
    row = _row(operator_client.get("/people/").content.decode(), "はなこ")
    assert "light-yellow" in row and "light-red" not in row


def test_the_people_list_shows_yellow_while_waiting_and_green_after_the_answer(
    operator_client, make_person, clock, run
):
    from anpi.engine.answer import answer_ok

    waiting = make_person("はなこ")
    make_person("たろう")
    clock.advance(hours=1)
    run()  # both checks sent at 09:00
    answer_ok(Person.objects.get(nickname="たろう"), clock)
    page = operator_client.get("/people/").content.decode()
    assert "light-yellow" in _row(page, "はなこ") and "応答待ち" in _row(page, "はなこ")
    row = _row(page, "たろう")
    assert "light-green" in row
    assert "12/1 (火) 09:00" in row  # last answer, JST
    assert waiting.checks.get().state == "open"


def test_the_people_list_shows_grey_with_a_label_for_blocked_and_registering(
    operator_client, make_person
):
    make_person("ブロックさん", status=Person.Status.BLOCKED)
    make_person("新人", status=Person.Status.REGISTERING)
    page = operator_client.get("/people/").content.decode()
    assert "light-grey" in _row(page, "ブロックさん") and "ブロック中" in _row(page, "ブロックさん")
    assert "確認停止中" in _row(page, "ブロックさん")
    assert "light-grey" in _row(page, "新人") and "登録中" in _row(page, "新人")
    # Nothing was stopped for someone who has not started: no 「停止中」 next to 「登録中」.
    assert "確認開始前" in _row(page, "新人") and "停止" not in _row(page, "新人")


def test_the_people_list_shows_schedules_in_words(operator_client, make_person):
    make_person("毎日さん")
    make_person("曜日さん", schedule_kind="weekdays", weekdays="0,2,4", check_time=time(18, 30))
    make_person("三日さん", interval_days=3)
    page = operator_client.get("/people/").content.decode()
    assert "毎日 9:00" in _row(page, "毎日さん")
    assert "月・水・金 18:30" in _row(page, "曜日さん")
    assert "3日ごと 9:00" in _row(page, "三日さん")


def test_schedules_read_in_english_too(make_person, settings):
    from django.utils import translation

    person = make_person(schedule_kind="weekdays", weekdays="0,2,4", check_time=time(18, 30))
    with translation.override("en"):
        assert schedule_words(person) == "Mon, Wed, Fri 18:30"


def test_the_people_list_searches_by_name_and_filters_by_light(
    operator_client, make_person, reach_call_step
):
    make_person("はなこ")
    make_person("たろう", status=Person.Status.STOPPED)
    reach_call_step()
    page = operator_client.get("/people/", {"q": "たろ"}).content.decode()
    assert ">たろう</a>" in page and ">はなこ</a>" not in page
    page = operator_client.get("/people/", {"light": "red"}).content.decode()
    assert ">はなこ</a>" in page and ">たろう</a>" not in page
    page = operator_client.get("/people/", {"light": "grey"}).content.decode()
    assert ">たろう</a>" in page and ">はなこ</a>" not in page


def test_the_people_list_costs_the_same_queries_for_many_people(
    operator_client, make_person, reach_call_step
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_person("利用者0")
    reach_call_step()
    with CaptureQueriesContext(connection) as one:
        operator_client.get("/people/")
    for n in range(1, 12):
        make_person(f"利用者{n}")
    with CaptureQueriesContext(connection) as many:
        response = operator_client.get("/people/")
    assert len(many) == len(one)  # the light is computed in SQL: no query per person
    assert response.content.decode().count("light-red") == 1
    # Never checked yet: "new", not the green of a person who answered.
    assert response.content.decode().count("light-new") == 11
    assert response.content.decode().count("light-green") == 0


def test_the_people_list_shows_only_the_tenants_people(operator_client, make_person, other_tenant):
    make_person("はなこ")
    Person.objects.create(tenant=other_tenant, nickname="よその人")
    page = operator_client.get("/people/").content.decode()
    assert "はなこ" in page and "よその人" not in page


def test_the_person_page_shows_profile_contacts_tasks_and_timeline(
    operator_client, make_person, reach_call_step, tenant
):
    person = make_person(
        "はなこ",
        contacts=[{"name": "山田一郎", "relation": "長男", "phone": "+819087654321"}],
    )
    Contact.objects.create(tenant=tenant, person=person, name="鈴木", relation="大家")
    reach_call_step()
    page = operator_client.get(f"/people/{person.pk}/").content.decode()
    assert "はなこさん" in page
    assert 'href="tel:+819012345678"' in page
    assert "毎日 9:00" in page
    assert "山田一郎" in page and "同意済み" in page
    assert "鈴木" in page and "同意待ち" in page
    assert "本人に電話" in page  # the open task, with its buttons
    assert "本人と話せた・無事" in page
    # Timeline, newest first.
    assert page.index("スタッフ作業") < page.index("応答がないため再送信")


def test_the_person_page_paginates_the_timeline(operator_client, make_person, clock):
    from anpi.engine import timeline

    person = make_person()
    for n in range(25):
        timeline.record(person, "note", f"記録{n:02d}", clock.now())
    first = operator_client.get(f"/people/{person.pk}/").content.decode()
    assert "記録24" in first and "記録00" not in first
    second = operator_client.get(f"/people/{person.pk}/", {"page": 2}).content.decode()
    assert "記録00" in second and "記録24" not in second


def test_staff_can_record_a_contacts_consent_given_on_the_phone(
    operator_client, make_person, tenant
):
    person = make_person()
    contact = Contact.objects.create(tenant=tenant, person=person, name="鈴木", relation="大家")
    page = operator_client.get(f"/people/{person.pk}/").content.decode()
    assert "電話で同意を確認した" in page
    response = operator_client.post(f"/contacts/{contact.pk}/confirm/", follow=True)
    assert "鈴木さんの同意を記録しました" in response.content.decode()
    contact.refresh_from_db()
    assert contact.is_confirmed


def test_staff_of_another_tenant_cannot_confirm_a_contact(client, stranger, make_person, tenant):
    person = make_person()
    contact = Contact.objects.create(tenant=tenant, person=person, name="鈴木", relation="大家")
    client.force_login(stranger)
    assert client.post(f"/contacts/{contact.pk}/confirm/").status_code == 404
    contact.refresh_from_db()
    assert contact.confirmed_at is None


def test_the_outcome_error_from_the_person_page_stays_on_the_person_page(
    operator_client, make_person, reach_call_step
):
    person = make_person()
    reach_call_step()
    task = Task.objects.get()
    response = operator_client.post(
        f"/tasks/{task.pk}/outcome/", {"outcome": "other", "next": f"/people/{person.pk}/"}
    )
    page = response.content.decode()
    assert "メモに状況を書いてください" in page
    assert "プロフィール" in page


def test_a_person_stuck_registering_is_listed_with_a_reason(operator_client, tenant, channel, clock):
    from datetime import timedelta

    from anpi.people.models import Person

    stuck = Person.objects.create(tenant=tenant, channel=channel, line_user_id="U" + "5" * 32)
    Person.objects.filter(pk=stuck.pk).update(created_at=clock.now() - timedelta(days=4))
    fresh = Person.objects.create(tenant=tenant, channel=channel, line_user_id="U" + "6" * 32)
    Person.objects.filter(pk=fresh.pk).update(created_at=clock.now() - timedelta(hours=5))
    html = operator_client.get("/people/").content.decode()
    assert html.count("登録が") == 1
    assert "登録が4日間終わっていません" in html


def test_green_is_only_for_a_person_who_answered_their_last_check(
    operator_client, make_person, clock, run
):
    from anpi.engine.answer import answer_ok
    from anpi.engine.tasks import close_check

    answered = make_person("こたえた")
    settled = make_person("スタッフ確認")
    fresh = make_person("あたらしい")
    clock.advance(hours=1)
    run()
    answer_ok(answered, clock)
    check = settled.checks.get()
    close_check(check, state="resolved", reason="staff_safe", now=clock.now())
    page = operator_client.get("/people/").content.decode()
    assert "light-green" in _row(page, "こたえた")
    assert "light-settled" in _row(page, "スタッフ確認")
    assert "対応済み（本人の応答ではない）" in _row(page, "スタッフ確認")
    assert "light-yellow" in _row(page, "あたらしい")  # asked, waiting
    del fresh
    make_person("まだ")
    page = operator_client.get("/people/").content.decode()
    assert "light-new" in _row(page, "まだ") and "新規（まだ確認していない）" in _row(page, "まだ")
