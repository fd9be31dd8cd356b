"""A graded answer in a real browser: on the phone page the check shows the big
「げんきです」 first and 「はなしたい」 small below it; a tap on 「はなしたい」 is
thanked, and staff find her under 「フォローアップ（緊急ではありません）」,
apart from the emergencies, with 話せた / つながらない / メモ."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from anpi.engine.worker import run_until_idle
from conftest import totp_code

from .test_first_check import after_webhook


def test_a_person_asks_to_talk_and_staff_see_a_follow_up_apart_from_emergencies(
    page, sim, live_server, line, clock, operator
):
    user = line.new_user("山田花子")
    line.register(user, "はなこ")
    clock.advance(timedelta(hours=1))
    run_until_idle(clock)

    page.goto(sim.url + "/")
    page.locator("#user-list").get_by_text("山田花子").click()
    expect(page.locator("#messages")).to_contain_text("はなこさん")
    big = page.get_by_role("button", name="げんきです").last
    talk = page.get_by_role("button", name="はなしたい").last
    assert big.bounding_box()["y"] < talk.bounding_box()["y"]  # the big one first
    assert big.bounding_box()["height"] > talk.bounding_box()["height"]
    talk.click()
    after_webhook(clock, "postback")
    expect(page.locator("#messages")).to_contain_text("かかりの ひとから れんらくします")

    staff = page.context.new_page()
    staff.goto(live_server.url + "/login/")
    staff.fill("input[name=username]", "operator")
    staff.fill("input[name=password]", "correct horse battery")
    staff.get_by_role("button", name="ログイン").click()
    staff.fill("input[name=code]", totp_code(operator))
    staff.get_by_role("button", name="ログイン").click()
    staff.goto(live_server.url + "/")
    section = staff.locator("section.follow-ups")
    expect(section.locator("#follow-up-title")).to_contain_text(
        "フォローアップ（緊急ではありません）"
    )
    expect(section).to_contain_text("はなこ")
    for label in ("話せた", "つながらない", "メモ"):
        expect(section.get_by_role("button", name=label, exact=True)).to_be_visible()
    staff.screenshot(path="/tmp/anpi-follow-up.png", full_page=True)
