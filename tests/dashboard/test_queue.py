"""The call queue: open calls, and the three outcome buttons."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from anpi.engine.models import Check, Task, TimelineEntry

pytestmark = pytest.mark.django_db


def test_the_call_queue_lists_open_calls_with_the_persons_phone(
    operator_client, make_person, reach_call_step
):
    make_person("はなこ", phone="+819012345678")
    reach_call_step()
    page = operator_client.get("/").content.decode()
    assert "はなこさん" in page
    assert 'href="tel:+819012345678"' in page
    assert "本人に電話" in page
    assert "応答がありません" in page  # the task's reason
    # Deadline in JST: the call opened on 12/2 at 12:00 with two hours to go.
    assert "12/2 (水) 14:00" in page
    assert "期限切れ" not in page
    # The person's recent timeline, newest first.
    assert page.index("応答がないため再送信") < page.index("安否確認を送信")


def test_the_call_queue_is_empty_when_nobody_needs_a_call(operator_client, make_person, run):
    make_person()
    run()
    page = operator_client.get("/").content.decode()
    assert "いま電話が必要な方はいません" in page


def test_the_call_queue_orders_calls_by_deadline(operator_client, make_person, clock, run):
    later = make_person("たろう", check_time=time(10, 0))  # created first, called later
    make_person("はなこ", check_time=time(9, 0))
    for hours in (1, 1, 23, 1, 2, 1):  # 09:00, 10:00, next day 09:00, 10:00, 12:00, 13:00
        clock.advance(hours=hours)
        run()
    assert Task.objects.filter(person=later, state=Task.State.OPEN).exists()
    page = operator_client.get("/").content.decode()
    assert page.index("はなこさん") < page.index("たろうさん")


def test_a_call_past_its_deadline_is_marked_overdue(
    operator_client, make_person, reach_call_step, clock
):
    make_person()
    reach_call_step()
    clock.advance(hours=2, minutes=1)  # the worker has not run yet
    page = operator_client.get("/").content.decode()
    assert "期限切れ" in page
    assert "is-overdue" in page


def test_marking_safe_closes_the_check(operator_client, operator, make_person, reach_call_step):
    person = make_person()
    reach_call_step()
    task = Task.objects.get()
    response = operator_client.post(f"/tasks/{task.pk}/outcome/", {"outcome": "safe"})
    assert response.status_code == 302
    assert response["Location"] == "/"

    task.refresh_from_db()
    assert (task.state, task.outcome, task.done_by) == (Task.State.DONE, "safe", operator)
    check = task.check_run
    check.refresh_from_db()
    assert check.state == Check.State.RESOLVED
    assert check.next_action_at is None

    page = operator_client.get("/").content.decode()
    assert "はなこさん：「本人と話せた・無事」を記録しました" in page
    assert "いま電話が必要な方はいません" in page
    assert TimelineEntry.objects.filter(person=person, kind="task_outcome").exists()


def test_unreachable_moves_the_ladder_on_now(
    operator_client, make_person, reach_call_step, clock, run
):
    make_person()
    reach_call_step()
    task = Task.objects.get()
    response = operator_client.post(f"/tasks/{task.pk}/outcome/", {"outcome": "unreachable"})
    assert response.status_code == 302

    check = Check.objects.get(pk=task.check_run_id)
    assert check.state == Check.State.OPEN
    assert check.next_action_at == clock.now()  # not at the 2-hour deadline
    run()
    assert TimelineEntry.objects.filter(check_run=check, kind="last_notice").exists()


def test_other_without_a_note_shows_a_japanese_error(operator_client, make_person, reach_call_step):
    make_person()
    reach_call_step()
    task = Task.objects.get()
    response = operator_client.post(
        f"/tasks/{task.pk}/outcome/", {"outcome": "other", "note": "  "}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "「その他」を選ぶときは、メモに状況を書いてください。" in page
    assert 'aria-invalid="true"' in page
    task.refresh_from_db()
    assert task.state == Task.State.OPEN


def test_other_with_a_note_records_the_note(operator_client, make_person, reach_call_step):
    make_person()
    reach_call_step()
    task = Task.objects.get()
    operator_client.post(
        f"/tasks/{task.pk}/outcome/", {"outcome": "other", "note": "娘さんが今夜訪問"}
    )
    task.refresh_from_db()
    assert (task.state, task.outcome, task.note) == (Task.State.DONE, "other", "娘さんが今夜訪問")


def test_an_unknown_outcome_changes_nothing(operator_client, make_person, reach_call_step):
    make_person()
    reach_call_step()
    task = Task.objects.get()
    response = operator_client.post(f"/tasks/{task.pk}/outcome/", {"outcome": "lost"})
    assert response.status_code == 200
    task.refresh_from_db()
    assert task.state == Task.State.OPEN


def test_a_second_click_on_a_done_task_says_who_did_it(
    client, operator, colleague, make_person, reach_call_step
):
    make_person()
    reach_call_step()
    task = Task.objects.get()
    client.force_login(colleague)
    client.post(f"/tasks/{task.pk}/outcome/", {"outcome": "safe"})

    client.force_login(operator)
    response = client.post(f"/tasks/{task.pk}/outcome/", {"outcome": "unreachable"}, follow=True)
    assert response.status_code == 200
    assert "この作業はすでに完了しています（佐藤さんが対応）" in response.content.decode()
    task.refresh_from_db()
    assert (task.outcome, task.done_by) == ("safe", colleague)


def test_a_click_on_a_task_the_person_answered_meanwhile_says_it_is_closed(
    operator_client, make_person, reach_call_step, clock
):
    from anpi.engine.answer import answer_ok

    person = make_person()
    reach_call_step()
    task = Task.objects.get()
    answer_ok(person, clock)
    response = operator_client.post(f"/tasks/{task.pk}/outcome/", {"outcome": "safe"}, follow=True)
    assert "この作業はすでに終了しています（取消）" in response.content.decode()


def test_the_outcome_form_returns_to_the_person_page_when_sent_from_there(
    operator_client, make_person, reach_call_step
):
    person = make_person()
    reach_call_step()
    task = Task.objects.get()
    response = operator_client.post(
        f"/tasks/{task.pk}/outcome/", {"outcome": "safe", "next": f"/people/{person.pk}/"}
    )
    assert response["Location"] == f"/people/{person.pk}/"
    response = operator_client.post(
        f"/tasks/{task.pk}/outcome/", {"outcome": "safe", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_a_call_contact_task_shows_the_contact_to_phone(
    operator_client, make_person, reach_call_step, clock, run
):
    make_person(
        "はなこ",
        contacts=[{"name": "山田一郎", "relation": "長男", "phone": "+819087654321"}],
    )
    reach_call_step()
    task = Task.objects.get()
    operator_client.post(f"/tasks/{task.pk}/outcome/", {"outcome": "unreachable"})
    run()  # last notice
    clock.advance(timedelta(hours=2))
    run()  # contacts are told: this one only by phone
    assert Task.objects.filter(kind=Task.Kind.CALL_CONTACT, state=Task.State.OPEN).exists()
    page = operator_client.get("/").content.decode()
    assert "緊急連絡先に電話" in page
    assert "山田一郎" in page and "長男" in page
    assert 'href="tel:+819087654321"' in page


def test_the_call_queue_costs_the_same_queries_for_many_calls(
    operator_client, make_person, reach_call_step, clock
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from anpi.engine.answer import record_task_outcome

    for n in range(6):
        make_person(f"利用者{n}")
    reach_call_step()
    with CaptureQueriesContext(connection) as many:
        response = operator_client.get("/")
    assert response.content.decode().count('class="task-card') == 6
    for task in Task.objects.order_by("id")[1:]:
        record_task_outcome(task.pk, "safe", clock)
    with CaptureQueriesContext(connection) as one:
        response = operator_client.get("/")
    assert response.content.decode().count('class="task-card') == 1
    assert len(many) == len(one)  # timeline and people come in bulk, not per task


def test_the_timeline_names_staff_tasks_in_japanese(operator_client, make_person, reach_call_step):
    person = make_person()
    reach_call_step()
    task = Task.objects.get()
    operator_client.post(f"/tasks/{task.pk}/outcome/", {"outcome": "unreachable"})
    texts = list(TimelineEntry.objects.filter(person=person).values_list("text", flat=True))
    assert "スタッフ作業: 本人に電話 — 応答がありません" in texts
    assert "本人に電話: つながらない" in texts


def test_the_decision_buttons_follow_the_staffs_language(client, operator, make_person, clock, run):
    """「次の対応を決める」 in Japanese by default and in English on request."""
    from anpi.engine.models import Task

    person = make_person()
    check = person.checks.create(
        tenant=person.tenant, due_at=clock.now(), policy=[], created_at=clock.now()
    )
    Task.objects.create(
        tenant=person.tenant,
        check_run=check,
        person=person,
        kind="decide",
        deadline=clock.now(),
        created_at=clock.now(),
        reason="次の対応を決めてください",
    )
    client.force_login(operator)
    japanese = client.get("/").content.decode()
    for label in ("訪問する", "入院・外出と分かった", "警察・消防に連絡した", "連絡先から無事と聞いた"):
        assert label in japanese
    client.cookies["django_language"] = "en"
    english = client.get("/").content.decode()
    for label in (
        "Decide to visit",
        "Found to be in hospital or away",
        "Called the police or fire service",
        "Heard from a contact: safe",
    ):
        assert label in english
    assert "警察・消防に連絡した" not in english


def test_a_calls_fixed_reason_is_in_english_for_staff_who_chose_it_and_the_timeline_is_as_stored(
    operator_client, make_person, reach_call_step
):
    make_person("はなこ", phone="+819012345678")
    reach_call_step()
    operator_client.cookies["django_language"] = "en"
    page = operator_client.get("/").content.decode()
    reason = page[page.index('class="task-reason"') :]

    assert reason.startswith('class="task-reason">No answer</span>')
    # The person's timeline is a record of what the engine wrote: as stored.
    assert "応答がないため再送信" in page


def test_a_reason_with_free_text_in_it_is_shown_as_stored(operator_client, make_person, clock):
    person = make_person("はなこ")
    check = Check.objects.create(
        tenant=person.tenant,
        person=person,
        due_at=clock.now(),
        policy=[{"after": 0, "action": "call_task"}],
        step=1,
        created_at=clock.now(),
    )
    Task.objects.create(
        tenant=person.tenant,
        check_run=check,
        person=person,
        kind=Task.Kind.CALL_PERSON,
        deadline=clock.now() + timedelta(hours=2),
        created_at=clock.now(),
        reason="LINEが届きませんでした（ブロック）",
    )
    operator_client.cookies["django_language"] = "en"
    page = operator_client.get("/").content.decode()

    assert 'class="task-reason">LINEが届きませんでした（ブロック）</span>' in page


def test_a_decision_asked_again_after_its_deadline_says_so_in_either_language():
    from django.utils import translation

    from anpi.engine import task_reasons

    stored = task_reasons.expired(2, task_reasons.DECIDE)
    with translation.override("en"):
        english = task_reasons.reason_label(stored)
    with translation.override("ja"):
        japanese = task_reasons.reason_label(stored)

    assert english == (
        "Deadline passed (time 2): Decide what comes next, such as a visit or calling the police"
    )
    assert japanese == stored  # the Japanese is the stored wording, word for word


def test_every_fixed_reason_reads_in_japanese_exactly_as_the_engine_stores_it():
    from django.utils import translation

    from anpi.engine import task_reasons

    with translation.override("ja"):
        assert {stored: str(label) for stored, label in task_reasons.LABELS.items()} == {
            stored: stored for stored in task_reasons.LABELS
        }
