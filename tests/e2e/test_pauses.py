"""Pauses end to end (issue 12, item 4): はなこ goes away for a few days and says
so in LINE (「るす」, LINE's date picker in the simulator), no check comes while
she is away, and the first one after says welcome back; a pause during an open
escalation stops it and says who; staff set pauses on the person page."""

from datetime import timedelta

import pytest

from anpi.engine.models import Check, Task
from anpi.people.models import Pause
from anpi.tenants.models import AuditEntry

WELCOME = "おかえりなさい。きょうから また かくにんします。"


@pytest.fixture
def hanako(line):
    """はなこ, registered on 12/01 08:00 JST, checked daily at 09:00."""
    user = line.new_user("山田花子")
    return user, line.register(user, "はなこ")


def day_by_day(line, clock, days, user=None):
    """Move the clock a day at a time (a check at 09:00 each day), working each
    time; with ``user``, that user answers each day's check."""
    for _ in range(days):
        clock.advance(days=1)
        line.work()
        if user is not None:
            answer_if_asked(line, user)


def answer_if_asked(line, user):
    last = line.control.messages(user)[-1]
    if "げんきです" in (last.get("buttons") or []):
        line.control.tap(user, "げんきです")
        line.work()


def check_texts(line, user):
    return [t for t in line.texts(user) if t and "げんきですか" in t]


def pause_by_picker(line, user, first, last):
    line.control.text(user, "るす")
    line.work()
    line.control.tap(user, "ひにちを えらぶ", value=first)
    line.work()
    line.control.tap(user, "おわりの ひを えらぶ", value=last)
    line.work()


def test_rusu_asks_until_when_with_quick_answers_and_a_date_picker(line, hanako):
    user, person = hanako
    line.control.text(user, "ルス")
    line.work()
    asked = line.control.messages(user)[-1]
    assert asked["via"] == "reply"  # free
    assert "いつまで るすですか" in asked["text"]
    items = [i["action"] for i in asked["raw"]["quickReply"]["items"]]
    assert [a["label"] for a in items] == ["きょうから 3にち", "1しゅうかん", "ひにちを えらぶ"]
    picker = items[-1]
    assert (picker["type"], picker["mode"], picker["min"]) == ("datetimepicker", "date", "2026-12-01")


def test_a_pause_chosen_with_the_date_picker_skips_those_days_and_says_welcome_back(
    line, clock, hanako
):
    user, person = hanako
    pause_by_picker(line, user, "2026-12-03", "2026-12-05")
    confirmed = line.control.messages(user)[-1]
    assert confirmed["altText"] == "12がつ 3にち から 12がつ 5にち まで おやすみ します"
    assert confirmed["buttons"] == ["るすを おわる"]
    pause = Pause.objects.get(person=person)
    assert (pause.set_by_kind, pause.set_by_label) == ("line", "本人（LINE）")
    clock.advance(hours=1)  # 12/01 09:00
    line.work()
    answer_if_asked(line, user)
    day_by_day(line, clock, 5, user)  # 12/02 … 12/06 09:00
    checks = check_texts(line, user)
    # 12/01, 12/02, then nothing until 12/06, which says welcome back.
    assert len(checks) == 3
    assert checks[-1].startswith(WELCOME)
    assert not any(t.startswith(WELCOME) for t in checks[:-1])
    assert Check.objects.filter(person=person).count() == 3
    pushes = [r for r in line.control.requests() if r["path"].endswith("/push")]
    assert len(pushes) == 3  # welcome back rides on the check: no extra paid push


def test_three_days_from_today_starts_at_once(line, clock, hanako):
    user, person = hanako
    line.control.text(user, "留守")
    line.work()
    line.control.tap(user, "きょうから 3にち")
    line.work()
    assert line.control.messages(user)[-1]["altText"] == (
        "12がつ 1にち から 12がつ 3にち まで おやすみ します"
    )
    clock.advance(hours=1)
    line.work()
    day_by_day(line, clock, 3)  # up to 12/04 09:00
    assert check_texts(line, user) == [
        WELCOME + "\nはなこさん、げんきですか？"
    ]


