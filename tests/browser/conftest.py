"""Browser tests: Debian's Chromium driven by Playwright (no browser download).

Skipped where Chromium is missing, except under CI (ANPI_REQUIRE_BROWSER=1),
where a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil

import pytest
from tests.dashboard.conftest import run, three_services  # noqa: F401 - the alerts board's alerts

CHROMIUM = os.environ.get("ANPI_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")

# Playwright's sync API runs an event loop in the test thread; the ORM calls of
# the test itself are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("ANPI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium is required but not found at {CHROMIUM}")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()
