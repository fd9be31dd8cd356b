"""Staff import a roster that Excel saved as Shift_JIS, in a real browser: the
check names the bad row by its line, and the valid rows are imported on request."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import expect
from tests.browser.staff_login import log_in

from anpi.people.models import Person

ARTEFACTS = Path(os.environ.get("ANPI_ARTEFACTS", "/tmp"))

ROSTER = (
    "氏名,フリガナ,ニックネーム,電話番号,確認の間隔（日）,確認の曜日,確認の時刻,祝日は休み,"
    "連絡先1_氏名,連絡先1_続柄,連絡先1_電話番号\r\n"
    "山田 花子,ヤマダ ハナコ,はなこ,090-1111-2222,1,,9:00,,山田 一郎,長男,03-1234-5678\r\n"
    "鈴木 梅,スズキ ウメ,うめ,12345,,,,,,,\r\n"
    "佐藤 太郎,サトウ タロウ,たろう,080-3333-4444,,月・水・金,18:30,はい,,,\r\n"
)


def test_staff_import_a_shift_jis_roster_see_the_bad_line_and_import_the_valid_rows(
    page, live_server, operator, tenant
):
    log_in(page, live_server, operator)
    page.goto(live_server.url + "/people/")
    page.get_by_role("link", name="CSVで取り込む").click()
    expect(page.locator("h1")).to_have_text("CSVで利用者を取り込む")

    page.set_input_files(
        "input[name=file]",
        files=[{"name": "名簿.csv", "mimeType": "text/csv", "buffer": ROSTER.encode("cp932")}],
    )
    page.get_by_role("button", name="ファイルを確認する（まだ保存しません）").click()

    expect(page.locator("#import-summary")).to_contain_text(
        "1行にエラーがあり、2行は問題ありません"
    )
    bad_row = page.locator("tr", has_text="3行目")
    expect(bad_row).to_contain_text("電話番号: でんわばんごうが ただしく ありません")
    expect(bad_row).to_contain_text("鈴木 梅")
    assert not Person.objects.exists()  # the check saved nothing
    page.screenshot(path=str(ARTEFACTS / "anpi-csv-import-check.png"), full_page=True)

    page.get_by_role("button", name="エラーのない2行だけ取り込む").click()

    expect(page.locator("h1")).to_contain_text("利用者")
    expect(page.locator(".messages")).to_contain_text("CSVファイルから2人を登録しました")
    expect(page.locator(".messages")).to_contain_text("エラーのある1行は取り込んでいません")
    table = page.locator(".people-table")
    expect(table).to_contain_text("はなこ")
    expect(table).to_contain_text("たろう")
    expect(table).not_to_contain_text("うめ")
    page.screenshot(path=str(ARTEFACTS / "anpi-csv-import-people.png"), full_page=True)
    assert set(Person.objects.values_list("full_name", flat=True)) == {"山田 花子", "佐藤 太郎"}
