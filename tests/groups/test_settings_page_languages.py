"""The group's schedule page (reached from 「せってい」 in the group chat) is in
やさしい日本語 by default and in English on request, errors included; looking at
it, or switching its language, does not use up the one-time link."""

from __future__ import annotations

import pytest
from django.urls import reverse

from anpi.groups.links import group_settings_token
from anpi.groups.models import Group


@pytest.fixture
def group(tenant, channel, clock):
    return Group.objects.create(
        tenant=tenant,
        channel=channel,
        line_group_id="C" + "3" * 32,
        name="ひだまりの会",
        joined_at=clock.now(),
    )


def settings_path(group: Group) -> str:
    return reverse("groups:settings", args=[group_settings_token(group)])


def test_the_group_settings_page_is_japanese_by_default_and_english_on_request(client, group):
    url = settings_path(group)
    ja = client.get(url).content.decode()
    assert "「ひだまりの会」の かくにん" in ja
    assert "いつ きく？" in ja and "ようびを えらぶ" in ja and "まいにち" in ja
    assert ">きめる</button>" in ja

    en = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in en
    assert "Checks for “ひだまりの会”" in en
    assert "When should we ask?" in en and "Every 3 days" in en and "Every day" in en
    assert ">Save</button>" in en
    assert "きめる" not in en and "まいにち" not in en


def test_group_form_errors_come_in_the_active_language(client, group):
    url = settings_path(group)
    data = {"schedule_kind": "weekdays", "check_time": "9時"}
    ja = client.post(url, data).content.decode()
    assert "ようびを 1つ いじょう えらんでください。" in ja
    assert "じかんの かたちが ちがいます" in ja
    en = client.post(url, data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Please choose at least one weekday." in en
    assert "That is not a time (e.g. 9:00)." in en


def test_the_done_page_tells_the_schedule_in_the_active_language(client, group):
    data = {"schedule_kind": "weekdays", "weekdays": ["0", "2"], "check_time": "09:00"}
    en = client.post(settings_path(group), data, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The same words as the chat (people.schedule_words): the time as it is asked.
    assert "The bot will ask “ひだまりの会” every week on Mon" in en and "Wed 9:00." in en

    group.refresh_from_db()
    ja = client.post(settings_path(group), data).content.decode()
    assert "「ひだまりの会」に まいしゅう げつ・すい の 9:00 に ききます。" in ja


def test_switching_the_language_does_not_use_up_the_group_link(client, group):
    url = settings_path(group)
    page = client.get(url).content.decode()
    assert 'action="/i18n/setlang/"' in page
    switched = client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert switched.status_code == 302 and switched["Location"] == url
    assert "When should we ask?" in client.get(url).content.decode()
    saved = client.post(
        url, {"schedule_kind": "interval", "interval_days": "1", "check_time": "9:00"}
    )
    assert saved.status_code == 200 and "Saved" in saved.content.decode()
    assert client.get(url).status_code == 410  # only the save used it up
