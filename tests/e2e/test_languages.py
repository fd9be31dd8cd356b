"""anpi speaks each person's language through LINE (in the simulator): the
check, its button, the replies, and what the person's contacts are told; and
the check's first line greets with the day."""

from __future__ import annotations

from anpi.engine.models import Check, EscalationPolicy
from anpi.individual.policy import INDIVIDUAL_DEFAULT
from anpi.people.models import Person


def first_line(message: dict) -> str:
    return message["raw"]["contents"]["body"]["contents"][0]["text"]


def test_a_person_who_chose_english_gets_the_check_in_english_and_ok_works(line, clock):
    user = line.new_user("Anna Smith")
    person = line.register(user, "Anna", language="en")
    clock.advance(hours=1)  # 09:00
    line.work()
    check = line.control.messages(user)[-1]
    assert check["altText"] == "Anna, are you well?"
    assert check["buttons"] == ["I'm fine", "Not feeling well", "I want to talk"]
    line.control.tap(user, "I'm fine")
    line.work()
    assert Check.objects.get(person=person).state == "answered"
    assert line.texts(user)[-1] == "Thank you. We are glad you are well."


def test_a_person_chooses_chinese_in_the_chat_and_the_next_check_is_chinese(line, clock):
    user = line.new_user("王芳")
    person = line.register(user, "王芳")
    line.control.text(user, "ことば")
    line.work()
    prompt = line.control.messages(user)[-1]
    assert prompt["text"] == "どの ことばで はなしますか？ えらんでください。"
    assert prompt["quickReplies"] == ["やさしい にほんご", "日本語", "English", "中文", "Tiếng Việt"]
    line.control.tap(user, "中文")
    line.work()
    assert line.texts(user)[-1] == "今后我们将用中文和您联系。"
    assert Person.objects.get(pk=person.pk).language == "zh"
    clock.advance(hours=1)
    line.work()
    check = line.control.messages(user)[-1]
    assert check["altText"] == "王芳，您好吗？"
    assert check["buttons"] == ["我很好", "有点不舒服", "我想聊聊"]


def test_typing_a_language_name_switches_back_to_easy_japanese(line, clock):
    user = line.new_user("山田花子")
    line.register(user, "はなこ", language="en")
    line.control.text(user, "にほんご")
    line.work()
    assert line.texts(user)[-1] == "これから やさしい にほんごで はなします。"
    clock.advance(hours=1)
    line.work()
    assert line.texts(user)[-1] == "はなこさん、げんきですか？"


def test_help_comes_in_the_persons_language(line):
    user = line.new_user("Nguyen Van An")
    line.register(user, "An", language="vi")
    line.control.text(user, "xin chào")
    line.work()
    assert line.texts(user)[-1].startswith("Hãy bấm nút \"Tôi khỏe\".")


def test_a_contact_of_a_vietnamese_speaker_is_told_in_vietnamese_then_japanese(
    line, clock, smtp
):
    user = line.new_user("Nguyen Van An")
    person = line.register(user, "An", language="vi")
    person.contacts.create(
        tenant=person.tenant,
        name="Lan",
        relation="姉",
        email="lan@example.vn",
        confirmed_at=clock.now(),
    )
    for hours in (1, 24, 3, 2, 2):  # check, re-send, staff call, last notice, contacts
        clock.advance(hours=hours)
        line.work()
    assert line.texts(user)[-1] == "An ơi, chúng tôi không liên lạc được với bạn."
    [mail] = [m for rcpt, m in smtp.messages if rcpt == ["lan@example.vn"]]
    body = mail.get_content().replace("\r\n", "\n")
    vietnamese, japanese = body.split("\n――――\n")
    assert "An chưa trả lời tin xác nhận an toàn." in vietnamese
    assert "Nhân viên chưa thể xác nhận qua điện thoại." in vietnamese  # the call expired
    assert "Anさんから安否確認の応答がありません。" in japanese
    assert mail["Subject"].strip() == (
        "[みまもりNPO] Về việc xác nhận an toàn của An / 【みまもりNPO】Anさんの安否確認について"
    )

    line.control.tap(user, "Tôi khỏe")  # on the last notice
    line.work()
    [_, clear] = [m for rcpt, m in smtp.messages if rcpt == ["lan@example.vn"]]
    assert "Đã xác nhận An an toàn." in clear.get_content()
    assert "Chính người đó đã trả lời \"Tôi khỏe\"." in clear.get_content()
    assert "Anさんの安否が確認できました。" in clear.get_content()


