"""The phone page shows the channel's rich menu; a morning tap on its 「げんきです」
answers the day's check in advance, and no check arrives at nine."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect
from tests.browser.test_first_check import after_webhook

from anpi.engine.worker import run_until_idle
from anpi.individual.richmenu import do_setup_rich_menu
from anpi.tenants.actors import Actor


def test_a_morning_tap_on_the_phones_rich_menu_means_no_check_at_nine(page, sim, line, clock):
    do_setup_rich_menu(line.channel, Actor.system("test"), clock.now())
    user = line.new_user("山田花子")
    line.register(user, "はなこ")  # checked daily at 09:00; it is 08:00

    page.goto(sim.url + "/")
    page.locator("#user-list button", has_text="山田花子").click()
    expect(page.locator("#richmenu-img")).to_be_visible()
    expect(page.locator("#richmenu-bar")).to_contain_text("げんきです")
    genki = page.locator('#richmenu-areas button[data-area="0"]')
    expect(genki).to_have_attribute("aria-label", "げんきです")
    genki.click()
    after_webhook(clock, "postback")
    expect(page.locator("#messages")).to_contain_text("きょうの かくにんは おくりません")

    clock.advance(timedelta(hours=1, minutes=5))  # 09:05
    run_until_idle(clock)
    page.reload()
    expect(page.locator("#messages")).to_contain_text("おくりません")
    expect(page.locator("#messages")).not_to_contain_text("はなこさん")  # the check's title