def test_rusu_owari_ends_the_pause_and_checks_come_again(line, clock, hanako):
    user, person = hanako
    pause_by_picker(line, user, "2026-12-01", "2026-12-10")
    clock.advance(hours=1)
    line.work()
    assert check_texts(line, user) == []
    line.control.text(user, "るす おわり")
    line.work()
    assert line.control.messages(user)[-1]["text"] == WELCOME
    day_by_day(line, clock, 1)  # 12/02 09:00
    assert len(check_texts(line, user)) == 1
    # Ended on its first day: nothing was skipped for a whole day but today.
    assert not Pause.objects.filter(person=person).exists()


def test_the_button_ends_a_pause_under_way(line, clock, hanako):
    user, person = hanako
    pause_by_picker(line, user, "2026-12-01", "2026-12-10")
    day_by_day(line, clock, 2)  # 12/03 08:00
    line.control.tap(user, "るすを おわる")
    line.work()
    pause = Pause.objects.get(person=person)
    assert pause.ends_on.isoformat() == "2026-12-02"
    assert pause.ended_early_at == clock.now()
    clock.advance(hours=1)
    line.work()
    [check] = check_texts(line, user)
    assert check.startswith(WELCOME)


def test_a_day_before_today_cannot_be_picked(line, hanako):
    user, person = hanako
    line.control.text(user, "るす")
    line.work()
    with pytest.raises(Exception, match="400"):
        line.control.tap(user, "ひにちを えらぶ", value="2026-11-30")
    assert not Pause.objects.exists()


def test_a_pause_during_an_open_escalation_stops_it_and_tells_the_contact_truly(
    line, clock, hanako, smtp
):
    user, person = hanako
    person.contacts.create(
        tenant=person.tenant, name="たろう", relation="長男", email="taro@example.jp",
        confirmed_at=clock.now(),
    )
    for hours in (1, 24, 3, 2, 2):  # check, resend, call, last notice, contacts told
        clock.advance(hours=hours)
        line.work()
    check = Check.objects.exclude(close_reason="merged").get(person=person)
    assert check.state == "open"
    assert Task.objects.filter(person=person, state="open").exists()
    line.control.text(user, "るす")
    line.work()
    line.control.tap(user, "1しゅうかん")
    line.work()
    check.refresh_from_db()
    assert (check.state, check.close_reason) == ("resolved", "paused")
    cancelled = Task.objects.filter(person=person, state="cancelled")
    assert cancelled and all("休止のため取り消し（本人（LINE））" == t.note for t in cancelled)
    assert not Task.objects.filter(person=person, state="open").exists()
    texts = list(person.timeline.values_list("text", flat=True))
    assert "休止のため確認を終了（本人（LINE））" in texts
    assert any(t.startswith("12/02〜12/08 確認を休みます（本人（LINE）が設定") for t in texts)
    all_clear = [m for to, m in smtp.messages if to == ["taro@example.jp"]][-1]
    assert "「しばらく るすにする」と連絡がありました" in all_clear.get_content()
    # Nothing more climbs: a day later no step has fired.
    clock.advance(days=1)
    line.work()
    assert not Task.objects.filter(person=person, state="open").exists()


def test_staff_pause_from_the_person_page_is_audited_and_named(
    line, clock, hanako, client, operator
):
    user, person = hanako
    client.force_login(operator)
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "確認を休む" in page
    answer = client.post(
        f"/people/{person.pk}/pause/",
        {"starts_on": "2026-12-01", "ends_on": "2026-12-02", "reason": "入院（病院から連絡）"},
    )
    assert answer.status_code == 302
    pause = Pause.objects.get(person=person)
    assert (pause.set_by_kind, pause.set_by_label, pause.set_by_user) == (
        "staff", "スタッフ operator", operator
    )
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "スタッフ operator" in page and "入院（病院から連絡）" in page
    clock.advance(hours=1)
    line.work()
    day_by_day(line, clock, 2)  # 12/03 09:00
    [check] = check_texts(line, user)
    assert check.startswith(WELCOME)
    entry = AuditEntry.objects.get(action="person.pause")
    assert (entry.actor_user, entry.object_id) == (operator, str(person.pk))
    assert entry.detail["ends_on"] == "2026-12-02"


def test_staff_are_told_in_japanese_when_the_dates_are_wrong(line, hanako, client, operator):
    user, person = hanako
    client.force_login(operator)
    answer = client.post(
        f"/people/{person.pk}/pause/",
        {"starts_on": "2026-12-05", "ends_on": "2026-12-03"},
        follow=True,
    )
    assert "終わりの日は始まりの日以降にしてください" in answer.content.decode()
    assert not Pause.objects.exists()


