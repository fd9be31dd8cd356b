"""A new tenant admin connects the LINE account from the page alone, in a real
browser, against the simulator; then a follow on the simulator's phone page
reaches anpi and the greeting comes back."""

from __future__ import annotations

import time

from playwright.sync_api import expect

from anpi.engine.models import Inbox
from anpi.engine.worker import run_until_idle
from anpi.tenants.models import LineChannel
from conftest import STAFF_PASSWORD, totp_code

SECRET = "fedcba9876543210fedcba9876543210"
TOKEN = "browser-test-long-lived-token"


def sign_in(page, base_url: str, user) -> None:
    page.goto(base_url + "/login/")
    page.fill("input[name=username]", user.get_username())
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.fill("input[name=code]", totp_code(user))
    page.get_by_role("button", name="ログイン").click()


def test_a_tenant_admin_connects_the_channel_and_a_follow_gets_the_greeting(
    page, sim, live_server, settings, tenant, tenant_admin, clock, transactional_db
):
    settings.BASE_URL = live_server.url
    settings.ANPI_LINE_API_HOST = sim.url
    account = sim.control.add_channel(
        SECRET, TOKEN, display_name="みまもりNPO公式", basic_id="@246mimam"
    )

    sign_in(page, live_server.url, tenant_admin)
    page.get_by_role("link", name="LINE", exact=True).click()
    expect(page.locator("h1")).to_have_text("LINE公式アカウント")
    page.get_by_label("チャネルシークレット").fill(SECRET)
    page.get_by_label("チャネルアクセストークン（長期）").fill(TOKEN)
    page.get_by_role("button", name="接続する").click()

    expect(page.locator("#setup-steps li")).to_have_count(5)  # … and the rich menu
    expect(page.locator("#setup-done")).to_be_visible()
    expect(page.locator("#setup-steps")).to_contain_text("みまもりNPO公式（@246mimam）")
    expect(page.locator("#friend-url")).to_have_text("https://line.me/R/ti/p/@246mimam")
    expect(page.locator(".friend-qr svg")).to_be_visible()
    page.screenshot(path="/tmp/anpi-line-settings.png", full_page=True)
    channel = LineChannel.objects.get(tenant=tenant)
    assert channel.bot_user_id == account["botUserId"]

    # The simulator's phone page: a new user adds the account.
    phone = page.context.new_page()
    phone.goto(sim.url + "/")
    phone.fill("#user-name", "山田花子")
    phone.press("#user-name", "Enter")
    expect(phone.locator("#btn-follow")).to_be_enabled()
    phone.click("#btn-follow")
    deadline = time.monotonic() + 10
    while not Inbox.objects.filter(event__type="follow").exists():
        assert time.monotonic() < deadline, "the follow never reached anpi"
        time.sleep(0.05)
    run_until_idle(clock)
    expect(phone.locator("#messages")).to_contain_text("せっていを してください")
    phone.screenshot(path="/tmp/anpi-line-follow.png")
