"""Graded answers end to end: the check offers 「げんきです」 as its one big
button and, smaller below it, 「すこし ぐあいが わるい」 and 「はなしたい」. Either
of those answers the check (the ladder stops) and asks staff, not urgently, to
get in touch. The clock starts at 08:00 JST on 2026-12-01; checks are at 09:00."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from anpi.engine.models import Check, EscalationPolicy, Outbox, Task
from anpi.engine.policies import PolicyError, validate_policy
from anpi.individual.policy import INDIVIDUAL_DEFAULT

UNWELL, TALK = "すこし ぐあいが わるい", "はなしたい"
BUTTONS = ["げんきです", UNWELL, TALK]
GRADED = [
    pytest.param(
        UNWELL,
        "unwell",
        "おしえて くれて ありがとうございます。かかりの ひとから れんらくします。",
        "本人が「少し具合が悪い」と応答",
        id="unwell",
    ),
    pytest.param(
        TALK,
        "talk",
        "わかりました。かかりの ひとから れんらくします。",
        "本人が「話したい」と応答",
        id="talk",
    ),
]


def pushes(line) -> list[dict]:
    return [
        r
        for r in line.control.requests()
        if r["path"] in ("/v2/bot/message/push", "/v2/bot/message/multicast") and r["status"] == 200
    ]


def checked(line, name: str = "山田花子", nickname: str = "はなこ"):
    """A registered person whose 09:00 check has just arrived."""
    user = line.new_user(name)
    person = line.register(user, nickname)
    line.clock.advance(hours=1)
    line.work()
    return user, person


def test_the_check_keeps_genki_as_its_one_big_first_button_with_two_small_answers_below(line):
    user, _ = checked(line)
    check = line.control.messages(user)[-1]
    assert check["buttons"] == BUTTONS
    first, *others = check["raw"]["contents"]["footer"]["contents"]
    assert (first["style"], first["height"]) == ("primary", "md")
    assert {(b["style"], b["height"]) for b in others} == {("link", "sm")}


@pytest.mark.parametrize("label, grade, thanks, said", GRADED)
def test_a_graded_answer_closes_the_check_and_opens_a_follow_up_that_never_escalates(
    line, clock, label, grade, thanks, said
):
    user, person = checked(line)
    line.control.tap(user, label)
    line.work()

    check = Check.objects.get(person=person)
    assert (check.state, check.answer_grade) == ("answered", grade)
    reply = line.control.messages(user)[-1]
    assert (reply["text"], reply["via"]) == (thanks, "reply")
    [task] = Task.objects.filter(person=person)
    assert (task.kind, task.state) == ("follow_up", "open")
    assert task.deadline == clock.now() + timedelta(hours=24)  # the default policy's

    clock.advance(hours=30)  # past the re-send (24 h) and the follow-up's deadline
    line.work()
    # Only the day's checks (today's, and tomorrow's at 09:00): no re-send, no last notice.
    assert len(pushes(line)) == 2
    assert list(Outbox.objects.filter(method="push").values_list("purpose", flat=True)) == [
        "check",
        "check",
    ]
    task.refresh_from_db()
    assert task.state == "open"  # overdue, still waiting for staff, not an escalation
    texts = list(person.timeline.values_list("text", flat=True))
    assert said in texts
    assert any("フォローアップ（緊急ではありません）" in t for t in texts)


def test_genki_answers_as_before_with_no_follow_up(line):
    user, person = checked(line)
    line.control.tap(user, "げんきです")
    line.work()
    check = Check.objects.get(person=person)
    assert (check.state, check.answer_grade) == ("answered", "ok")
    assert line.control.messages(user)[-1]["text"] == "ありがとうございます。あんしんしました。"
    assert not Task.objects.filter(person=person).exists()


def test_tapping_talk_twice_asks_staff_once(line):
    user, person = checked(line)
    line.control.tap(user, TALK)
    line.work()
    line.control.tap(user, TALK)  # the same message, tapped again
    line.work()
    assert Task.objects.filter(person=person, kind="follow_up").count() == 1


def test_the_follow_up_has_its_own_section_in_the_call_queue_and_staff_record_the_talk(
    line, client, operator
):
    user, person = checked(line)
    line.control.tap(user, UNWELL)
    line.work()
    client.force_login(operator)
    page = client.get("/").content.decode()
    emergencies, section = page.split('class="follow-ups"', 1)
    assert "フォローアップ（緊急ではありません）" in section
    assert "はなこ" in section and "話せた" in section and "つながらない" in section
    assert f'id="task-{Task.objects.get(person=person).pk}"' not in emergencies

    task = Task.objects.get(person=person)
    answer = client.post(f"/tasks/{task.pk}/outcome/", {"outcome": "safe", "next": "/"})
    assert answer.status_code == 302
    task.refresh_from_db()
    assert (task.state, task.outcome) == ("done", "safe")
    assert person.timeline.filter(text__contains="話せた").exists()
    person_page = client.get(f"/people/{person.pk}/").content.decode()
    assert "少し不調" in person_page


def test_the_pilot_report_counts_answers_by_grade(line, client, operator):
    users = [line.new_user(name) for name in ("山田花子", "佐藤一郎", "鈴木次郎")]
    for i, user in enumerate(users):
        line.register(user, f"p{i}")
    line.clock.advance(hours=1)
    line.work()
    for user, label in zip(users, BUTTONS, strict=True):
        line.control.tap(user, label)
    line.work()
    client.force_login(operator)
    csv = client.get("/reports/report.csv?month=2026-12").content.decode("utf-8-sig")
    for name in ("元気", "少し不調", "話したい"):
        assert f"応答の内容: {name},1," in csv
    page = client.get("/reports/?month=2026-12").content.decode()
    assert "応答の内容: 話したい" in page


def test_the_identical_multicast_check_is_the_same_for_all_and_has_the_three_buttons(line):
    steps = [dict(step) for step in INDIVIDUAL_DEFAULT]
    steps[0] = {"after": 0, "action": "send_check", "params": {"message": "identical"}}
    EscalationPolicy.objects.create(
        tenant=line.channel.tenant, name="same for all", steps=steps, is_default=True
    )
    users = [line.new_user(name) for name in ("山田花子", "佐藤一郎")]
    for i, user in enumerate(users):
        line.register(user, f"p{i}")
    line.clock.advance(hours=1)
    line.work()
    assert [r["path"] for r in pushes(line)] == ["/v2/bot/message/multicast"]
    first, second = (line.control.messages(u)[-1] for u in users)
    assert first["raw"] == second["raw"]
    assert first["buttons"] == BUTTONS
    line.control.tap(users[1], TALK)  # no check id in the message: the person's open check
    line.work()
    check = Check.objects.get(person__line_user_id=users[1])
    assert (check.state, check.answer_grade) == ("answered", "talk")
    assert Task.objects.filter(person=check.person, kind="follow_up").count() == 1


def test_a_follow_up_deadline_out_of_range_is_refused_with_a_japanese_error():
    steps = [dict(step) for step in INDIVIDUAL_DEFAULT]
    steps[0] = {"after": 0, "action": "send_check", "params": {"follow_up_deadline": 60}}
    with translation.override("ja"), pytest.raises(PolicyError) as refused:
        validate_policy(steps)
    assert str(refused.value) == (
        "手順1: follow_up_deadline は 3600〜604800 の整数（秒）で書いてください。"
    )


def test_typing_that_one_feels_a_little_unwell_answers_like_the_button(line):
    user, person = checked(line)
    line.control.text(user, "ちょっと ぐあいが わるい")
    line.work()
    check = Check.objects.get(person=person)
    assert (check.state, check.answer_grade) == ("answered", "unwell")
    assert Task.objects.get(person=person).kind == "follow_up"
    assert line.texts(user)[-1].endswith("かかりの ひとから れんらくします。")
