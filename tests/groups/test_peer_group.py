"""つながり end to end: a LINE group of peers checks on each other through the bot."""

from __future__ import annotations

from django.test import Client

from anpi.engine.models import Check, Outbox, Task
from anpi.groups.models import Group, GroupMember

from .conftest import make_peers


def _nobody_answers_for_23_hours(peers, clock):
    clock.advance(hours=1)  # the 09:00 check
    peers.work()
    clock.advance(hours=23)  # everyone is named
    peers.work()


def test_inviting_the_bot_greets_the_group_with_a_schedule_link(line):
    peers = make_peers(line)
    greeting = peers.shown()[0]
    assert greeting["via"] == "reply"
    assert greeting["buttons"] == ["じかんを きめる"]
    group = peers.group()
    assert group.name == "ひだまりの会"  # from the group summary API
    assert group.status == "registering"
    names = sorted(m.display_name for m in GroupMember.objects.filter(group=group))
    assert names == ["佐藤", "山田", "鈴木"]  # from the member profile API


def test_a_member_sets_the_schedule_from_the_chat_with_a_one_time_link(line, clock):
    peers = make_peers(line)
    url = peers.settings_url().removeprefix("http://127.0.0.1:8000")
    page = Client().get(url)
    assert "ひだまりの会" in page.content.decode()
    saved = Client().post(
        url, {"schedule_kind": "interval", "interval_days": "2", "check_time": "10:30"}
    )
    assert "2にちに 1かい 10:30" in saved.content.decode()
    peers.work()
    assert peers.texts()[-1] == "じかんを きめました。\n2にちに 1かい 10:30"
    group = peers.group()
    assert group.status == "active"
    assert group.next_check_at.isoformat() == "2026-12-01T01:30:00+00:00"
    assert Client().get(url).status_code == 410  # the link worked once


def test_a_bad_schedule_gets_a_japanese_error_and_saves_nothing(line):
    peers = make_peers(line)
    url = peers.settings_url().removeprefix("http://127.0.0.1:8000")
    page = Client().post(url, {"schedule_kind": "weekdays", "check_time": "25:99"})
    body = page.content.decode()
    assert "じかんの かたちが ちがいます" in body
    assert "ようびを 1つ いじょう えらんでください" in body
    group = peers.group()
    assert group.status == "registering" and group.check_time is None


def test_the_check_goes_to_the_group_once_and_an_ok_counts_for_that_member_only(peers, clock):
    clock.advance(hours=1)  # 09:00
    peers.work()
    assert peers.texts()[-1] == "みなさん、げんきですか？"
    group_pushes = Outbox.objects.filter(purpose="group_check")
    assert group_pushes.count() == 1  # one push for three members
    assert Check.objects.filter(state="open").count() == 3
    peers.tap("山田", "げんきです")
    assert peers.texts()[-1] == "山田さん、ありがとうございます。"
    assert Check.objects.get(person=peers.person("山田")).state == "answered"
    assert Check.objects.get(person=peers.person("佐藤")).state == "open"
    assert Check.objects.get(person=peers.person("鈴木")).state == "open"


def test_the_ok_tells_who_answered_even_if_group_postbacks_lack_a_user_id(peers, clock):
    peers.control.configure(group_postback_user_id=False)
    try:
        clock.advance(hours=1)
        peers.work()
        peers.tap("佐藤", "げんきです")
        assert Check.objects.get(person=peers.person("佐藤")).state == "answered"
        assert Check.objects.filter(state="open").count() == 2
    finally:
        peers.control.configure(group_postback_user_id=True)


def test_a_silent_member_is_named_after_23_hours_claimed_and_found_safe(peers, clock):
    clock.advance(hours=1)  # 09:00 check
    peers.work()
    peers.tap("山田", "げんきです")
    peers.tap("佐藤", "げんきです")
    clock.advance(hours=22, minutes=59)
    peers.work()
    assert "へんじが ありません" not in " ".join(peers.texts())
    clock.advance(minutes=1)  # 23h after the check
    peers.work()
    alert = peers.shown()[-1]
    assert alert["altText"] == "鈴木さんから へんじが ありません"
    assert alert["buttons"] == ["確認します"]
    peers.tap("山田", "確認します")
    claimed = peers.shown()[-1]
    assert claimed["altText"] == "山田さんが みに いきます"
    assert claimed["buttons"] == ["ぶじでした", "るすでした", "びょういんへ はこばれた", "そのほか"]
    peers.tap("山田", "ぶじでした")
    assert peers.texts()[-1] == "鈴木さん: ぶじでした。\nありがとうございました。"
    check = Check.objects.get(person=peers.person("鈴木"))
    assert check.state == "resolved"
    assert check.alert.outcome == "safe"
    assert peers.person("鈴木").timeline.filter(kind="alert_outcome").exists()
    clock.advance(hours=10)
    peers.work()
    assert not Task.objects.exists()  # nothing reached staff


def test_the_second_claimer_is_told_who_went(peers, clock):
    _nobody_answers_for_23_hours(peers, clock)
    peers.tap("山田", "確認します")
    peers.tap("佐藤", "確認します")
    assert peers.texts()[-1] == "もう 山田さんが みに いって います。"
    alert = Check.objects.filter(alert__claimed_by_name="山田").count()
    assert alert == 1


