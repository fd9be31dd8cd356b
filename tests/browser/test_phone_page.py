"""The simulator's phone page in a demo with a fast clock: its status bar shows
the demo's time (what anpi's checks and deadlines follow), and the phone stays in
view while the control panel beside it is scrolled."""

from __future__ import annotations

from datetime import UTC, datetime

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