def test_identical_checks_in_two_languages_go_out_as_two_multicasts(line, clock):
    steps = [dict(step) for step in INDIVIDUAL_DEFAULT]
    steps[0] = {"after": 0, "action": "send_check", "params": {"message": "identical"}}
    EscalationPolicy.objects.create(
        tenant=line.channel.tenant, name="same for all", steps=steps, is_default=True
    )
    easy = [line.new_user(name) for name in ("山田花子", "佐藤一郎")]
    english = [line.new_user(name) for name in ("Anna", "Ben")]
    for i, user in enumerate(easy):
        line.register(user, f"e{i}")
    for i, user in enumerate(english):
        line.register(user, f"n{i}", language="en")
    line.control.clear_requests()
    clock.advance(hours=1)
    line.work()
    calls = [r for r in line.control.requests() if "/v2/bot/message/" in r.get("path", "")]
    assert [r["path"] for r in calls] == ["/v2/bot/message/multicast"] * 2
    for user in easy:
        assert line.texts(user)[-1] == "げんきですか？"
    for user in english:
        assert line.texts(user)[-1] == "Are you well?"


def test_the_greeting_is_the_same_for_everyone_on_a_day_and_changes_the_next_day(line, clock):
    users = [line.new_user(name) for name in ("山田花子", "佐藤一郎")]
    for i, user in enumerate(users):
        line.register(user, f"p{i}")
    clock.advance(hours=1)  # day 1, 09:00
    line.work()
    day_1 = [first_line(line.control.messages(user)[-1]) for user in users]
    for user in users:
        line.control.tap(user, "げんきです")
    clock.advance(hours=24)  # day 2, 09:00
    line.work()
    day_2 = [first_line(line.control.messages(user)[-1]) for user in users]
    assert day_1[0] == day_1[1] and day_2[0] == day_2[1]
    assert day_1[0] != day_2[0]
    assert line.texts(users[0])[-1] == "p0さん、げんきですか？"  # the question stays


def test_the_ok_typed_in_the_persons_language_answers_the_check(line, clock):
    user = line.new_user("Nguyen Van An")
    person = line.register(user, "An", language="vi")
    clock.advance(hours=1)
    line.work()
    line.control.text(user, "tôi khỏe")
    line.work()
    assert Check.objects.get(person=person).state == "answered"
    assert line.texts(user)[-1] == "Cảm ơn bạn. Chúng tôi yên tâm rồi."


def test_replies_about_settings_contacts_and_consent_follow_the_persons_language():
    """The settings link on request, a contact's yes or no, a schedule changed by
    staff and the withdrawal summary are replies too: in the person's language."""
    from anpi.individual import messages

    link = messages.settings_link_message("https://x.example/s/", welcome=False, language="vi")
    assert link["altText"] == "Hãy mở cài đặt"
    assert link["contents"]["footer"]["contents"][0]["action"]["label"] == "Cài đặt"
    assert messages.contact_accepted_message("Taro", "en")["text"] == (
        "Taro is now your emergency contact."
    )
    assert messages.contact_declined_message("太郎", "zh")["text"].startswith("太郎无法成为")
    withdrawn = messages.consent_withdrawn_message(90, "en")["text"]
    assert "kept for 90 days" in withdrawn and "げんき" not in withdrawn
    assert messages.schedule_changed_by_staff_message("09:00", "ja")["text"] == (
        "スタッフが確認の予定を変えました。\n09:00"
    )
    # The default stays やさしい日本語.
    assert messages.contact_accepted_message("たろう")["text"] == "たろうさんが れんらくさきに なってくれました。"
