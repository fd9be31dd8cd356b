"""What people really type is understood: widths, dashes, long vowels, emoji and
invisible characters, table by table. Pure functions; no database."""

from __future__ import annotations

import re

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anpi.people import linkcodes
from anpi.people.textnorm import (
    InvalidEmail,
    answer_grade_of_text,
    clean_display_name,
    grapheme_length,
    is_ok_text,
    is_settings_text,
    normalize_email,
    normalize_input,
    normalize_phone_text,
)

# The regexes anpi matched with before textnorm (engine/ingest.py at the time of
# writing); every text they accept must still be accepted.
OLD_OK_WORDS = re.compile(r"^\s*(げんき|元気|げんきです|元気です|ok|OK|ＯＫ|はい)\s*[。!！]?\s*$")
OLD_SETTINGS_WORDS = re.compile(r"^\s*(せってい|設定)\s*$")


# --- normalize_input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("ＯＫ", "OK"),
        ("５０１７５１", "501751"),
        ("ｹﾞﾝｷ", "ゲンキ"),
        ("　げんき　", "げんき"),
        ("げんき　　です", "げんき です"),
        ("a\t\n b", "a b"),
        ("090ー1234ー5678", "090-1234-5678"),
        ("090ｰ1234ｰ5678", "090-1234-5678"),
        ("090―1234―5678", "090-1234-5678"),
        ("090−1234−5678", "090-1234-5678"),
        ("090‐1234‐5678", "090-1234-5678"),
        ("090－1234－5678", "090-1234-5678"),
        ("090–1234—5678", "090-1234-5678"),
        ("090﹣1234⁃5678", "090-1234-5678"),
        ("ーー", "--"),
        ("げんきでーす", "げんきでーす"),
        ("オッケー", "オッケー"),
        ("元気ー", "元気ー"),
        ("ｹﾞﾝｷｰ", "ゲンキー"),
        ("", ""),
    ],
)
def test_normalize_input_folds_widths_dashes_and_spaces(typed, expected):
    assert normalize_input(typed) == expected


def test_normalize_input_of_none_is_empty():
    assert normalize_input(None) == ""  # type: ignore[arg-type]


# --- is_ok_text --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "げんき",
        "元気",
        "げんきです",
        "元気です",
        "元気でーす",
        "げんきだよ",
        "げんきだよ〜",
        "げんきだよー",
        "ゲンキ",
        "ｹﾞﾝｷ",
        "ok",
        "OK",
        "Ok",
        "oK",
        "ｏｋ",
        "ＯＫ",
        "okay",
        "OK!",
        "オッケー",
        "おっけー",
        "おっけーです",
        "はい",
        "はーい",
        "はいっ",
        "ハイ",
        "大丈夫",
        "大丈夫です。",
        "だいじょうぶ",
        "ダイジョウブ",
        "だいじょうぶだよ",
        "無事です",
        "げんきです😊",
        "元気です！！",
        "元気です!!!",
        "ok👍",
        "げんきです👍🏽",
        "😊げんきです",
        "元気です☀️",
        "げんきですｗｗ",
        "げんきです(笑)",
        "元気です(^^)",
        "元気です(*^^*)",
        "元気です♪",
        "元気でーす〜〜",
        "げんき です",
        "　げんき　",
        "はい、元気です",
        "はい元気です",
        "今日も元気です",
        "おかげさまで元気にしています",
        "元気です、ありがとう",
        "元気です。ありがとうございます",
        "元気にしてます",
    ],
)
def test_natural_ways_of_saying_fine_count_as_ok(typed):
    assert is_ok_text(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "げんきじゃない",
        "元気ではありません",
        "元気じゃないです",
        "げんきない",
        "元気がない",
        "大丈夫じゃない",
        "だいじょうぶではない",
        "あまり元気ではありません",
        "元気ですか",
        "元気？",
        "大丈夫？",
        "ok?",
        "げんき😢",
        "元気です😷",
        "大丈夫👎",
        "げんき🆘",
        "元気です(T_T)",
        "元気です(;_;)",
        "元気です。でも足が痛いので今日は病院に行きます",
        "たすけて",
        "いいえ",
        "no",
        "not ok",
        "",
        "   ",
        "😊",
        "www",
        "げんきげんき",
        "せってい",
        "501751",
    ],
)
def test_negative_or_unclear_messages_are_not_ok(typed):
    assert not is_ok_text(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "げんき",
        "元気",
        "げんきです",
        "元気です",
        "ok",
        "OK",
        "ＯＫ",
        "はい",
        " はい ",
        "げんき。",
        "元気です!",
        "OK！",
        "\u3000元気です\u3000！\u3000",
    ],
)
def test_everything_the_old_ok_regex_accepted_is_still_ok(typed):
    assert OLD_OK_WORDS.match(typed)
    assert is_ok_text(typed)


