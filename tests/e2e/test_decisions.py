"""「次の対応を決める」 end to end: はなこ stays silent in the simulator until the
ladder reaches the staff decision; each choice in the call queue leads to a
defined state (issue 11, item 3; docs/staff-guide.ja.md)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from anpi.engine.models import Check, Outbox, Task
from anpi.people.models import Pause


@pytest.fixture
def decision(line, tenant, clock, operator, client):
    """はなこ silent until the decide task opens; an e-mail contact was told."""
    tenant.phone = "03-1234-5678"
    tenant.save(update_fields=["phone"])
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ")
    person.contacts.create(
        tenant=tenant,
        name="じろう",
        relation="次男",
        email="jiro@example.jp",
        confirmed_at=clock.now(),
    )
    for hours in (1, 24, 3, 2, 2):
        clock.advance(hours=hours)
        line.work()
    task = Task.objects.get(person=person, kind="decide", state="open")
    client.force_login(operator)
    return user, person, task


def typed(at):
    """What staff type in the datetime-local box: the tenant's local time."""
    return at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%dT%H:%M")


def decide(client, task, choice, **fields):
    return client.post(f"/tasks/{task.pk}/decide/", {"choice": choice, "next": "/", **fields})


def incident(person):
    return Check.objects.exclude(close_reason="merged").get(person=person)


def test_the_queue_offers_the_real_choices_not_the_phone_buttons(client, decision):
    page = client.get("/").content.decode()
    for label in (
        "訪問する",
        "警察・消防に連絡した",
        "入院・外出と分かった",
        "本人と話せた・無事",
        "連絡先から無事と聞いた",
    ):
        assert label in page
    assert f'action="/tasks/{decision[2].pk}/outcome/"' not in page


def test_deciding_to_visit_opens_a_visit_task_with_its_deadline(line, clock, client, decision):
    user, person, task = decision
    by = clock.now() + timedelta(hours=6)
    decide(client, task, "visit", visitor="民生委員の佐藤", visit_by=typed(by))
    visit = Task.objects.get(person=person, kind="visit", state="open")
    assert visit.deadline == by.replace(second=0, microsecond=0)
    assert visit.reason == "民生委員の佐藤さんが訪問する"
    assert incident(person).next_action_at == visit.deadline
    # The visit comes back with nobody found: the decision opens again at once.
    client.post(f"/tasks/{visit.pk}/decide/", {"choice": "not_found", "next": "/"})
    line.work()
    assert Task.objects.filter(person=person, kind="decide", state="open").exists()


def test_a_visitor_typed_with_an_honorific_is_not_called_san_twice(line, clock, client, decision):
    user, person, task = decision
    decide(
        client,
        task,
        "visit",
        visitor="民生委員 佐藤さん",
        visit_by=typed(clock.now() + timedelta(hours=6)),
    )
    visit = Task.objects.get(person=person, kind="visit", state="open")
    assert visit.reason == "民生委員 佐藤さんが訪問する"


def test_an_unrecorded_visit_brings_the_decision_back_at_its_deadline(
    line, clock, client, decision
):
    user, person, task = decision
    by = clock.now() + timedelta(hours=6)
    decide(client, task, "visit", visitor="佐藤", visit_by=typed(by))
    clock.advance(hours=6)
    line.work()
    assert Task.objects.get(person=person, kind="visit").state == "expired"
    again = Task.objects.get(person=person, kind="decide", state="open")
    assert again.reason.startswith("期限切れ（1回目）")


def test_a_visit_that_finds_the_person_safe_closes_it_and_tells_the_contact(
    line, clock, client, decision, smtp
):
    user, person, task = decision
    by = clock.now() + timedelta(hours=6)
    decide(client, task, "visit", visitor="佐藤", visit_by=typed(by))
    visit = Task.objects.get(person=person, kind="visit", state="open")
    client.post(f"/tasks/{visit.pk}/decide/", {"choice": "safe", "next": "/"})
    assert incident(person).state == "resolved"
    line.work()
    assert [m["Subject"].strip() for _, m in smtp.messages][-1] == (
        "【みまもりNPO】はなこさんの安否が確認できました"
    )


def test_calling_the_police_is_recorded_and_the_incident_stays_open(line, clock, client, decision):
    user, person, task = decision
    decide(client, task, "police", note="110番に通報")
    task.refresh_from_db()
    assert (task.state, task.outcome) == ("done", "police")
    assert incident(person).state == "open"
    follow = Task.objects.get(person=person, kind="decide", state="open")
    assert follow.reason == "警察・消防に連絡済み: 結果がわかったら記録してください"
    assert person.timeline.filter(text__contains="警察・消防に連絡した（110番に通報）").exists()


def test_hospital_or_away_pauses_checks_until_the_date_and_they_resume(
    line, clock, client, decision
):
    user, person, task = decision
    until = (clock.now() + timedelta(days=5)).date()
    decide(client, task, "away", away_until=until.isoformat())
    assert (incident(person).state, incident(person).close_reason) == ("resolved", "away")
    assert Pause.objects.get(person=person).ends_on == until
    assert not Task.objects.filter(person=person, state="open").exists()
    asked = len(line.texts(user))
    clock.advance(days=4)
    line.work()
    assert len(line.texts(user)) == asked  # paused: nobody asks
    clock.advance(days=2)
    line.work()
    # Resumed by itself; the first check after the pause says welcome back.
    assert line.texts(user)[-1] == (
        "おかえりなさい。きょうから また かくにんします。\nはなこさん、げんきですか？"
    )


def test_talking_to_the_person_closes_it_as_safe(line, clock, client, decision, smtp):
    user, person, task = decision
    decide(client, task, "safe")
    assert (incident(person).state, incident(person).close_reason) == ("resolved", "staff_safe")
    line.work()
    assert "スタッフがご本人と話し、無事を確認しました。" in smtp.messages[-1][1].get_content()


def test_hearing_from_a_contact_closes_it_as_safe(line, clock, client, decision, smtp):
    user, person, task = decision
    decide(client, task, "safe_contact")
    assert incident(person).close_reason == "contact_safe"
    assert Outbox.objects.filter(purpose="all_clear", recipient="jiro@example.jp").exists()


def test_a_visit_without_who_or_when_is_refused(client, decision):
    user, person, task = decision
    decide(client, task, "visit")
    task.refresh_from_db()
    assert task.state == "open"


def test_the_queue_shows_a_call_nobody_made_as_expired_and_not_handled(client, decision):
    page = client.get("/").content.decode()
    assert "期限切れ・未対応" in page
