"""The newcomer's whole first day in a real browser: follow in the phone
simulator, register on the settings page, get the check, tap OK, and see it on
the staff dashboard."""

from __future__ import annotations

import re
from datetime import timedelta

from playwright.sync_api import expect

from anpi.engine.models import Inbox
from anpi.engine.worker import run_until_idle
from conftest import totp_code


def after_webhook(clock, event_type: str, count: int = 1) -> None:
    """Wait until the page's action reached anpi's webhook, then run the worker."""
    import time

    deadline = time.monotonic() + 10
    while Inbox.objects.filter(event__type=event_type).count() < count:
        assert time.monotonic() < deadline, f"no {event_type} webhook arrived"
        time.sleep(0.05)
    run_until_idle(clock)


def test_a_newcomer_follows_registers_answers_and_staff_see_it(
    page, sim, live_server, line, clock, operator, settings
):
    settings.BASE_URL = live_server.url

    # The phone simulator: make a user and friend the account.
    page.goto(sim.url + "/")
    page.fill("#user-name", "山田花子")
    page.press("#user-name", "Enter")
    expect(page.locator("#btn-follow")).to_be_enabled()
    page.click("#btn-follow")
    after_webhook(clock, "follow")
    expect(page.locator("#messages")).to_contain_text("せっていを してください")

    # The greeting's button opens the settings page.
    with page.context.expect_page() as popup:
        page.get_by_role("button", name="せってい する").click()
    form = popup.value
    form.wait_for_load_state()
    form.fill("input[name=nickname]", "はなこ")
    form.fill("input[name=phone]", "090-1234-5678")
    form.select_option("select[name=check_time]", "09:00")
    form.check("input[name=agree]")
    form.get_by_role("button", name=re.compile("ほぞん|保存")).click()
    expect(form.locator("body")).to_contain_text("9:00")
    run_until_idle(clock)

    # 09:00: the check arrives in the chat; tap 「げんきです」.
    clock.advance(timedelta(hours=1))
    run_until_idle(clock)
    expect(page.locator("#messages")).to_contain_text("はなこさん")
    page.get_by_role("button", name="げんきです").last.click()
    after_webhook(clock, "postback")
    expect(page.locator("#messages")).to_contain_text("ありがとうございます")

    # The dashboard shows her as answered.
    staff = page.context.new_page()
    staff.goto(live_server.url + "/login/")
    staff.fill("input[name=username]", "operator")
    staff.fill("input[name=password]", "correct horse battery")
    staff.get_by_role("button", name="ログイン").click()
    staff.fill("input[name=code]", totp_code(operator))  # the second factor
    staff.get_by_role("button", name="ログイン").click()
    staff.goto(live_server.url + "/people/")
    row = staff.locator("tr", has_text="はなこ")
    expect(row).to_be_visible()
    expect(row).to_have_class("row-green")
    expect(row).to_contain_text("問題なし")
    expect(row).to_contain_text("090-1234-5678")
    expect(row).to_contain_text("12/1 (火) 09:00")  # when she answered
    staff.screenshot(path="/tmp/anpi-people.png")