# --- is_settings_text ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("せってい", True),
        ("設定", True),
        ("  せってい  ", True),
        ("\u3000設定\u3000", True),
        ("セッテイ", True),
        ("ｾｯﾃｲ", True),
        ("せってい！", True),
        ("設定。", True),
        ("設定?", True),
        ("せってい〜", True),
        ("せってい😊", True),
        ("設定変更", True),
        ("せっていを おねがいします", True),
        ("設定したい", True),
        ("設定しない", False),
        ("せっていが わからない", False),
        ("げんき", False),
        ("", False),
        ("設定" * 30, False),
    ],
)
def test_settings_words_are_recognised(typed, expected):
    assert is_settings_text(typed) is expected


@pytest.mark.parametrize("typed", ["せってい", "設定", " せってい ", "\u3000設定"])
def test_everything_the_old_settings_regex_accepted_still_counts(typed):
    assert OLD_SETTINGS_WORDS.match(typed)
    assert is_settings_text(typed)


# --- contact link codes (people.linkcodes reads them after normalize_input) -----------


@pytest.mark.parametrize(
    "typed",
    ["1234-K7QX2MPA", "1234-K7QX-2MPA", "１２３４－Ｋ７ＱＸ－２ＭＰＡ", "れんらく 1234ーk7qx-2mpa。"],
)
def test_contact_link_codes_are_read_in_any_width_and_case(typed):
    assert linkcodes.parse(typed) == (1234, "K7QX2MPA")


@pytest.mark.parametrize("typed", ["123456", "げんきです", "1234-K7QX2MP", "1234-K7QX2MP1"])
def test_other_text_is_not_a_link_code(typed):
    assert linkcodes.parse(typed) is None


def test_new_link_codes_are_parsed_back():
    for contact_id in (1, 42, 99999):
        code = linkcodes.new_code(contact_id)
        assert linkcodes.parse(code) == (contact_id, code.split("-")[1])
        assert linkcodes.parse(linkcodes.display(code)) == (contact_id, code.split("-")[1])


# --- clean_display_name ------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("山田花子", "山田花子"),
        ("\u202e山田\u202c", "山田"),
        ("\u202d\u202a\u202b山田\u202c", "山田"),
        ("\u2066山田\u2069\u2067\u2068", "山田"),
        ("\u200e山田\u200f\u061c", "山田"),
        ("山\u200b田", "山田"),
        ("山\u200c\u200d田", "山田"),
        ("\ufeff花子\u2060", "花子"),
        ("花\u00ad子", "花子"),
        ("👨\u200d👩\u200d👧", "👨\u200d👩\u200d👧"),  # the joiner builds one emoji
        ("はなこ👍🏽", "はなこ👍🏽"),
        ("ﾔﾏﾀﾞ", "ヤマダ"),
        ("Ｈａｎａｋｏ", "Hanako"),
        ("  山田\u3000 花子 ", "山田 花子"),
        ("山田\n花子\r\n", "山田 花子"),
        ("山田\x00\x1b花子", "山田 花子"),
        ("\ufa19", "\ufa19"),  # a CJK compatibility ideograph stays as written
        ("\u202e\u200b", ""),
        ("", ""),
    ],
)
def test_display_names_lose_invisible_characters(name, expected):
    assert clean_display_name(name) == expected


# --- grapheme_length -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        ("", 0),
        ("はなこ", 3),
        ("abc", 3),
        ("👍", 1),
        ("👍🏽", 1),
        ("👨\u200d👩\u200d👧\u200d👦", 1),
        ("🇯🇵", 1),
        ("か\u3099", 1),  # が with a combining voiced mark
        ("☀️", 1),
        ("1️⃣", 1),
        ("はなこ👍🏽👨\u200d👩\u200d👧", 5),
    ],
)
def test_graphemes_are_what_a_person_counts(text, expected):
    assert grapheme_length(text) == expected


