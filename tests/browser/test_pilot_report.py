"""An operator opens this month's pilot report in a real browser, sees its
charts, and downloads the PDF, whose Japanese is real text."""

from __future__ import annotations

import io
from datetime import timedelta

from playwright.sync_api import expect
from tests.browser.staff_login import log_in

from anpi.engine.models import Check
from anpi.individual.policy import INDIVIDUAL_DEFAULT


def test_an_operator_opens_this_months_report_sees_the_charts_and_downloads_the_pdf(
    page, live_server, operator, tenant, make_person, clock
):
    hanako = make_person("はなこ")
    Check.objects.create(
        tenant=tenant,
        person=hanako,
        due_at=clock.now() + timedelta(hours=1),
        state="answered",
        answered_at=clock.now() + timedelta(hours=1, minutes=8),
        step=1,
        policy=INDIVIDUAL_DEFAULT,
        created_at=clock.now(),
    )
    log_in(page, live_server, operator)

    page.get_by_role("link", name="月次レポート").click()

    expect(page.locator("h1")).to_have_text("月次レポート")
    expect(page.locator(".report-month")).to_have_text("2026年12月の実証実験レポート")
    for chart in (
        "日ごとの送信した確認と応答",
        "段階ごとのエスカレーション",
        "LINEメッセージ数とプランの上限",
    ):
        expect(page.get_by_role("img", name=chart)).to_be_visible()
    expect(page.locator(".report-keys")).to_contain_text("100.0%")
    expect(page.locator("#chart-daily .definition")).to_contain_text("応答率:")
    page.screenshot(path="/tmp/anpi-report.png", full_page=True)  # an artefact, not committed

    link = page.get_by_role("link", name="PDFをダウンロード")
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    # The same link fetched with the browser's session, for its headers.
    fetched = page.request.get(live_server.url + link.get_attribute("href"))
    assert fetched.headers["content-type"] == "application/pdf"
    assert fetched.body() == open(download.path(), "rb").read()

    from pypdf import PdfReader

    with open(download.path(), "rb") as pdf:
        reader = PdfReader(io.BytesIO(pdf.read()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert "応答率" in text
    assert tenant.name in text