def test_staff_end_a_pause_from_the_person_page(line, clock, hanako, client, operator):
    user, person = hanako
    pause_by_picker(line, user, "2026-12-01", "2026-12-10")
    client.force_login(operator)
    client.post(f"/people/{person.pk}/pause/end/")
    assert not Pause.objects.filter(person=person, ends_on__gte="2026-12-01").exists()
    clock.advance(hours=1)
    line.work()
    assert len(check_texts(line, user)) == 1
    assert person.timeline.filter(text__startswith="休止を終了（スタッフ operator）").exists()


def test_the_next_check_time_skips_the_pause(line, hanako, clock):
    user, person = hanako
    pause_by_picker(line, user, "2026-12-01", "2026-12-04")
    person.refresh_from_db()
    assert person.next_check_at == clock.now() + timedelta(days=4, hours=1)


def test_a_three_days_tap_that_reaches_us_a_day_late_is_refused_not_moved(line, clock, hanako):
    """LINE's order, not arrival order: 「きょうから」 is the day of the tap."""
    from anpi.individual import pause_chat

    user, person = hanako
    tapped = clock.now()
    clock.advance(days=1)
    word = pause_chat.handle_postback(person, "away", 3, {}, "", clock.now(), tapped)
    assert word == "pause_refused"
    assert not Pause.objects.exists()


def test_a_disclosure_export_says_who_paused(line, hanako, clock, operator):
    from anpi.engine.personal_data import export_person
    from anpi.tenants.actors import Actor

    user, person = hanako
    pause_by_picker(line, user, "2026-12-03", "2026-12-05")
    [row] = export_person(person, Actor.staff(operator), clock.now())["pauses"]
    assert (row["starts_on"], row["ends_on"], row["set_by_label"]) == (
        "2026-12-03", "2026-12-05", "本人（LINE）"
    )


def test_a_pause_set_and_ended_just_before_the_check_leaves_todays_check_in_place(
    line, clock, hanako
):
    user, person = hanako
    clock.advance(minutes=55)  # 08:55: the 09:00 check is planned already
    line.work()
    assert Check.objects.filter(person=person, state="open").count() == 1
    line.control.text(user, "るす")
    line.work()
    line.control.tap(user, "きょうから 3にち")
    line.work()
    assert not Check.objects.filter(person=person).exists()  # a paused day has no check
    line.control.text(user, "るす おわり")
    line.work()
    clock.advance(minutes=5)  # 09:00
    line.work()
    assert check_texts(line, user) == ["はなこさん、げんきですか？"]


def test_an_english_speaker_pauses_in_english_and_comes_back_with_im_back(line, clock, hanako):
    user, person = hanako
    person.language = "en"
    person.save(update_fields=["language"])
    line.control.text(user, "Away")
    line.work()
    asked = line.control.messages(user)[-1]
    assert asked["text"] == "Going away?\nUntil when will you be away?\nChoose below."
    labels = [i["action"]["label"] for i in asked["raw"]["quickReply"]["items"]]
    assert labels == ["3 days from today", "1 week", "Choose dates"]
    line.control.tap(user, "1 week")
    line.work()
    confirmed = line.control.messages(user)[-1]
    assert confirmed["altText"] == "No checks from 12/1 to 12/7"
    assert confirmed["buttons"] == ["I'm back"]
    line.control.text(user, "I'm back")
    line.work()
    assert line.control.messages(user)[-1]["text"] == "Welcome back. We will ask again from today."
    assert not Pause.objects.filter(person=person, ended_early_at__isnull=True).exists()


def test_a_chinese_speakers_welcome_back_check_is_chinese(line, clock, hanako):
    user, person = hanako
    person.language = "zh"
    person.save(update_fields=["language"])
    line.control.text(user, "外出")
    line.work()
    line.control.tap(user, "从今天起3天")
    line.work()
    assert line.control.messages(user)[-1]["altText"] == "12月1日到12月3日暂停确认"
    day_by_day(line, clock, 3)  # 12/02 … 12/04 08:00: the check of 12/04 09:00 comes next
    clock.advance(hours=1)
    line.work()
    check = line.control.messages(user)[-1]
    assert check["altText"].startswith("欢迎回来。从今天起继续确认。")
