"""The simulator's phone page in a demo with a fast clock: its status bar shows
the demo's time (what anpi's checks and deadlines follow), in Japan time, and the
phone stays in view while the control panel beside it is scrolled. The chat
bar is readable, the answer to a tap comes into view, and nobody is ticked for
a group they did not choose."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from anpi.linesim.config import SimConfig
from anpi.linesim.testing import SimulatorThread

DEMO_NOW = datetime(2027, 1, 5, 0, 0, tzinfo=UTC)  # Tuesday 5 January, 09:00 in Japan


@pytest.fixture
def demo_simulator():
    config = SimConfig(shown_clock=lambda: (DEMO_NOW.timestamp(), 60.0))
    simulator = SimulatorThread(config=config).start()
    yield simulator
    simulator.stop()


@pytest.fixture
def short_screen(browser):
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", viewport={"width": 1280, "height": 520}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_phone_shows_the_demo_time_and_stays_in_view(short_screen, demo_simulator):
    page = short_screen
    page.goto(demo_simulator.url + "/")
    expect(page.locator("#clock")).to_have_text("1/5 09:00")

    assert page.evaluate("document.documentElement.scrollHeight") > 520  # the panel is long
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    page.wait_for_timeout(200)
    frame = page.locator(".phone-frame").bounding_box()
    assert 0 <= frame["y"] < 520
    expect(page.locator("#clock")).to_be_in_viewport()


# --- what a new user of the demo ran into --------------------------------------------------

#: WCAG 2 contrast ratio of an element's text against the first opaque
#: background behind it (the text colour is taken as opaque).
CONTRAST = """(node) => {
  const rgba = (css) => { const v = css.match(/[\\d.]+/g).map(Number); return v.length > 3 ? v : [...v, 1]; };
  const lum = (rgb) => {
    const [r, g, b] = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  let back = [255, 255, 255, 1];
  for (let at = node; at; at = at.parentElement) {
    const bg = rgba(getComputedStyle(at).backgroundColor);
    if (bg[3] > 0) { back = bg; break; }
  }
  const [hi, lo] = [lum(rgba(getComputedStyle(node).color).slice(0, 3)), lum(back.slice(0, 3))]
    .sort((a, b) => b - a);
  return (hi + 0.05) / (lo + 0.05);
}"""


def open_chat_with_rich_menu(page, sim, line, clock, days_answered: int = 0):
    """Hanako, registered for a check at 09:00, has the chat open on the phone
    page, with the rich menu under it; it is 08:00 after ``days_answered`` days
    of checks she answered 「げんきです」 (a chat longer than the phone)."""
    from anpi.individual.richmenu import do_setup_rich_menu
    from anpi.tenants.actors import Actor

    do_setup_rich_menu(line.channel, Actor.system("test"), clock.now())
    user = line.new_user("山田花子")
    line.register(user, "はなこ")
    for _ in range(days_answered):
        clock.advance(timedelta(hours=1))
        line.work()
        line.control.tap(user, "げんきです")
        line.work()
        clock.advance(timedelta(hours=23))
    page.goto(sim.url + "/")
    page.locator("#user-list button", has_text="山田花子").click()
    expect(page.locator("#richmenu-img")).to_be_visible()
    return user


def test_the_rich_menu_bar_label_is_readable(page, sim, line, clock):
    open_chat_with_rich_menu(page, sim, line, clock)
    bar = page.locator("#richmenu-bar")
    expect(bar).to_contain_text("げんきです")
    assert bar.evaluate(CONTRAST) >= 4.5
    bar.hover()
    assert bar.evaluate(CONTRAST) >= 4.5
    bar.click()  # folds the menu: the label stays readable
    expect(page.locator("#richmenu-menu")).to_be_hidden()
    assert bar.evaluate(CONTRAST) >= 4.5


def test_the_answer_to_a_tap_scrolls_into_view(page, sim, line, clock):
    from tests.browser.test_first_check import after_webhook

    open_chat_with_rich_menu(page, sim, line, clock, days_answered=2)
    messages = page.locator("#messages")
    checks = messages.locator(".msg", has_text="はなこさん、げんきですか")
    replies = messages.locator(".msg", has_text="あんしんしました")
    expect(replies).to_have_count(2)
    clock.advance(timedelta(hours=1))  # 09:00: the third day's check arrives
    line.work()
    expect(checks).to_have_count(3)

    # She scrolls just far enough to see the button and taps it; the answer
    # comes below the check's other buttons, out of sight unless the chat scrolls.
    genki = checks.last.get_by_role("button", name="げんきです")
    genki.evaluate("(button) => button.scrollIntoView({ block: 'end' })")
    genki.click()
    after_webhook(clock, "postback", count=3)
    expect(replies).to_have_count(3)
    expect(replies.last).to_be_in_viewport(ratio=0.9)


def test_the_answer_to_a_rich_menu_tap_scrolls_into_view(page, sim, line, clock):
    from tests.browser.test_first_check import after_webhook

    open_chat_with_rich_menu(page, sim, line, clock, days_answered=2)  # 08:00, day 3
    messages = page.locator("#messages")
    expect(messages.locator(".msg", has_text="あんしんしました")).to_have_count(2)
    page.locator('#richmenu-areas button[data-area="0"]').click()  # 「げんきです」
    after_webhook(clock, "postback", count=3)
    answer = messages.locator(".msg", has_text="おくりません")
    expect(answer).to_have_count(1)
    expect(answer).to_be_in_viewport(ratio=0.9)


def test_new_messages_do_not_pull_away_someone_reading_older_ones(page, sim, line, clock):
    open_chat_with_rich_menu(page, sim, line, clock, days_answered=2)
    messages = page.locator("#messages")
    checks = messages.locator(".msg", has_text="はなこさん、げんきですか")
    expect(checks).to_have_count(2)
    first = messages.locator(".msg").first
    expect(first).not_to_be_in_viewport()  # the chat opened at its newest message
    messages.evaluate("(box) => { box.scrollTop = 0; }")  # she scrolls up to read
    expect(first).to_be_in_viewport()

    clock.advance(timedelta(hours=1))  # 09:00: the day's check
    line.work()
    expect(checks).to_have_count(3)
    page.wait_for_timeout(1500)  # a poll or two after the message showed
    expect(first).to_be_in_viewport()


def test_a_user_just_added_is_not_ticked_as_a_group_member(page, sim):
    page.goto(sim.url + "/")
    members = page.locator("#group-members")
    for name in ("山田花子", "佐藤一郎"):
        page.fill("#user-name", name)
        page.press("#user-name", "Enter")
        expect(members.get_by_label(name)).not_to_be_checked()

    members.get_by_label("山田花子").check()
    page.fill("#user-name", "鈴木次郎")
    page.press("#user-name", "Enter")
    expect(members.get_by_label("鈴木次郎")).not_to_be_checked()
    expect(members.get_by_label("佐藤一郎")).not_to_be_checked()
    expect(members.get_by_label("山田花子")).to_be_checked()  # a tick made stays


# 1 December 04:23 in Japan; mid-minute, so a message sent a moment before the
# page reads the clock still shows 04:23.
LATE_EVENING_UTC = datetime(2026, 11, 30, 19, 23, 30, tzinfo=UTC)


@pytest.fixture
def utc_laptop(browser):
    context = browser.new_context(
        locale="ja-JP", timezone_id="UTC", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_browser_in_utc_still_shows_japan_time(utc_laptop):
    config = SimConfig(shown_clock=lambda: (LATE_EVENING_UTC.timestamp(), 1.0))
    with SimulatorThread(config=config) as simulator:
        control = simulator.control
        control.add_channel("secret", "token", display_name="みまもりNPO")
        user = control.add_user("山田花子")
        control.follow(user)
        push = urllib.request.Request(
            simulator.url + "/v2/bot/message/push",
            data=json.dumps(
                {"to": user, "messages": [{"type": "text", "text": "おはよう"}]}
            ).encode(),
            headers={"Authorization": "Bearer token", "Content-Type": "application/json"},
        )
        urllib.request.urlopen(push, timeout=10).close()

        page = utc_laptop
        page.goto(simulator.url + "/")
        expect(page.locator("#clock")).to_have_text("12/1 04:23")
        page.locator("#user-list button", has_text="山田花子").click()
        bubble = page.locator("#messages .msg", has_text="おはよう")
        expect(bubble.locator(".time")).to_have_text("04:23")
