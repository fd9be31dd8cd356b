"""What contacts are told is what happened (issue 11, items 1–2), end to end:
the person in the simulator stays silent, the ladder climbs, and the contact's
alert says what the timeline holds — a call never made, a call made and
unreachable, no phone number — with the tenant's number and a report link.
Whoever was alarmed hears the all-clear."""

import re
from urllib.parse import urlparse

import pytest

from anpi.engine.models import Check, Outbox, Task
from anpi.engine.tasks import missed_calls, record_task_outcome

TENANT_PHONE = "03-1234-5678"
REPORT_LINK = re.compile(r"http://\S+/p/r/[^/\s]+/")


@pytest.fixture
def watched(line, tenant, clock):
    """はなこ (silent in the simulator) with a LINE-linked contact (たろう)
    and an e-mail contact (じろう); the tenant has a phone number."""
    tenant.phone = TENANT_PHONE
    tenant.save(update_fields=["phone"])
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ")
    taro = line.new_user("山田太郎")
    person.contacts.create(
        tenant=tenant, name="たろう", relation="長男", line_user_id=taro, confirmed_at=clock.now()
    )
    person.contacts.create(
        tenant=tenant, name="じろう", relation="次男", email="jiro@example.jp",
        confirmed_at=clock.now(),
    )
    return user, person, taro


def climb_to_the_call(line, clock):
    for hours in (1, 24, 3):  # check, re-send, staff call task
        clock.advance(hours=hours)
        line.work()


def climb_to_the_contacts(line, clock):
    for hours in (2, 2):  # last notice at the call's deadline, then contacts
        clock.advance(hours=hours)
        line.work()


def contact_mail(smtp, to="jiro@example.jp"):
    return [m for rcpt, m in smtp.messages if rcpt == [to]]


def test_a_call_never_made_is_told_as_not_made_and_staff_hear_of_it(line, clock, smtp, watched):
    user, person, taro = watched
    climb_to_the_call(line, clock)
    climb_to_the_contacts(line, clock)
    call = Task.objects.get(person=person, kind="call_person")
    assert call.state == "expired" and call.outcome == ""
    [mail] = contact_mail(smtp)
    body = mail.get_content()
    assert "スタッフからの電話での確認は、まだできていません。" in body
    assert "つながりませんでした" not in body
    assert f"みまもりNPOの電話: {TENANT_PHONE}" in body
    assert REPORT_LINK.search(body)
    line_text = line.texts(taro)[-1]
    assert "スタッフからの電話での確認は、まだできていません。" in line_text
    assert TENANT_PHONE in line_text and "/p/r/" in line_text
    staff = [m["Subject"].strip() for rcpt, m in smtp.messages if rcpt == ["staff@npo.example"]]
    assert staff == ["【anpi】はなこさんへの電話が期限までにされませんでした"]  # once
    assert person.timeline.filter(kind="task_expired", text__contains="期限切れ・未対応").exists()
    assert missed_calls(person.tenant_id, clock.now().replace(year=2026, month=1), clock.now()) == 1


def test_a_call_made_and_unreachable_is_told_as_such(line, clock, smtp, watched, operator):
    user, person, taro = watched
    climb_to_the_call(line, clock)
    call = Task.objects.get(person=person, kind="call_person", state="open")
    record_task_outcome(call.pk, "unreachable", clock, user=operator)
    line.work()  # the last notice at once
    clock.advance(hours=2)
    line.work()
    [mail] = contact_mail(smtp)
    assert "スタッフがお電話しましたが、つながりませんでした。" in mail.get_content()
    assert "スタッフがお電話しましたが、つながりませんでした。" in line.texts(taro)[-1]
    assert not [m for rcpt, m in smtp.messages if rcpt == ["staff@npo.example"]]


