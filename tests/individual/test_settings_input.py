"""The settings page takes what people really type: full-width letters, dashes made
of long-vowel marks, emoji nicknames, names with invisible characters, e-mail
addresses typed with 「＠」 and 「。」 — and stores one clean form of each."""

from __future__ import annotations

import unicodedata

import pytest
from django.urls import reverse

from anpi.individual.forms import NICKNAME_MAX, ContactForm, SettingsForm
from anpi.individual.links import settings_token
from anpi.people.models import Contact, Person

from .helpers import contact_fields

FAMILY = "👨\u200d👩\u200d👧\u200d👦"  # one grapheme, seven code points


def settings_path(person: Person) -> str:
    return reverse("individual:settings", args=[settings_token(person)])


def reload(person: Person) -> Person:
    return Person.objects.get(pk=person.pk)


def settings_form(**changes) -> SettingsForm:
    data = {
        "nickname": "はなこ",
        "phone": "090-1234-5678",
        "schedule_kind": "interval",
        "interval_days": "1",
        "check_time": "09:00",
        "agree": "on",
        **changes,
    }
    return SettingsForm(data)


def contact_form(**changes) -> ContactForm:
    return ContactForm({"name": "さとう", "relation": "ともだち", **changes})


# --- nickname: counted as a person counts ------------------------------------------------


@pytest.mark.parametrize(
    "nickname",
    [
        "あ" * NICKNAME_MAX,
        "👍🏽" * NICKNAME_MAX,  # 40 code points, 20 characters to the eye
        "はなこ" + FAMILY * 3,
        "か\u3099" * NICKNAME_MAX,  # が written with a combining mark
    ],
)
def test_a_nickname_of_twenty_characters_to_the_eye_is_accepted(nickname):
    form = settings_form(nickname=nickname)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["nickname"] == unicodedata.normalize("NFC", nickname)


@pytest.mark.parametrize("nickname", ["あ" * (NICKNAME_MAX + 1), "👍🏽" * (NICKNAME_MAX + 1)])
def test_a_nickname_of_twenty_one_characters_is_refused(nickname):
    form = settings_form(nickname=nickname)
    assert not form.is_valid()
    assert form.errors["nickname"] == ["ニックネームは 20 もじ までです。"]


