"""The rich menu in each person's language (simulator): choosing a language links
that language's menu to the user, its big button answers the check early just
like 「げんきです」, and やさしい日本語 takes the link away (the default shows)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from tests.conftest import START

from anpi.channels.line import richmenu as line_richmenu
from anpi.engine.models import Check
from anpi.individual.richmenu import menu_spec, sync_person_menu
from anpi.people.models import Person
from anpi.tenants.models import LineChannel

from .test_line_contract import validate
from .test_rich_menu import GENKI, SETTINGS, paid, set_up_menu


def choose(line, user: str, name: str) -> None:
    line.control.text(user, name)
    line.work()


def test_an_english_speakers_menu_says_im_fine_and_answers_the_check_early(line, clock):
    default = set_up_menu(line)
    user = line.new_user("Anna Smith")
    person = line.register(user, "Anna")
    choose(line, user, "English")
    assert Person.objects.get(pk=person.pk).language == "en"

    shown = line.control.rich_menu(user)
    assert shown["linked"] == "user"
    menu = shown["richMenu"]
    assert menu["richMenuId"] != default
    assert menu["chatBarText"] == "I'm fine"
    genki, settings = menu["areas"]
    assert genki["action"] == {
        "type": "postback",
        "data": "anpi:genki:0",  # the same postback as the Japanese menu's
        "displayText": "I'm fine",
        "label": "I'm fine",
    }
    assert settings["action"] == {"type": "message", "text": "settings", "label": "Settings"}
    channel = LineChannel.objects.get(pk=line.channel.pk)
    assert channel.rich_menu_ids == {"en": menu["richMenuId"]}
    assert channel.rich_menu_id == default  # easy_ja stays everyone's default
    for r in line.control.requests():
        if "richmenu" in r["path"]:
            validate(r)

    clock.set(START + timedelta(minutes=-30))  # 07:30, before the 09:00 check
    since = len(line.control.requests())
    assert line.control.tap_rich_menu(user, GENKI)["webhook"]["status"] == 200
    line.work()
    assert line.control.messages(user)[-1]["via"] == "reply"
    clock.set(START + timedelta(hours=1, minutes=5))  # 09:05
    line.work()
    assert paid(line, since) == []
    check = Check.objects.get(person=person, due_at=START + timedelta(hours=1))
    assert (check.state, check.close_reason) == ("answered", "early")

    line.control.tap_rich_menu(user, SETTINGS)  # says "settings": a fresh link
    line.work()
    last = line.control.messages(user)[-1]
    assert last["via"] == "reply" and last["buttons"] == ["Settings"]


def test_a_second_speaker_shares_the_menu_and_easy_japanese_unlinks(line):
    set_up_menu(line)
    anna, bob = line.new_user("Anna"), line.new_user("Bob")
    line.register(anna, "Anna")
    line.register(bob, "Bob")
    choose(line, anna, "English")
    choose(line, bob, "English")
    menu = line.control.rich_menu(anna)["richMenu"]["richMenuId"]
    assert line.control.rich_menu(bob)["richMenu"]["richMenuId"] == menu
    [channel_menus] = line.control.rich_menus()
    assert len(channel_menus["richmenus"]) == 2  # the default and English, once

    choose(line, anna, "やさしい にほんご")
    shown = line.control.rich_menu(anna)
    assert (shown["linked"], shown["richMenu"]["richMenuId"]) == (
        "default",
        line.channel.rich_menu_id,
    )
    assert shown["richMenu"]["chatBarText"] == "げんきです"


@pytest.mark.parametrize(
    ("name", "language", "settings_text"),
    [("中文", "zh", "设置"), ("Tiếng Việt", "vi", "cài đặt"), ("日本語", "ja", "設定")],
)
def test_each_language_gets_its_own_menu_whose_settings_area_is_understood(
    line, name, language, settings_text
):
    set_up_menu(line)
    user = line.new_user("利用者")
    line.register(user, "さん")
    choose(line, user, name)
    menu = line.control.rich_menu(user)["richMenu"]
    assert menu["name"] == menu_spec(language).name
    assert menu["areas"][SETTINGS]["action"]["text"] == settings_text
    line.control.tap_rich_menu(user, SETTINGS)
    line.work()
    assert line.control.messages(user)[-1]["via"] == "reply"
    assert len(line.control.messages(user)[-1]["buttons"]) == 1  # the settings link


def test_a_failing_link_still_changes_the_language(line, caplog):
    set_up_menu(line)
    user = line.new_user("Anna")
    person = line.register(user, "Anna")
    line.control.set_faults([{"endpoint": "richmenu", "status": 500}])
    choose(line, user, "English")
    line.control.clear_faults()
    assert Person.objects.get(pk=person.pk).language == "en"
    assert line.texts(user)[-1] == "From now on, we will write in English."
    assert line.control.rich_menu(user)["linked"] == "default"  # still a working menu
    assert "could not show person" in caplog.text
    assert sync_person_menu(person.pk) is True  # a later try (the next change) works
    assert line.control.rich_menu(user)["richMenu"]["chatBarText"] == "I'm fine"


def test_a_menu_lost_on_lines_side_is_made_again_when_linking(line):
    set_up_menu(line)
    anna, bob = line.new_user("Anna"), line.new_user("Bob")
    line.register(anna, "Anna")
    line.register(bob, "Bob")
    choose(line, anna, "English")
    lost = LineChannel.objects.get(pk=line.channel.pk).rich_menu_ids["en"]
    assert line_richmenu.delete(line.channel.api_host, line.channel.access_token, lost)
    choose(line, bob, "English")
    again = line.control.rich_menu(bob)["richMenu"]["richMenuId"]
    assert again != lost
    assert LineChannel.objects.get(pk=line.channel.pk).rich_menu_ids == {"en": again}


def test_no_menu_on_the_channel_means_no_link(line):
    user = line.new_user("Anna")
    line.register(user, "Anna")
    choose(line, user, "English")
    assert line.control.rich_menu(user)["richMenu"] is None
    assert LineChannel.objects.get(pk=line.channel.pk).rich_menu_ids == {}


@pytest.mark.parametrize("language", ["easy_ja", "ja", "en", "zh", "vi"])
def test_every_languages_labels_fit_their_areas_in_the_image(language):
    from PIL import Image, ImageDraw, ImageFont

    spec = menu_spec(language)
    assert len(spec.chat_bar_text) <= 14
    data = line_richmenu.render_image(spec)
    assert len(data) < line_richmenu.MAX_IMAGE_BYTES
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (2500, 843)
    path = line_richmenu.find_cjk_font()
    draw = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    for area in spec.areas:  # the size render_image ends at fits 86 % of the width
        size = int(area.height * area.text_scale)
        font = ImageFont.truetype(path, size)
        while size > 20 and draw.textlength(area.label, font=font) > area.width * 0.86:
            size = int(size * 0.9)
            font = ImageFont.truetype(path, size)
        assert draw.textlength(area.label, font=font) <= area.width * 0.86
        assert len(area.action.get("label", "")) <= 20