def test_a_person_without_a_phone_number_is_told_as_not_callable(line, clock, smtp, watched):
    user, person, taro = watched
    person.phone = ""
    person.save(update_fields=["phone"])
    climb_to_the_call(line, clock)
    climb_to_the_contacts(line, clock)
    [mail] = contact_mail(smtp)
    body = mail.get_content()
    assert "はなこさんの電話番号が登録されていないため、スタッフは電話で確認できていません。" in body
    assert "つながりませんでした" not in body and "まだできていません" not in body


def test_an_answer_after_contacts_were_told_brings_each_of_them_the_all_clear(
    line, clock, smtp, watched
):
    user, person, taro = watched
    climb_to_the_call(line, clock)
    climb_to_the_contacts(line, clock)
    line.control.tap(user, "げんきです")
    line.work()
    check = Check.objects.exclude(close_reason="merged").get(person=person)
    assert check.state == "answered"
    assert not Task.objects.filter(person=person, state="open").exists()
    assert line.texts(taro)[-1] == (
        "はなこさんの安否が確認できました。\nご本人から「げんきです」と応答がありました。\n"
        "ご協力ありがとうございました。"
    )
    [alarm, all_clear] = contact_mail(smtp)
    assert all_clear["Subject"].strip() == "【みまもりNPO】はなこさんの安否が確認できました"
    assert "ご本人から「げんきです」と応答がありました。" in all_clear.get_content()
    assert TENANT_PHONE in all_clear.get_content()
    told = list(person.timeline.filter(kind="all_clear_sent").values_list("text", flat=True))
    assert sorted(told) == [
        "緊急連絡先 じろう（次男）にメールで無事を連絡",
        "緊急連絡先 たろう（長男）にLINEで無事を連絡",
    ]


def test_an_answer_before_anyone_was_alarmed_tells_nobody(line, clock, smtp, watched):
    user, person, taro = watched
    climb_to_the_call(line, clock)
    line.control.tap(user, "げんきです")
    line.work()
    assert not Outbox.objects.filter(purpose="all_clear").exists()
    assert contact_mail(smtp) == []


def _report_path(smtp) -> str:
    [mail] = contact_mail(smtp)
    return urlparse(REPORT_LINK.search(mail.get_content()).group(0)).path


def test_a_contact_who_reports_safe_closes_the_incident_and_the_others_hear(
    line, clock, smtp, watched, client
):
    user, person, taro = watched
    climb_to_the_call(line, clock)
    climb_to_the_contacts(line, clock)
    path = _report_path(smtp)
    page = client.get(path)
    assert "れんらくが つきました・ぶじでした" in page.content.decode()
    assert "れんらくが つきません" in page.content.decode()
    done = client.post(path, {"report": "safe"})
    assert "ぶじと うけとりました" in done.content.decode()
    check = Check.objects.exclude(close_reason="merged").get(person=person)
    assert (check.state, check.close_reason) == ("resolved", "contact_safe")
    assert person.timeline.filter(
        kind="contact_report", text="緊急連絡先 じろう（次男）から: 連絡がつきました・無事でした"
    ).exists()
    line.work()
    assert line.texts(taro)[-1].startswith("はなこさんの安否が確認できました。\n緊急連絡先の方から")
    assert len(contact_mail(smtp)) == 1  # the reporter is not told their own news
    again = client.post(path, {"report": "unreachable"})  # one-time
    assert not person.timeline.filter(kind="contact_report", data__report="unreachable").exists()
    assert again.status_code == 200


def test_a_contact_who_cannot_reach_the_person_is_noted_for_staff(
    line, clock, smtp, watched, client
):
    user, person, taro = watched
    climb_to_the_call(line, clock)
    climb_to_the_contacts(line, clock)
    client.post(_report_path(smtp), {"report": "unreachable"})
    assert Check.objects.exclude(close_reason="merged").get(person=person).state == "open"
    assert person.timeline.filter(
        kind="contact_report", text="緊急連絡先 じろう（次男）から: 連絡がつきません"
    ).exists()
    assert Task.objects.filter(person=person, kind="decide", state="open").exists()
