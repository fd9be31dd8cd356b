"""The 「げんきです」 rich menu end to end: anpi creates and links it through the
official SDK, the phone shows it, and a morning tap makes the day's check free.
The clock starts at 08:00 JST on 2026-12-01; checks are at 09:00."""

from __future__ import annotations

import urllib.request
from datetime import timedelta

from django.core.management import call_command
from tests.conftest import START

from anpi.engine.models import Check
from anpi.individual.richmenu import do_setup_rich_menu
from anpi.linesim.richmenu import png_size
from anpi.tenants.actors import Actor

from .test_line_contract import validate

GENKI, SETTINGS = 0, 1  # the menu's areas


def set_up_menu(line) -> str:
    assert do_setup_rich_menu(line.channel, Actor.system("test"), line.clock.now()) == "created"
    return line.channel.rich_menu_id


def paid(line, since: int = 0) -> list[dict]:
    """Accepted push and multicast requests (what LINE charges for) after ``since``."""
    return [
        r
        for r in line.control.requests()[since:]
        if r["path"] in ("/v2/bot/message/push", "/v2/bot/message/multicast") and r["status"] == 200
    ]


def test_the_menu_is_created_linked_to_everyone_and_every_request_follows_lines_spec(line):
    menu_id = set_up_menu(line)
    user = line.new_user("山田花子")
    shown = line.control.rich_menu(user)
    assert (shown["richMenu"]["richMenuId"], shown["linked"]) == (menu_id, "default")
    assert shown["richMenu"]["chatBarText"] == "げんきです"
    genki, settings = shown["richMenu"]["areas"]
    assert genki["action"] == {
        "type": "postback",
        "data": "anpi:genki:0",
        "displayText": "げんきです",
        "label": "げんきです",
    }
    assert genki["bounds"]["width"] > settings["bounds"]["width"]  # the big button
    assert settings["action"]["text"] == "せってい"

    recorded = [r for r in line.control.requests() if "richmenu" in r["path"]]
    assert {(r["method"], r["path"].split("/")[3]) for r in recorded} >= {
        ("POST", "richmenu"),
        ("POST", "user"),
    }
    assert any(r["path"].endswith("/content") for r in recorded)  # the image, data host
    for r in recorded:
        validate(r)


def test_setting_up_again_changes_nothing_and_the_command_does_every_channel(line, capsys):
    menu_id = set_up_menu(line)
    before = len(line.control.requests())
    assert do_setup_rich_menu(line.channel, Actor.system("test"), line.clock.now()) == "unchanged"
    assert not [r for r in line.control.requests()[before:] if r["method"] != "GET"]
    call_command("richmenu")
    assert f"unchanged {menu_id}" in capsys.readouterr().out
    [channel_menus] = line.control.rich_menus()
    assert [m["richMenuId"] for m in channel_menus["richmenus"]] == [menu_id]


def test_a_menu_lost_on_lines_side_is_made_again(line):
    old = set_up_menu(line)
    line.control.reset()  # LINE forgot everything (a new channel, say)
    line.control.add_channel(
        line.channel.channel_secret,
        line.channel.access_token,
        bot_user_id=line.channel.bot_user_id,
    )
    assert do_setup_rich_menu(line.channel, Actor.system("test"), line.clock.now()) == "created"
    assert line.channel.rich_menu_id != old


def test_the_phone_page_shows_the_menu_image_anpi_drew(line):
    set_up_menu(line)
    user = line.new_user("山田花子")
    url = line.control.rich_menu(user)["imageUrl"]
    with urllib.request.urlopen(line.sim.url + url) as resp:
        image = resp.read()
    assert resp.headers["Content-Type"] == "image/png"
    assert png_size(image) == (2500, 843) and len(image) < 1024 * 1024


def test_a_tap_on_genki_at_0730_means_no_check_at_0900_and_no_paid_message(line, clock):
    set_up_menu(line)
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ")
    clock.advance(hours=1)
    line.work()  # day 1, 09:00: the check as usual
    line.control.tap(user, "げんきです")
    line.work()

    clock.set(START + timedelta(days=1, minutes=-30))  # 12/2 07:30
    since = len(line.control.requests())
    answer = line.control.tap_rich_menu(user, GENKI)
    assert answer["webhook"]["status"] == 200
    line.work()
    assert line.texts(user)[-1] == (
        "ありがとうございます。あんしんしました。\nきょうの かくにんは おくりません。"
    )
    assert line.control.messages(user)[-1]["via"] == "reply"  # free

    clock.set(START + timedelta(days=1, hours=1, minutes=5))  # 09:05
    line.work()
    assert line.texts(user)[-1].startswith("ありがとうございます")  # no check arrived
    assert paid(line, since) == []
    day2 = Check.objects.get(person=person, due_at=START + timedelta(days=1, hours=1))
    assert (day2.state, day2.close_reason) == ("answered", "early")


def test_a_habitual_tapper_costs_no_paid_message_in_a_week(line, clock):
    set_up_menu(line)
    clock.set(START - timedelta(hours=1))  # 07:00 on 12/1
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ")
    for day in range(7):
        clock.set(START + timedelta(days=day, minutes=-30))  # 07:30
        line.control.tap_rich_menu(user, GENKI)
        line.work()
        clock.set(START + timedelta(days=day, hours=1, minutes=5))  # 09:05
        line.work()
    assert paid(line) == []
    assert line.control.channels()[0]["usage"] in ({}, {"2026-12": 0})
    assert Check.objects.filter(person=person, close_reason="early").count() == 7


def test_someone_who_does_not_tap_gets_the_check_as_before(line, clock):
    set_up_menu(line)
    user = line.new_user("山田花子")
    line.register(user, "はなこ")
    clock.advance(hours=1)
    line.work()
    assert line.texts(user)[-1] == "はなこさん、げんきですか？"
    assert len(paid(line)) == 1


def test_the_settings_area_brings_a_fresh_settings_link(line):
    set_up_menu(line)
    user = line.new_user("山田花子")
    line.register(user, "はなこ")
    line.control.tap_rich_menu(user, SETTINGS)
    line.work()
    last = line.control.messages(user)[-1]
    assert last["via"] == "reply" and last["buttons"] == ["せってい する"]
