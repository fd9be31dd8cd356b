"""The first message after a follow speaks the language of the person's LINE app
(LINE's profile ``language``), when anpi speaks it: the greeting, its buttons, the
settings page the greeting opens, and everything after. Japanese, a language anpi
lacks, no language shared, or a profile LINE does not give: the greeting of today,
in やさしい日本語."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from tests.individual.helpers import management

from anpi.engine.models import Inbox, TimelineEntry
from anpi.people.models import Person

from .test_line_contract import validate
from .test_rich_menu import set_up_menu

BASE = "http://127.0.0.1:8000"
EASY_JA_WELCOME = (
    "ともだち ついか ありがとうございます。\nこれから ときどき「げんきですか？」と ききます。\n"
    "まず せっていを してください。"
)


def settings_form(**fields: str) -> dict:
    """A complete settings form, as a person fills it in."""
    return {
        "nickname": "Anna",
        "phone": "090-1234-5678",
        "schedule_kind": "interval",
        "interval_days": "1",
        "check_time": "09:00",
        "agree": "on",
        **management(),
        **fields,
    }


def intro(message: dict) -> str:
    return message["raw"]["contents"]["body"]["contents"][0]["text"]


def person_of(user: str) -> Person:
    return Person.objects.get(line_user_id=user)


def test_a_person_whose_line_is_in_english_is_greeted_in_english_and_the_page_opens_in_english(
    line,
):
    user = line.new_user("Anna Smith", language="en")
    person = person_of(user)
    assert person.language == "en" and person.status == "registering"
    [greeting] = line.control.messages(user)
    assert greeting["via"] == "reply"
    assert greeting["altText"] == "Please open your settings"
    assert intro(greeting) == (
        "Thank you for adding us as a friend.\n"
        'From now on, we will sometimes ask "Are you well?"\n'
        "First, please choose your settings."
    )
    assert greeting["buttons"] == ["Settings", "Be someone's contact"]
    for request in line.control.requests():  # the profile read and the English reply
        validate(request)

    uri = line.control.tap(user, "Settings")["uri"]
    assert uri.startswith(f"{BASE}/p/s/") and uri.endswith("?lang=en")
    html = Client().get(uri.removeprefix(BASE), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert '<html lang="en">' in html and "Watch-over settings" in html
    assert "みまもりの せってい" not in html
    assert re.search(r'value="en"[^>]*checked', html)  # what LINE speaks: English too
    [entry] = TimelineEntry.objects.filter(person=person, kind="language")
    assert entry.data["via"] == "line_profile" and entry.data["line_language"] == "en"


def test_the_menu_under_the_chat_is_english_from_the_follow_on(line):
    default = set_up_menu(line)
    user = line.new_user("Anna Smith", language="en")
    shown = line.control.rich_menu(user)
    assert shown["linked"] == "user" and shown["richMenu"]["richMenuId"] != default
    assert shown["richMenu"]["chatBarText"] == "I'm fine"
    japanese = line.new_user("山田花子", language="ja")
    assert line.control.rich_menu(japanese)["richMenu"]["richMenuId"] == default


def test_the_english_page_saves_and_says_done_in_english_and_the_visitors_choice_wins(line):
    user = line.new_user("Anna Smith", language="en-GB")
    uri = line.control.tap(user, "Settings")["uri"].removeprefix(BASE)
    browser = Client()
    done = browser.post(uri, settings_form(language="en"), follow=True).content.decode()
    assert "Your settings are saved" in done and '<html lang="en">' in done
    line.work()
    assert line.texts(user)[-1].startswith("Your settings are saved.")
    used = Client().get(uri)  # the link was used up: said in English to another browser too
    assert used.status_code == 404 and '<html lang="en">' in used.content.decode()

    # The page's own switch (a cookie) wins over the link's language.
    line.control.text(user, "settings")
    line.work()
    again = line.control.tap(user, "Settings")["uri"].removeprefix(BASE)
    browser.post("/i18n/setlang/", {"language": "ja", "next": again})
    assert "せっていを かえる" in browser.get(again).content.decode()


@pytest.mark.parametrize("language", [None, "ja", "ja-JP", "ko", "fr-CA"])
def test_a_profile_without_a_language_anpi_speaks_gets_the_japanese_greeting(line, language):
    user = line.new_user("山田花子", language=language)
    assert person_of(user).language == "easy_ja"
    [greeting] = line.control.messages(user)
    assert intro(greeting) == EASY_JA_WELCOME
    assert greeting["altText"] == "せっていを してください"
    assert greeting["buttons"] == ["せってい する", "だれかの れんらくさきに なる"]
    uri = line.control.tap(user, "せってい する")["uri"]
    assert "?" not in uri
    assert not TimelineEntry.objects.filter(person=person_of(user), kind="language").exists()


def test_a_profile_line_cannot_give_still_brings_the_japanese_greeting(line):
    line.control.set_faults([{"endpoint": "profile", "status": 500}])
    user = line.new_user("Anna Smith", language="en")
    assert Inbox.objects.filter(processed_at__isnull=True).count() == 0  # the follow is handled
    person = person_of(user)
    assert person.status == "registering" and person.language == "easy_ja"
    assert person.display_name == ""  # LINE did not say: nothing made up
    [greeting] = line.control.messages(user)
    assert greeting["via"] == "reply"
    assert intro(greeting) == EASY_JA_WELCOME
    assert any(r["path"].startswith("/v2/bot/profile/") for r in line.control.requests())


@pytest.mark.parametrize(
    "tag, language, buttons, first_line",
    [
        ("zh-Hans", "zh", ["设置", "成为他人的紧急联系人"], "感谢您添加好友。"),
        ("zh-TW", "zh", ["设置", "成为他人的紧急联系人"], "感谢您添加好友。"),
        ("vi-VN", "vi", ["Cài đặt", "Làm người liên lạc"], "Cảm ơn bạn đã kết bạn."),
    ],
)
def test_chinese_and_vietnamese_lines_are_greeted_in_anpis_chinese_and_vietnamese(
    line, tag, language, buttons, first_line
):
    user = line.new_user("王芳", language=tag)
    assert person_of(user).language == language
    [greeting] = line.control.messages(user)
    assert greeting["buttons"] == buttons
    assert intro(greeting).split("\n")[0] == first_line
    uri = line.control.tap(user, buttons[0])["uri"]
    assert "?" not in uri  # the pages have no Chinese or Vietnamese: the browser decides


def test_the_english_contact_button_is_understood_and_answered_in_english(line):
    user = line.new_user("Anna Smith", language="en")
    line.control.tap(user, "Be someone's contact")
    line.work()
    said = line.control.messages(user, include_user=True)[-2]
    assert said["text"] == "Be a contact"
    assert line.control.messages(user)[-1]["text"] == (
        'Please send the "contact code" (e.g. 1234-ABCD-EFGH)\n'
        "from the e-mail you got, or that our staff told you."
    )


def test_the_japanese_contact_button_still_gets_the_japanese_answer(line):
    user = line.new_user("山田花子")
    line.control.tap(user, "だれかの れんらくさきに なる")
    line.work()
    assert line.texts(user)[-1].startswith("みまもる かたから とどいた メールや")


def test_a_language_the_person_chose_is_kept_when_they_follow_again(line):
    user = line.new_user("王芳")
    line.control.text(user, "中文")
    line.work()
    assert person_of(user).language == "zh"
    line.control.block(user)
    line.work()
    line.control.update_user(user, language="en")  # then the phone went English
    line.control.unblock(user)
    line.work()
    assert person_of(user).language == "zh"
    assert line.control.messages(user)[-1]["buttons"] == ["设置", "成为他人的紧急联系人"]


def test_a_registering_person_who_never_chose_gets_the_line_language_when_they_come_back(line):
    user = line.new_user("Anna Smith")
    line.control.block(user)
    line.work()
    line.control.update_user(user, language="en")
    line.control.unblock(user)
    line.work()
    assert person_of(user).language == "en"
    assert line.control.messages(user)[-1]["buttons"] == ["Settings", "Be someone's contact"]


def test_a_registered_persons_language_never_follows_the_line_app(line):
    user = line.new_user("山田花子")
    line.register(user, "はなこ")
    line.control.block(user)
    line.work()
    line.control.update_user(user, language="en")
    line.control.unblock(user)
    line.work()
    assert person_of(user).language == "easy_ja"
    assert line.texts(user)[-1] == "おかえりなさい。また「げんきですか？」と ききますね。"
