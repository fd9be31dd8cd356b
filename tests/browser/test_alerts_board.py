"""A staff member in a real browser: sign in, open the alerts board, take the
team alert of たろう and record that he was found safe."""

from __future__ import annotations

from playwright.sync_api import expect

from anpi.engine.models import Check
from anpi.groups.models import Alert
from conftest import STAFF_PASSWORD, totp_code


def test_staff_claim_a_team_alert_on_the_board_and_record_it_safe(
    page, live_server, transactional_db, three_services, operator
):
    page.goto(live_server.url + "/login/")
    page.fill("input[name=username]", "operator")
    page.fill("input[name=password]", STAFF_PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.fill("input[name=code]", totp_code(operator))
    page.get_by_role("button", name="ログイン").click()

    page.get_by_role("link", name="アラート").click()
    expect(page.locator("h1")).to_contain_text("アラート")
    rows = page.locator("article.alert-row")
    expect(rows).to_have_count(3)  # one per service
    taro = page.locator(f"#alert-row-{three_services.taro.pk}")
    expect(taro).to_contain_text("安否通知（チーム） · 中町チーム")
    expect(taro).to_contain_text("対応者なし")

    taro.get_by_role("button", name="自分が対応する").click()
    expect(page.locator(".messages")).to_contain_text("このアラートはあなたが対応します。")
    taro = page.locator(f"#alert-row-{three_services.taro.pk}")
    expect(taro).to_contain_text("対応者: operatorさん")
    taro.get_by_label("メモ").first.fill("玄関で会えました")
    page.screenshot(path="/tmp/anpi-alerts-claimed.png", full_page=True)  # an artefact
    taro.get_by_role("button", name="無事").click()

    expect(page.locator(".messages")).to_contain_text("結果を記録しました。")
    expect(page.locator(f"#alert-row-{three_services.taro.pk}")).to_have_count(0)
    expect(page.locator("article.alert-row")).to_have_count(2)
    page.screenshot(path="/tmp/anpi-alerts.png", full_page=True)  # an artefact, not committed

    alert = Alert.objects.get(person=three_services.taro)
    assert (alert.state, alert.outcome, alert.note) == ("resolved", "safe", "玄関で会えました")
    assert Check.objects.get(pk=alert.check_run_id).state == "resolved"
