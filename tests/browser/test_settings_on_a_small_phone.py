"""The person's settings page on a small phone (360 × 740, the narrowest common
Android): nothing scrolls sideways, the weekday boxes wrap, required fields are
marked before anything is sent, and going back to the used link shows what was
saved instead of 「この リンクは もう つかいました」 (a double tap on 「ほぞん する」
is tests/individual/test_settings_page.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from anpi.individual.links import settings_token
from anpi.people.models import Person

SMALL_PHONES = [(360, 740), (390, 844)]

# Elements whose right edge lies beyond the viewport: what makes a page scroll sideways.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 0.5)
    .map(el => el.tagName + (el.id ? '#' + el.id : '') + ' ' + (el.textContent || '').trim().slice(0, 20));
}"""


@pytest.fixture
def newcomer(tenant, channel, clock):
    return Person.objects.create(
        tenant=tenant, channel=channel, line_user_id="U" + "1" * 32, display_name="山田花子"
    )


@pytest.fixture
def phone_page(browser):
    def open_at(width: int, height: int):
        context = browser.new_context(
            locale="ja-JP",
            viewport={"width": width, "height": height},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        opened.append(context)
        return page

    opened: list = []
    yield open_at
    for context in opened:
        context.close()


@pytest.mark.parametrize("width,height", SMALL_PHONES)
def test_the_settings_page_fits_a_small_phone_without_sideways_scrolling(
    phone_page, live_server, newcomer, width, height
):
    page = phone_page(width, height)
    page.goto(live_server.url + reverse("individual:settings", args=[settings_token(newcomer)]))
    page.get_by_label("ようびを えらぶ").check()

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert page.evaluate(OVERFLOWING) == []
    # All seven weekday boxes are visible and tappable, wrapped over several rows.
    boxes = page.locator(".choices.days .choice")
    expect(boxes).to_have_count(7)
    tops = {round(boxes.nth(i).bounding_box()["y"]) for i in range(7)}
    assert len(tops) > 1
    for i in range(7):
        box = boxes.nth(i).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width
        assert box["height"] >= 44  # a finger-sized target
    page.screenshot(path=f"/tmp/anpi-settings-{width}.png", full_page=True)  # an artefact


def test_required_fields_are_marked_before_anything_is_sent(phone_page, live_server, newcomer):
    page = phone_page(360, 740)
    page.goto(live_server.url + reverse("individual:settings", args=[settings_token(newcomer)]))

    for label in ["ニックネーム", "あなたの でんわばんごう", "なんじに ききますか"]:
        expect(page.locator("label", has_text=label).locator(".required")).to_have_text("ひっす")
    expect(page.locator("#schedule-kind-label .required")).to_be_visible()
    expect(page.locator("label", has_text="りようきやくに どういします").locator(".required")).to_be_visible()
    # Optional fields carry no mark.
    expect(page.locator("label", has_text="しゅくじつは おやすみ").locator(".required")).to_have_count(0)
    assert page.get_by_label("ニックネーム").get_attribute("required") is not None


def test_going_back_after_saving_on_a_small_phone_shows_the_saved_settings(phone_page, live_server, newcomer):
    page = phone_page(360, 740)
    page.goto(live_server.url + reverse("individual:settings", args=[settings_token(newcomer)]))
    page.get_by_label("ニックネーム").fill("はなこ")
    page.get_by_label("あなたの でんわばんごう").fill("090-1234-5678")
    page.get_by_role("radio", name="なんにちに 1かい").check()
    page.get_by_label("りようきやくに どういします").check()
    page.get_by_role("button", name="ほぞん する").click()
    expect(page.locator("h1")).to_have_text("せっていが おわりました")

    # The back button asks for the used link again: the page shows what was saved.
    page.go_back()
    expect(page.locator("h1")).to_have_text("せっていが おわりました")
    expect(page.locator(".summary")).to_contain_text("まいにち")
    expect(page.locator("body")).not_to_contain_text("つかいました")
    assert Person.objects.get(pk=newcomer.pk).nickname == "はなこ"