def test_only_the_claimer_records_the_outcome(peers, clock):
    _nobody_answers_for_23_hours(peers, clock)
    peers.control.tap(peers.members["佐藤"], "確認します", group_id=peers.group_id)
    peers.work()
    peers.tap("鈴木", "ぶじでした")
    assert peers.texts()[-1] == "けっかは みに いった 佐藤さんが おしてください。"


def test_an_unclaimed_alert_is_repeated_and_then_reaches_staff(peers, clock):
    clock.advance(hours=1)
    peers.work()
    peers.tap("山田", "げんきです")
    peers.tap("佐藤", "げんきです")
    clock.advance(hours=23)
    peers.work()
    clock.advance(hours=2)  # nobody claimed: named again
    peers.work()
    assert peers.shown()[-1]["altText"] == "鈴木さんから へんじが ありません"
    assert "まだ だれも いって いません" in str(peers.shown()[-1]["raw"])
    clock.advance(hours=2)
    peers.work()
    task = Task.objects.get(state="open")
    assert task.person == peers.person("鈴木")
    assert task.kind == "decide"  # in the staff call queue


def test_an_absent_outcome_goes_to_staff_at_once(peers, clock):
    _nobody_answers_for_23_hours(peers, clock)
    [alert_for_yamada] = [
        m for m in peers.shown() if m.get("altText", "").startswith("山田さんから")
    ]
    peers.tap("佐藤", "確認します", message_id=alert_for_yamada["id"])
    peers.tap("佐藤", "るすでした")
    task = Task.objects.get(state="open")
    assert task.person == peers.person("山田")
    assert peers.texts()[-1] == "山田さん: るすでした。\nスタッフに つたえました。"


def test_other_asks_the_claimer_for_a_note(peers, clock):
    _nobody_answers_for_23_hours(peers, clock)
    [alert_for_yamada] = [
        m for m in peers.shown() if m.get("altText", "").startswith("山田さんから")
    ]
    peers.tap("鈴木", "確認します", message_id=alert_for_yamada["id"])
    peers.tap("鈴木", "そのほか")
    assert peers.texts()[-1] == "ようすを ひとことで おくってください。"
    peers.say("鈴木", "でかけて いるようです。となりの ひとが みました")
    check = Check.objects.get(person=peers.person("山田"))
    assert check.alert.outcome == "other"
    assert check.alert.note == "でかけて いるようです。となりの ひとが みました"
    assert Task.objects.get(state="open").person == peers.person("山田")


def test_a_member_leaving_mid_check_is_cancelled_cleanly(peers, clock):
    clock.advance(hours=1)
    peers.work()
    peers.control.remove_member(peers.group_id, peers.members["鈴木"])
    peers.work()
    suzuki = peers.person("鈴木")
    assert Check.objects.get(person=suzuki).state == "cancelled"
    assert suzuki.timeline.filter(kind="group_left").exists()
    peers.tap("山田", "げんきです")
    peers.tap("佐藤", "げんきです")
    clock.advance(hours=30)
    peers.work()
    assert "鈴木さんから" not in " ".join(peers.texts())
    assert Check.objects.filter(person=suzuki).count() == 1  # no new checks for 鈴木
    assert Check.objects.filter(person=peers.person("山田")).count() == 2  # the group goes on


def test_removing_the_bot_stops_the_groups_checks(peers, clock, smtp):
    clock.advance(hours=1)
    peers.work()
    peers.control.remove_bot(peers.group_id)
    peers.work()
    assert peers.group().status == "left"
    assert set(Check.objects.values_list("state", flat=True)) == {"cancelled"}
    clock.advance(days=3)
    peers.work()
    assert Check.objects.count() == 3
    assert not Task.objects.exists()
    [(rcpt, mail)] = smtp.messages
    assert rcpt == ["staff@npo.example"]
    assert "ひだまりの会" in mail["Subject"]


def test_a_member_who_joins_later_is_checked_from_the_next_occurrence(peers, clock):
    newcomer = peers.control.add_user("田中")
    peers.control.add_members(peers.group_id, [newcomer])
    peers.work()
    assert peers.texts()[-1].startswith("田中さん、ようこそ。")
    clock.advance(hours=1)
    peers.work()
    assert Check.objects.filter(state="open").count() == 4
    assert Group.objects.get().active_members().count() == 4


def test_a_member_the_bot_never_heard_from_can_still_claim(line, clock):
    quiet = line.control.add_user("高木")
    peers = make_peers(line)
    peers.control.add_members(peers.group_id, [quiet])  # memberJoined registers 高木
    GroupMember.objects.filter(line_user_id=quiet).delete()  # as if the event was before us
    peers.members["高木"] = quiet
    assert peers.set_schedule().status_code == 200
    _nobody_answers_for_23_hours(peers, clock)
    [alert] = [m for m in peers.shown() if m.get("altText", "").startswith("山田さんから")]
    peers.tap("高木", "確認します", message_id=alert["id"])
    assert peers.texts()[-1] == "高木さんが みに いきます"