# --- normalize_email -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("taro@example.com", "taro@example.com"),
        ("ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "taro@example.com"),
        ("taro@example。com", "taro@example.com"),
        ("taro＠example．co．jp", "taro@example.co.jp"),
        ("taro@example｡jp", "taro@example.jp"),
        (" taro @ example.com ", "taro@example.com"),
        ("\u3000taro@example.com\u3000", "taro@example.com"),
        ("Taro.Yamada@Example.COM", "Taro.Yamada@example.com"),
        ("taroーyamada@example.jp", "taro-yamada@example.jp"),
        ("taro＿yamada@example.jp", "taro_yamada@example.jp"),
        ("mailto:taro@example.jp", "taro@example.jp"),
    ],
)
def test_email_addresses_typed_in_japanese_are_made_deliverable(typed, expected):
    assert normalize_email(typed) == expected


@pytest.mark.parametrize(
    "typed, code",
    [
        ("やまだ@example.com", "non_ascii_local"),
        ("ｔａｒｏ山田@example.com", "non_ascii_local"),
        ("taro", "invalid"),
        ("taro@", "invalid"),
        ("@example.com", "invalid"),
        ("taro@@example.com", "invalid"),
        ("taro@example", "invalid"),
        ("taro@localhost", "invalid"),
        ("taro@example,com", "invalid"),
        ("taro@exa mple", "invalid"),
        ("", "invalid"),
    ],
)
def test_undeliverable_addresses_are_refused_in_japanese(typed, code):
    with pytest.raises(InvalidEmail) as refused:
        normalize_email(typed)
    assert refused.value.code == code
    assert isinstance(refused.value, ValueError)
    assert "メールアドレス" in str(refused.value)


# --- phone numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "090-1234-5678",
        "09012345678",
        "０９０ー１２３４ー５６７８",
        "090ー1234ー5678",
        "090ｰ1234ｰ5678",
        "090―1234―5678",
        "090−1234−5678",
        "090‐1234‐5678",
        "090－1234－5678",
        "090〜1234〜5678",
        "090 1234 5678",
        "090\u30001234\u30005678",
        "+81 90-1234-5678",
        "+81-90-1234-5678",
        "+819012345678",
        "＋８１９０１２３４５６７８",
        "＋８１　９０ー１２３４ー５６７８",
        "0081-90-1234-5678",
        "００８１９０１２３４５６７８",
        "+81 (0)90-1234-5678",
        "+81 090-1234-5678",
    ],
)
def test_every_way_of_writing_a_mobile_number_parses_to_one_number(typed):
    number = phonenumbers.parse(normalize_phone_text(typed), "JP")
    assert phonenumbers.is_valid_number(number)
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == (
        "+819012345678"
    )


@pytest.mark.parametrize(
    "typed, e164",
    [
        ("03-1234-5678", "+81312345678"),
        ("０３（１２３４）５６７８", "+81312345678"),
        ("+81-3-1234-5678", "+81312345678"),
        ("+1 650 253 0000", "+16502530000"),
    ],
)
def test_landlines_and_foreign_numbers_keep_their_meaning(typed, e164):
    number = phonenumbers.parse(normalize_phone_text(typed), "JP")
    assert phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) == e164


# --- nothing raises on arbitrary text ------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_no_normalizer_raises_on_arbitrary_text(text):
    assert isinstance(normalize_input(text), str)
    assert isinstance(is_ok_text(text), bool)
    assert isinstance(is_settings_text(text), bool)
    parsed = linkcodes.parse(text)
    assert parsed is None or (parsed[0] >= 0 and len(parsed[1]) == linkcodes.SECRET_LENGTH)
    cleaned = clean_display_name(text)
    assert not any(c in cleaned for c in "\u202e\u202d\u2066\u2067\u200b\ufeff\u200f")
    assert grapheme_length(text) <= len(text)
    assert isinstance(normalize_phone_text(text), str)
    try:
        normalize_email(text)
    except InvalidEmail:
        pass


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_normalizing_twice_changes_nothing(text):
    once = normalize_input(text)
    assert normalize_input(once) == once
    cleaned = clean_display_name(text)
    assert clean_display_name(cleaned) == cleaned


@pytest.mark.parametrize(
    "text, grade",
    [
        ("ちょっと ぐあいが わるい", "unwell"),
        ("体調が悪いです", "unwell"),
        ("グアイガワルイ", "unwell"),
        ("はなしたいです", "talk"),
        ("だれかと話したい", "talk"),
        ("ぐあいは わるくない", None),
        ("げんきです", None),
        ("ぐあいが わるい " + "あ" * 40, None),  # a long message: a human reads it
    ],
)
def test_a_short_typed_message_can_say_unwell_or_talk(text, grade):
    assert answer_grade_of_text(text) == grade