def test_a_nickname_of_few_but_very_long_emoji_is_refused_before_the_database_would():
    form = settings_form(nickname=FAMILY * 8)  # 8 characters, 56 code points
    assert not form.is_valid()
    assert "ながすぎます" in form.errors["nickname"][0]


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("\u202eはなこ\u202c", "はなこ"),
        ("は\u200bな\u200bこ", "はなこ"),
        ("\ufeffはなこ\u2066", "はなこ"),
        ("ﾊﾅｺ", "ハナコ"),
        ("Ｈａｎａｋｏ", "Hanako"),
        ("　はなこ　", "はなこ"),
    ],
)
def test_a_nickname_loses_invisible_characters_and_width(typed, stored):
    form = settings_form(nickname=typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["nickname"] == stored


@pytest.mark.parametrize("typed", ["\u202e\u202c", "\u200b\u200b", "\u3000", "\ufeff \u2060"])
def test_a_nickname_of_invisible_characters_only_is_missing(typed):
    form = settings_form(nickname=typed)
    assert not form.is_valid()
    assert form.errors["nickname"] == ["ニックネームを かいてください。"]


def test_the_page_counts_graphemes_like_the_server(client, newcomer):
    html = client.get(settings_path(newcomer)).content.decode()
    assert f'data-max-graphemes="{NICKNAME_MAX}"' in html
    assert 'data-too-long="ニックネームは 20 もじ までです。"' in html
    assert "Intl.Segmenter" in html and 'granularity: "grapheme"' in html
    assert 'maxlength="20"' not in html  # the browser would count UTF-16 units


def test_the_page_counter_warns_in_english_on_an_english_page(client, newcomer):
    html = client.get(settings_path(newcomer), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-too-long="' in html
    assert 'data-too-long="ニックネーム' not in html


def test_an_emoji_nickname_is_saved_through_the_page(client, newcomer, form_data):
    form_data.update(nickname="はなこ👍🏽" + FAMILY)
    response = client.post(settings_path(newcomer), form_data)
    assert response.status_code == 302
    assert reload(newcomer).nickname == "はなこ👍🏽" + FAMILY


# --- phone numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    [
        "090ー1234ー5678",
        "090ｰ1234ｰ5678",
        "090―1234―5678",
        "090−1234−5678",
        "090‐1234‐5678",
        "０９０－１２３４－５６７８",
        "０９０ー１２３４ー５６７８",
        "090〜1234〜5678",
        "090　1234　5678",
        "+81 90-1234-5678",
        "＋８１　９０ー１２３４ー５６７８",
        "0081-90-1234-5678",
        "+81 (0)90-1234-5678",
    ],
)
def test_every_way_of_typing_a_phone_number_is_stored_once(typed):
    form = settings_form(phone=typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["phone"] == "+819012345678"
    contact = contact_form(phone=typed)
    assert contact.is_valid(), contact.errors
    assert contact.cleaned_data["phone"] == "+819012345678"


@pytest.mark.parametrize("typed", ["12345", "ーーー", "090-1234", "でんわ", "0081"])
def test_a_wrong_phone_number_is_still_refused(typed):
    form = settings_form(phone=typed)
    assert not form.is_valid()
    assert "でんわばんごうが ただしく ありません" in form.errors["phone"][0]


# --- contacts: names and e-mail ------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("sato@example.com", "sato@example.com"),
        ("ｓａｔｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "sato@example.com"),
        ("sato@example。co。jp", "sato@example.co.jp"),
        (" sato @ Example.COM ", "sato@example.com"),
        ("satoーhanako@example.jp", "sato-hanako@example.jp"),
    ],
)
def test_an_email_typed_in_japanese_is_normalised(typed, stored):
    form = contact_form(email=typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == stored


@pytest.mark.parametrize(
    "typed, message",
    [
        ("さとう@example.com", "@ の まえには、えいすうじ だけを つかってください"),
        ("sato", "メールアドレスが ただしく ありません"),
        ("sato@example", "メールアドレスが ただしく ありません"),
        ("sato@@example.com", "メールアドレスが ただしく ありません"),
        ("sato@example,com", "メールアドレスが ただしく ありません"),
    ],
)
def test_an_undeliverable_email_is_refused_in_japanese(typed, message):
    form = contact_form(email=typed)
    assert not form.is_valid()
    assert message in form.errors["email"][0]


@pytest.mark.parametrize(
    "field, typed, stored",
    [
        ("name", "\u202eさとう\u202c", "さとう"),
        ("name", "さ\u200bとう", "さとう"),
        ("name", "ｻﾄｳ", "サトウ"),
        ("relation", "\u2067むすめ\u2069", "むすめ"),
    ],
)
def test_a_contacts_name_and_relation_lose_invisible_characters(field, typed, stored):
    form = contact_form(**{field: typed, "phone": "090-1111-2222"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data[field] == stored


def test_a_contact_named_with_invisible_characters_only_has_no_name():
    form = contact_form(name="\u202e\u200b", phone="090-1111-2222")
    assert not form.is_valid()
    assert "なまえを かいてください" in form.errors["name"][0]


def test_a_full_width_email_contact_is_saved_through_the_page(client, newcomer, form_data):
    form_data.update(
        contact_fields(
            0, name="\u202eさとう", relation="ともだち", email="ｓａｔｏ＠ｅｘａｍｐｌｅ．ｃｏｍ"
        )
    )
    response = client.post(settings_path(newcomer), form_data)
    assert response.status_code == 302
    contact = Contact.objects.get(person=newcomer)
    assert contact.email == "sato@example.com"
    assert contact.name == "さとう"


def test_a_japanese_email_gets_its_error_on_the_page_and_nothing_is_saved(
    client, newcomer, form_data
):
    form_data.update(
        contact_fields(0, name="さとう", relation="ともだち", email="さとう@example.com")
    )
    response = client.post(settings_path(newcomer), form_data)
    assert response.status_code == 200
    assert "@ の まえには、えいすうじ だけを つかってください" in response.content.decode()
    assert not Contact.objects.filter(person=newcomer).exists()


def test_the_email_error_is_english_on_an_english_page(client, newcomer, form_data):
    form_data.update(
        contact_fields(0, name="さとう", relation="ともだち", email="さとう@example.com")
    )
    html = client.post(
        settings_path(newcomer), form_data, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Before the @, please use only Latin letters and numbers." in html
