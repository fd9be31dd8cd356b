"""A newcomer's tenant in a real browser: `anpi createtenant`, the invite link,
a password, TOTP enrolment with the key shown on the page, the dashboard; and a
password without the second factor opens no personal data."""

from __future__ import annotations

import base64
import io
import re

from django.core.management import call_command
from django_otp.oath import TOTP
from playwright.sync_api import expect


def code_for(secret_base32: str) -> str:
    padded = secret_base32 + "=" * (-len(secret_base32) % 8)
    return f"{TOTP(base64.b32decode(padded)).token():06d}"


def test_a_newcomer_creates_a_tenant_joins_by_invite_and_enrols_totp(
    page, live_server, settings, transactional_db
):
    settings.BASE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    out = io.StringIO()
    call_command(
        "createtenant", "ひまわりNPO", "himawari", admin_email="admin@himawari.jp", stdout=out
    )
    invite_url = re.search(r"http\S+/join/\S+/", out.getvalue()).group(0)

    page.goto(invite_url)
    page.fill("input[name=username]", "himawari-admin")
    page.fill("input[name=password1]", "sunflowers face the morning sun")
    page.fill("input[name=password2]", "sunflowers face the morning sun")
    page.get_by_role("button", name="アカウントを作成する").click()

    expect(page.locator("h1")).to_have_text("2段階認証の設定")
    secret = page.locator("#totp-secret").inner_text()
    page.fill("input[name=code]", code_for(secret))
    page.get_by_role("button", name="確認する").click()

    expect(page.locator("h1")).to_have_text("復旧コード")
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="ダッシュボードへ進む").click()
    expect(page.locator(".tenant-name")).to_have_text("ひまわりNPO")
    page.goto(live_server.url + "/staff/")
    expect(page.locator("body")).to_contain_text("himawari-admin")


def test_a_staff_login_without_the_second_factor_cannot_reach_the_people_list(
    page, live_server, operator, make_person
):
    make_person("はなこ")
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", "correct horse battery")
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator("h1")).to_have_text("2段階認証")
    page.goto(live_server.url + "/people/")
    expect(page.locator("h1")).to_have_text("2段階認証")
    expect(page.locator("body")).not_to_contain_text("はなこ")
    page.fill("input[name=code]", "000000")  # a wrong code changes nothing
    page.get_by_role("button", name="ログイン").click()
    expect(page.locator(".field-error")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("はなこ")
