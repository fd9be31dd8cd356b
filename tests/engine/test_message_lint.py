"""Every check message, in every language and with every greeting, stays short:
at most three short lines and one large button that never moves; やさしい日本語
uses no kanji beyond the first grade's (engine/texts/easy_ja_kanji.toml)."""

from __future__ import annotations

import tomllib
import unicodedata
from datetime import date, timedelta
from typing import Any

import pytest
import regex

from anpi.engine import messages
from anpi.engine.greetings import every_greeting, greeting_for
from anpi.engine.phrases import BUILTIN_DIR, LANGUAGES, texts

MAX_LINES = 3
MAX_WIDTH = 48  # columns: a wide (CJK) character counts 2, so 24 kana or 48 letters
NAME = "はなこ"  # a typical nickname; names are the person's own and not linted
YEAR = [date(2027, 1, 1) + timedelta(days=n) for n in range(365)]


def width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def grade_1_kanji() -> set[str]:
    with (BUILTIN_DIR / "easy_ja_kanji.toml").open("rb") as fh:
        return set("".join(tomllib.load(fh)["grade_1"].split()))


def kanji_in(text: str) -> set[str]:
    return set(regex.findall(r"\p{Han}", text))


def lines_of(message: dict[str, Any]) -> list[str]:
    body = message["contents"]["body"]["contents"]
    assert all(part["type"] == "text" for part in body), "only text in the body"
    return [line for part in body for line in part["text"].split("\n")]


def footer_shape(message: dict[str, Any]) -> list[dict[str, Any]]:
    """The footer with the button's words taken out: what must never change."""
    footer = message["contents"]["footer"]
    shape = []
    for part in footer["contents"]:
        action = {k: v for k, v in part["action"].items() if k not in ("label", "displayText")}
        shape.append({**{k: v for k, v in part.items() if k != "action"}, "action": action})
    return [{"layout": footer["layout"]}, *shape]


def check_messages(language: str, day: date) -> list[dict[str, Any]]:
    return [
        messages.check_message(NAME, 7, language=language, day=day),
        messages.identical_check_message(language=language, day=day),
        messages.resend_message(NAME, 7, language=language, day=day),
        messages.last_notice_message(NAME, 7, language=language),
    ]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_check_message_has_at_most_three_short_lines_and_one_big_button(language):
    """One large button first (the one tap most people need); the graded answers
    (少し不調 / 話したい) follow as two small link-style buttons."""
    for day in YEAR:
        for message in check_messages(language, day):
            lines = lines_of(message)
            assert len(lines) <= MAX_LINES, lines
            for line in lines:
                assert width(line) <= MAX_WIDTH, f"{language} {day}: too long: {line!r}"
            button, *smaller = message["contents"]["footer"]["contents"]
            assert button["type"] == "button" and button["style"] == "primary"
            assert button["height"] == "md"
            assert len(button["action"]["label"]) <= 20
            assert [b["action"]["data"].split(":")[1] for b in smaller] == ["unwell", "talk"]
            for small in smaller:
                assert (small["style"], small["height"]) == ("link", "sm")
                assert len(small["action"]["label"]) <= 20
            assert len(message["altText"]) <= 400  # LINE's limit


def test_the_check_button_never_moves_whatever_the_day_or_language():
    first = footer_shape(messages.check_message(NAME, 7, language="easy_ja", day=YEAR[0]))
    for language in LANGUAGES:
        for day in YEAR:
            message = messages.check_message(NAME, 7, language=language, day=day)
            assert footer_shape(message) == first
            assert message["contents"]["footer"]["contents"][0]["action"]["data"] == "anpi:ok:7"


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_greeting_is_said_in_a_year_and_fits_on_one_short_line(language):
    said = {greeting_for(day, language) for day in YEAR}
    for line in every_greeting(language):
        assert "\n" not in line and width(line) <= MAX_WIDTH, line
    holiday_lines = set(texts().greetings[language]["holidays"].values())
    # Every line but the holiday lines of holidays that 2027 lacks is used.
    assert set(every_greeting(language)) - said <= holiday_lines


def test_easy_japanese_uses_no_kanji_beyond_the_first_grade():
    allowed = grade_1_kanji()
    assert len(allowed) == 80
    written = list(texts().person["easy_ja"].values()) + every_greeting("easy_ja")
    # language_words may name a language in kanji so that it is recognised when typed;
    # they are never shown to the person.
    written.remove(texts().person["easy_ja"]["language_words"])
    for text in written:
        assert kanji_in(text) <= allowed, f"kanji {kanji_in(text) - allowed} in {text!r}"
    for day in YEAR:
        for message in check_messages("easy_ja", day):
            shown = " ".join(lines_of(message)) + message["altText"]
            assert kanji_in(shown) <= allowed, shown


# --- The follow greeting (individual.messages), in every language ---------------------------

GREETING_LINES = 3
GREETING_WIDTH = 72  # columns: a phone shows it on two rows at most; the Japanese fits


def greetings(language: str) -> list[dict[str, Any]]:
    from anpi.individual import messages as individual

    return [
        individual.settings_link_message("https://x.example/s/", welcome=True, language=language),
        individual.invite_code_greeting(language),
        individual.become_contact_help_message(language),
    ]


def shown_lines(message: dict[str, Any]) -> list[str]:
    text = message["text"] if message["type"] == "text" else "\n".join(lines_of(message))
    return text.split("\n")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_follow_greeting_is_short_and_its_buttons_fit_lines_limits(language):
    for message in greetings(language):
        lines = shown_lines(message)
        assert len(lines) <= GREETING_LINES, lines
        for line in lines:
            assert width(line) <= GREETING_WIDTH, f"{language}: too long: {line!r}"
    welcome = greetings(language)[0]
    assert len(welcome["altText"]) <= 400
    settings, contact = welcome["contents"]["footer"]["contents"]
    assert settings["style"] == "primary"  # the one big button: to the settings
    assert (contact["style"], contact["height"]) == ("link", "sm")
    for button in (settings, contact):
        assert 0 < len(button["action"]["label"]) <= 20  # LINE: 20 (40 in Flex)
    assert 0 < len(contact["action"]["text"]) <= 300


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_contact_buttons_words_are_understood_and_taken_for_nothing_else(language):
    """What the greeting's second button says in the chat is recognised in every
    language, and is no other command: not OK, not a language, not settings."""
    from anpi.individual import language as chat
    from anpi.people.textnorm import is_ok_text, is_settings_text

    [welcome, *_] = greetings(language)
    said = welcome["contents"]["footer"]["contents"][1]["action"]["text"]
    assert chat.says_word(said, "word_become_contact")
    assert chat.language_named(said) is None
    assert not is_ok_text(said) and not is_settings_text(said)
    for other in ("button_ok", "word_settings", "word_language", "word_away", "word_away_end"):
        assert not chat.says_word(said, other), other
