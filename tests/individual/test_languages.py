"""The mobile pages of 見守られる人 and their contacts keep their やさしい日本語 by
default and come in plain English on request, validation errors included. The
language switch on the page does not use up the one-time settings link."""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import reverse

from anpi.engine.models import Outbox, TimelineEntry
from anpi.individual.links import settings_token
from anpi.people.models import Contact, Person

from .helpers import contact_fields


def settings_path(person: Person) -> str:
    return reverse("individual:settings", args=[settings_token(person)])


def nonce_of(person: Person) -> str:
    return Person.objects.get(pk=person.pk).settings_nonce


def test_the_settings_page_is_japanese_by_default(client, newcomer):
    html = client.get(settings_path(newcomer)).content.decode()
    assert '<html lang="ja">' in html
    assert "みまもりの せってい" in html
    assert "ニックネーム" in html and "ほぞん する" in html
    assert "Nickname" not in html


def test_the_settings_page_is_english_on_request(client, newcomer):
    html = client.get(settings_path(newcomer), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in html
    assert "Watch-over settings" in html
    assert "Nickname" in html and "Your phone number" in html
    assert "Every day" in html and "Once a week" in html and "Mon" in html
    assert "This service asks you on LINE whether you are well." in html  # the terms
    assert ">Save</button>" in html
    assert "ニックネーム" not in html and "ほぞん する" not in html


def test_the_language_cookie_chooses_english_too(client, newcomer):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert "Watch-over settings" in client.get(settings_path(newcomer)).content.decode()


def test_settings_errors_come_in_the_active_language(client, newcomer, form_data):
    form_data.update(
        nickname="", phone="12345", **contact_fields(0, name="さとう", relation="ともだち")
    )
    ja = client.post(settings_path(newcomer), form_data).content.decode()
    assert "ニックネームを かいてください。" in ja
    assert "でんわばんごうが ただしく ありません。" in ja
    assert "でんわばんごうか メールアドレスの どちらかを かいてください。" in ja

    en = client.post(settings_path(newcomer), form_data, HTTP_ACCEPT_LANGUAGE="en")
    html = en.content.decode()
    assert "Please write your nickname." in html
    assert "This phone number is not right. Example: 090-1234-5678" in html
    assert "Please write a phone number or an email address." in html
    assert "Some things need fixing." in html


def test_the_language_switch_does_not_use_up_the_settings_link(client, newcomer, form_data):
    path = settings_path(newcomer)
    nonce = nonce_of(newcomer)
    page = client.get(path).content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert f'name="next" value="{path}"' in page

    switched = client.post("/i18n/setlang/", {"language": "en", "next": path})
    assert switched.status_code == 302 and switched["Location"] == path
    assert nonce_of(newcomer) == nonce
    assert "Watch-over settings" in client.get(path).content.decode()
    assert nonce_of(newcomer) == nonce

    client.post("/i18n/setlang/", {"language": "ja", "next": path})
    assert "みまもりの せってい" in client.get(path).content.decode()
    assert nonce_of(newcomer) == nonce

    assert client.post(path, form_data).status_code == 302
    assert nonce_of(newcomer) != nonce  # only the save used the link up
    assert client.__class__().get(path).status_code == 404  # used up for any other browser


def test_the_done_page_summary_is_english_but_line_and_the_timeline_stay_japanese(
    client, newcomer, form_data
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(settings_path(newcomer), form_data, follow=True)
    html = response.content.decode()
    assert "Your settings are saved" in html
    assert "We will ask every day at 9:00." in html
    entry = TimelineEntry.objects.get(person=newcomer, kind="registered")
    assert "まいにち 9:00 に ききます。" in entry.data["summary"]
    line_text = Outbox.objects.get(purpose="registered").payload["messages"][0]["text"]
    assert "まいにち 9:00 に ききます" in line_text


def test_the_contact_consent_page_is_japanese_by_default_and_english_on_request(
    client, newcomer, form_data
):
    form_data.update(contact_fields(0, name="さとう", relation="ともだち", email="s@example.com"))
    assert client.post(settings_path(newcomer), form_data).status_code == 302
    path = reverse("individual:contact-confirm", args=[Contact.objects.get(person=newcomer).token])

    ja = client.get(path).content.decode()
    assert "はなこさんの緊急連絡先のお願い" in ja
    assert "緊急連絡先とは" in ja and "引き受ける" in ja

    en = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "はなこ asks you to be an emergency contact" in en
    assert "What an emergency contact does" in en
    assert ">Accept</button>" in en and ">Decline</button>" in en
    assert "引き受ける" not in en


def test_the_person_chooses_the_language_anpi_speaks_on_line(client, newcomer, form_data):
    page = client.get(settings_path(newcomer)).content.decode()
    assert "LINEで はなす ことば" in page
    assert "Tiếng Việt" in page and "中文" in page and "English" in page
    form_data["language"] = "vi"
    assert client.post(settings_path(newcomer), form_data).status_code == 302
    assert Person.objects.get(pk=newcomer.pk).language == "vi"
    line_text = Outbox.objects.get(purpose="registered").payload["messages"][0]["text"]
    assert line_text.startswith("Đã lưu cài đặt.")


def test_the_line_language_is_not_the_language_of_the_page(client, newcomer, form_data):
    form_data["language"] = "en"
    client.post(settings_path(newcomer), form_data, HTTP_ACCEPT_LANGUAGE="ja")
    person = Person.objects.get(pk=newcomer.pk)
    assert person.language == "en"
    line_text = Outbox.objects.get(purpose="registered").payload["messages"][0]["text"]
    assert line_text.startswith("Your settings are saved.\nWe will ask every day at 9:00.")
    page = client.get(settings_path(person)).content.decode()
    assert '<html lang="ja">' in page  # the page keeps its own language
    assert re.search(r'value="en"[^>]*checked', page)  # the choice shows as made


def test_a_language_that_does_not_exist_is_refused_and_nothing_is_saved(
    client, newcomer, form_data
):
    form_data["language"] = "klingon"
    html = client.post(settings_path(newcomer), form_data).content.decode()
    assert "ことばを えらびなおしてください。" in html
    person = Person.objects.get(pk=newcomer.pk)
    assert person.language == "easy_ja" and person.consent_at is None


def test_a_language_chosen_on_the_page_links_its_rich_menu_after_the_commit(
    client, newcomer, form_data, monkeypatch, django_capture_on_commit_callbacks
):
    from anpi.individual import richmenu

    synced: list[int] = []
    monkeypatch.setattr(richmenu, "sync_person_menu", synced.append)
    form_data["language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(settings_path(newcomer), form_data).status_code == 302
    assert synced == [newcomer.pk]  # individual.richmenu: HTTP only after the commit

    synced.clear()  # the same language again: nothing to link
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(settings_path(Person.objects.get(pk=newcomer.pk)), form_data)
    assert again.status_code == 302 and synced == []
