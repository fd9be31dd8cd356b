"""An operator on duty in a real browser: the overview board says who needs a
call now, the call queue's timer measures the call, the board updates itself
without a reload, and the pilot report counts the staff minutes."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from anpi.engine.models import Task
from anpi.tenants.models import AuditEntry

from .test_pilot_report import log_in


def test_an_operator_sees_who_to_call_times_the_call_and_the_report_counts_the_minutes(
    page, live_server, line, clock, operator, monkeypatch
):
    # The board polls every second here instead of every 30, so the test sees
    # htmx replace it without waiting half a minute.
    monkeypatch.setattr("anpi.dashboard.views.overview.REFRESH_SECONDS", 1)
    csp_errors: list[str] = []
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )

    # はなこ does not answer her 09:00 check nor the re-sent one: a call task opens.
    line.register(line.new_user("山田花子"), "はなこ")
    for hours in (1, 24, 3):  # 09:00 the check, next day the re-send, +3 h the call
        clock.advance(timedelta(hours=hours))
        line.work()

    log_in(page, live_server, operator)
    page.get_by_role("link", name="概況").click()
    expect(page.locator("h1")).to_have_text("概況")
    board = page.locator("#overview-board")
    # Today's (12/2) 09:00 check went out too, folded into yesterday's open
    # one (engine.merge): as in the report, it has no answer rate of its own.
    expect(board.locator("[data-figure=sent] dd")).to_have_text("1")
    expect(board.locator("[data-figure=rate] dd")).to_have_text("—")
    expect(board.locator("[data-figure=queue] dd")).to_have_text("1")
    calls = board.locator(".calls-now")
    expect(calls).to_contain_text("はなこさん")
    expect(board.locator(".by-step")).to_contain_text("スタッフ電話")
    page.screenshot(path="/tmp/anpi-overview.png", full_page=True)  # an artefact, not committed
    page.evaluate("window.stillTheSamePage = true")

    # The name leads to her card on the call queue, in another tab.
    queue = page.context.new_page()
    href = calls.get_by_role("link", name="はなこさん").get_attribute("href")
    queue.goto(f"{live_server.url}{href}")
    card = queue.locator(".task-card", has_text="はなこさん")
    expect(card).to_be_visible()
    card.get_by_role("button", name="タイマー開始").click()
    expect(card.locator(".timer-elapsed")).to_be_visible()
    card.get_by_role("button", name="タイマー停止").click()
    expect(card.get_by_label("通話時間（分）")).to_have_value("1")  # a short call is a minute
    card.get_by_role("button", name="本人と話せた・無事").click()
    expect(queue.locator(".messages")).to_contain_text("はなこさん")
    expect(queue.locator("main")).to_contain_text("いま電話が必要な方はいません")
    done = Task.objects.get(kind="call_person")
    assert (done.state, done.outcome, done.duration_minutes) == ("done", "safe", 1)
    audit = AuditEntry.objects.get(action="task.outcome", object_id=str(done.pk))
    assert audit.detail["duration_minutes"] == 1

    # The board, still open in the first tab, updated itself: no reload.
    expect(calls).to_contain_text("いま電話が必要な方はいません")
    expect(board.locator("[data-figure=queue] dd")).to_have_text("0")
    assert page.evaluate("window.stillTheSamePage") is True

    queue.get_by_role("link", name="月次レポート").click()
    minutes = queue.locator("tr", has_text="通話時間（分）")
    expect(minutes).to_contain_text("1分")
    expect(queue.locator("tr", has_text="通話時間の記録がない電話")).to_contain_text("0件")
    queue.screenshot(path="/tmp/anpi-call-minutes.png", full_page=True)  # not committed
    assert csp_errors == []
