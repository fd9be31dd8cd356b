"""The individual service end to end: a LINE user (in the simulator) friends the
account, is checked at the chosen time, taps OK, or does not and the ladder climbs."""

from datetime import timedelta

from anpi.engine.models import Check, Inbox, Task
from anpi.people.models import Person


def test_following_the_account_brings_a_greeting_with_a_settings_link(line):
    user = line.new_user("山田花子")
    person = Person.objects.get(line_user_id=user)
    assert person.status == "registering"
    [greeting] = line.control.messages(user)
    assert greeting["via"] == "reply"  # free
    # To be watched (the settings page), or to become someone's emergency contact.
    assert greeting["buttons"] == ["せってい する", "だれかの れんらくさきに なる"]
    uri = line.control.tap(user, "せってい する")["uri"]
    assert uri.startswith("http://127.0.0.1:8000/p/s/")


def test_the_check_arrives_at_the_chosen_time(line, clock):
    user = line.new_user("山田花子")
    line.register(user, "はなこ")
    clock.advance(minutes=59)  # 08:59 JST
    line.work()
    assert len(line.control.messages(user)) == 1  # the greeting only
    clock.advance(minutes=1)
    line.work()
    check = line.control.messages(user)[-1]
    assert check["altText"] == "はなこさん、げんきですか？"
    assert check["buttons"] == ["げんきです", "すこし ぐあいが わるい", "はなしたい"]
    assert check["via"] == "push"


def test_tapping_ok_closes_the_check_with_a_free_reply(line, clock):
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ")
    clock.advance(hours=1)
    line.work()
    answer = line.control.tap(user, "げんきです")
    assert answer["webhook"]["status"] == 200
    line.work()
    check = Check.objects.get(person=person)
    assert check.state == "answered"
    last = line.control.messages(user)[-1]
    assert last["text"] == "ありがとうございます。あんしんしました。"
    assert last["via"] == "reply"
    pushes = [r for r in line.control.requests() if r["path"].endswith("/push")]
    assert len(pushes) == 1  # the check itself; the thank-you cost nothing


def test_the_full_ladder_through_line_with_the_policys_times(line, clock, smtp):
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ")
    person.contacts.create(
        tenant=person.tenant,
        name="たろう",
        relation="長男",
        email="taro@example.jp",
        confirmed_at=clock.now(),
    )
    clock.advance(hours=1)  # 09:00
    line.work()
    clock.advance(hours=24)  # +24h: re-send
    line.work()
    assert "へんじが ありません" in line.texts(user)[-1]
    clock.advance(hours=3)  # +3h: staff call
    line.work()
    call = Task.objects.get(person=person, kind="call_person", state="open")
    clock.advance(hours=2)  # no outcome in 2h: one more LINE message
    line.work()
    assert "れんらくが とれません" in line.texts(user)[-1]
    clock.advance(hours=2)  # +2h: contacts
    line.work()
    call.refresh_from_db()
    assert call.state == "expired"
    [mail] = [m for rcpt, m in smtp.messages if rcpt == ["taro@example.jp"]]
    assert "はなこさんから安否確認の応答がありません" in mail.get_content()
    # Nobody phoned (the call task expired untouched): the contact is not told
    # otherwise, and staff are told of the missed call.
    assert "まだできていません" in mail.get_content()
    assert [rcpt for rcpt, _ in smtp.messages].count(["staff@npo.example"]) == 1
    assert Task.objects.filter(person=person, kind="decide", state="open").exists()
    assert len(line.texts(user)) == 4  # greeting, check, re-send, last notice


def test_an_ok_during_the_ladder_stops_it(line, clock, smtp):
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ")
    person.contacts.create(
        tenant=person.tenant,
        name="たろう",
        relation="長男",
        email="taro@example.jp",
        confirmed_at=clock.now(),
    )
    for hours in (1, 24, 3):
        clock.advance(hours=hours)
        line.work()
    line.control.tap(user, "げんきです")  # on the re-sent message
    line.work()
    assert not Task.objects.filter(person=person, state="open").exists()
    clock.advance(hours=5)
    line.work()
    assert smtp.messages == []
    assert not any("れんらくが" in t for t in line.texts(user))


def test_duplicate_and_redelivered_webhooks_count_once(line, clock):
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ")
    clock.advance(hours=1)
    line.work()
    tap = line.control.tap(user, "げんきです")
    event_id = tap["webhook"]["webhookEventId"]
    assert line.control.duplicate(event_id)["webhook"]["status"] == 200
    assert line.control.redeliver(event_id)["webhook"]["status"] == 200
    line.work()
    assert Inbox.objects.filter(webhook_event_id=event_id).count() == 1
    replies = [m for m in line.control.messages(user) if m["via"] == "reply"]
    assert len(replies) == 2  # the greeting and one thank-you
    assert Check.objects.get(person=person).state == "answered"


def test_a_blocked_account_stops_checks_and_keeps_the_record(line, clock):
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ")
    line.control.block(user)
    line.work()
    person.refresh_from_db()
    assert person.status == "blocked"
    clock.advance(days=3)
    line.work()
    assert not Check.objects.filter(person=person).exists()
    assert person.timeline.filter(kind="blocked").exists()
    line.control.unblock(user)
    line.work()
    person.refresh_from_db()
    assert person.status == "active"
    assert line.texts(user)[-1].startswith("おかえりなさい")
    clock.advance(days=1)
    line.work()
    assert line.texts(user)[-1] == "はなこさん、げんきですか？"


def test_blocking_in_the_middle_of_a_ladder_cancels_it(line, clock):
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ")
    clock.advance(hours=1)
    line.work()
    line.control.block(user)
    line.work()
    assert Check.objects.get(person=person).state == "cancelled"
    clock.advance(timedelta(hours=30))
    line.work()
    assert not Task.objects.filter(person=person).exists()
