"""Every page staff and watched persons use, checked in Chromium with axe-core
(WCAG 2.1 A and AA: labels, names, contrast, landmarks, language), on a desktop,
a tablet (1024 × 768) and a phone (390 × 844) with no sideways scrolling, and
reachable by keyboard from the skip link."""

from __future__ import annotations

from datetime import timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import expect
from tests.browser.staff_login import log_in

from anpi.engine.models import Check, Task
from anpi.individual.links import settings_token
from anpi.individual.policy import INDIVIDUAL_DEFAULT

AXE = Axe()
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
SCREENS = {"desktop": (1280, 900), "tablet": (1024, 768), "phone": (390, 844)}

STAFF_PAGES = [
    "/overview/",
    "/",
    "/alerts/",
    "/people/",
    "person",
    "/m/",
    "/reports/",
    "/staff/",
    "/audit/",
    "/settings/",
    "/settings/line/",
]


def violations(page) -> list[str]:
    results = AXE.run(page, options=WCAG_AA)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in results.response["violations"]
    ]


OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(el => el.getBoundingClientRect().right > width + 0.5)
    .map(el => el.tagName + (el.className ? '.' + el.className : ''));
}"""


def sideways(page) -> int:
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


@pytest.fixture
def busy_tenant(tenant, make_person, clock):
    """A person in escalation with a call task, and one who answered."""
    hanako = make_person(
        "はなこ", contacts=[{"name": "たろう", "relation": "むすこ", "email": "t@example.jp"}]
    )
    make_person("さくら")
    check = Check.objects.create(
        tenant=tenant,
        person=hanako,
        due_at=clock.now() - timedelta(hours=28),
        step=2,
        policy=INDIVIDUAL_DEFAULT,
        created_at=clock.now() - timedelta(hours=28),
    )
    Task.objects.create(
        tenant=tenant,
        check_run=check,
        person=hanako,
        kind="call_person",
        deadline=clock.now() + timedelta(hours=2),
        created_at=clock.now(),
        reason="応答がありません",
    )
    return hanako


@pytest.mark.parametrize("screen", SCREENS)
def test_every_staff_page_passes_axe_and_fits_the_screen(
    browser, live_server, tenant_admin, busy_tenant, screen
):
    width, height = SCREENS[screen]
    context = browser.new_context(locale="ja-JP", viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        log_in(page, live_server, tenant_admin)
        problems = {}
        for path in STAFF_PAGES:
            if path == "person":
                path = f"/people/{busy_tenant.pk}/"
            page.goto(live_server.url + path)
            found = violations(page)
            if sideways(page) > 0:
                wide = page.evaluate(OVERFLOWING)
                found.append(f"scrolls sideways by {sideways(page)} px: {wide[:5]}")
                page.screenshot(
                    path=f"/tmp/anpi-a11y-{screen}-{path.strip('/').replace('/', '-') or 'home'}.png"
                )
            if found:
                problems[path] = found
        assert problems == {}
    finally:
        context.close()


def test_the_keyboard_reaches_the_content_first_through_the_skip_link(page, live_server, operator):
    log_in(page, live_server, operator)
    page.goto(live_server.url + "/people/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()  # visible when focused, not only to screen readers
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    # Every link and button in the page can be reached with Tab (none is tabindex=-1
    # or a click-only element).
    unreachable = page.evaluate(
        """() => [...document.querySelectorAll('a[href], button, input, select, textarea')]
            .filter(el => el.tabIndex < 0 && !el.disabled && el.type !== 'hidden')
            .map(el => el.outerHTML.slice(0, 80))"""
    )
    assert unreachable == []


def test_the_persons_settings_page_passes_axe_on_a_phone(
    browser, live_server, tenant, channel, clock
):
    from anpi.people.models import Person

    newcomer = Person.objects.create(
        tenant=tenant, channel=channel, line_user_id="U" + "7" * 32, display_name="山田花子"
    )
    context = browser.new_context(locale="ja-JP", viewport={"width": 360, "height": 740})
    page = context.new_page()
    try:
        page.goto(live_server.url + reverse("individual:settings", args=[settings_token(newcomer)]))
        assert violations(page) == []
        page.get_by_role("button", name="ほぞん する").click()  # with errors: still accessible
        expect(page.locator(".notice.bad")).to_be_visible()
        assert violations(page) == []
        assert sideways(page) == 0
    finally:
        context.close()
