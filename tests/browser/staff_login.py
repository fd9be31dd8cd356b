"""Signing in as staff in the browser: password, then the TOTP second factor."""

from __future__ import annotations

from conftest import STAFF_PASSWORD, totp_code


def log_in(page, live_server, user) -> None:
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.fill("input[name=code]", totp_code(user))  # the second factor
    page.get_by_role("button", name="ログイン").click()
