"""Every language says everything anpi says, with the same placeholders; a
missing or mismatched text stops anpi at start-up; staff add their own texts
and greetings with ANPI_TEXTS_DIR; the greeting changes by day, not by person."""

from __future__ import annotations

from datetime import date

import pytest

from anpi.engine import greetings, messages, phrases
from anpi.engine.phrases import LANGUAGES, TextsError, load_texts, placeholders, texts
from anpi.people.models import Language


@pytest.fixture
def own_texts(tmp_path, settings):
    """An ANPI_TEXTS_DIR; the texts are read again with it, and again after
    (when pytest-django has put the setting back)."""
    settings.ANPI_TEXTS_DIR = str(tmp_path)
    phrases.texts.cache_clear()
    yield tmp_path
    phrases.texts.cache_clear()


def write(folder, language: str, name: str, toml: str) -> None:
    (folder / language).mkdir(exist_ok=True)
    (folder / language / name).write_text(toml, encoding="utf-8")


def test_the_languages_are_the_ones_a_person_can_choose():
    assert set(LANGUAGES) == set(Language.values)


def test_every_language_has_every_text_of_easy_japanese_with_the_same_placeholders():
    reference = texts().person["easy_ja"]
    for language in LANGUAGES:
        table = texts().person[language]
        assert table.keys() == reference.keys(), language
        for key, template in reference.items():
            assert placeholders(table[key]) == placeholders(template), (language, key)


def test_every_contact_language_has_every_contact_text_of_japanese():
    reference = texts().contact["ja"]
    for language in ("en", "zh", "vi"):
        table = texts().contact[language]
        assert table.keys() == reference.keys(), language
        for key, template in reference.items():
            assert placeholders(table[key]) == placeholders(template), (language, key)


def test_the_graded_answers_have_their_buttons_and_thanks_in_every_language():
    for language in LANGUAGES:
        for key in ("button_unwell", "button_talk", "thanks_unwell", "thanks_talk"):
            assert phrases.say(language, key)
    assert phrases.say("ja", "button_unwell") == "少し不調"
    assert phrases.say("ja", "button_talk") == "話したい"
    assert phrases.say("en", "button_talk") == "I want to talk"


def test_every_language_has_a_greeting_for_every_solar_term_and_season():
    assert greetings.greeting_problems(texts()) == []


def test_a_text_the_other_languages_lack_stops_anpi(own_texts):
    write(own_texts, "easy_ja", "person.toml", 'new_text = "あたらしい ことば"\n')
    with pytest.raises(TextsError, match="person.toml vi: missing 'new_text'"):
        load_texts(own_texts)


def test_a_text_the_reference_lacks_stops_anpi(own_texts):
    write(own_texts, "en", "person.toml", 'new_text = "Only in English"\n')
    with pytest.raises(TextsError, match="person.toml en: 'new_text' is not in easy_ja"):
        load_texts(own_texts)


def test_a_text_with_other_placeholders_stops_anpi(own_texts):
    write(own_texts, "vi", "person.toml", 'check_alt = "Bạn có khỏe không?"\n')
    with pytest.raises(TextsError, match=r"vi: 'check_alt' uses \[\], easy_ja uses \['name'\]"):
        load_texts(own_texts)


def test_a_texts_folder_that_does_not_exist_stops_anpi(tmp_path):
    with pytest.raises(TextsError, match="is not a folder"):
        load_texts(tmp_path / "missing")


def test_staff_change_a_text_for_their_installation(own_texts):
    write(own_texts, "easy_ja", "person.toml", 'thanks = "ありがとう。また あした。"\n')
    assert messages.thanks_message("easy_ja")["text"] == "ありがとう。また あした。"
    assert messages.thanks_message("ja")["text"] == "ありがとうございます。安心しました。"


def test_staff_add_their_own_sayings_to_the_days_greetings(own_texts):
    write(own_texts, "easy_ja", "greetings.toml", 'sayings = ["はやね はやおき。"]\n')
    assert "はやね はやおき。" in greetings.every_greeting("easy_ja")
    assert "わらう かどには ふく きたる。" in greetings.every_greeting("easy_ja")  # kept
    days = [date(2027, 3, 6 + n) for n in range(10)]
    assert "はやね はやおき。" in {greetings.greeting_for(day, "easy_ja") for day in days}


def test_two_days_in_a_row_get_different_greetings_and_one_day_always_the_same():
    for language in LANGUAGES:
        for day in (date(2027, 3, 10), date(2027, 7, 30), date(2027, 11, 29)):
            tomorrow = date.fromordinal(day.toordinal() + 1)
            assert greetings.greeting_for(day, language) != greetings.greeting_for(
                tomorrow, language
            )
            assert greetings.greeting_for(day, language) == greetings.greeting_for(day, language)


def test_the_first_day_of_a_solar_term_greets_with_the_term():
    assert greetings.greeting_for(date(2027, 2, 4), "easy_ja") == (
        "いまは「りっしゅん」。こよみでは はるです。"
    )
    assert greetings.greeting_for(date(2027, 2, 4), "zh") == "现在是立春，春天开始了。"
    assert greetings.solar_term(date(2027, 1, 2)) == ("touji", False)  # 冬至 of last year


def test_a_public_holiday_greets_with_the_holiday():
    assert greetings.greeting_for(date(2027, 9, 20), "easy_ja") == "きょうは けいろうの ひです。"
    assert greetings.greeting_for(date(2027, 9, 20), "en") == "Today is Respect for the Aged Day."
    assert greetings.greeting_for(date(2027, 11, 3), "ja") == "今日は祝日です。"  # 文化の日


def test_contacts_of_a_person_in_easy_japanese_are_told_in_ordinary_japanese():
    assert phrases.contact_language("easy_ja") == "ja"
    assert phrases.contact_language("vi") == "vi"
    assert phrases.contact_language("") == "ja"  # unknown: the default's contacts


def test_the_early_thanks_says_which_check_will_not_come_in_the_persons_language():
    from datetime import UTC, datetime

    from anpi.engine.early import early_thanks_message

    now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)  # 21:00 in Tokyo
    tomorrow = datetime(2027, 3, 2, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    later = datetime(2027, 3, 9, 0, 0, tzinfo=UTC)
    assert early_thanks_message(tomorrow, now, "Asia/Tokyo", "en")["text"] == (
        "Thank you. We are glad you are well.\nWe will not send the check tomorrow."
    )
    assert early_thanks_message(later, now, "Asia/Tokyo", "vi")["text"].endswith(
        "không gửi tin hỏi thăm ngày 9/3."
    )
    assert early_thanks_message(tomorrow, now, "Asia/Tokyo")["text"] == (
        "ありがとうございます。あんしんしました。\nあしたの かくにんは おくりません。"
    )
