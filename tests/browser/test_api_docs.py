"""The API docs page (Swagger UI) renders in a real browser under anpi's CSP,
with every file from anpi itself: nothing is fetched from another host."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_api_docs_render_under_the_csp_from_local_files_only(page, live_server):
    origin = urlparse(live_server.url).netloc
    elsewhere: list[str] = []
    problems: list[str] = []
    page.on(
        "request", lambda r: urlparse(r.url).netloc not in (origin, "") and elsewhere.append(r.url)
    )
    page.on(
        "console",
        lambda m: m.type == "error" and problems.append(m.text),
    )
    page.goto(f"{live_server.url}/api/docs/")
    page.get_by_text("/api/people/{person_id}/schedule").first.wait_for()
    assert page.get_by_text("anpi API").first.is_visible()
    assert elsewhere == []
    assert not [p for p in problems if "Content Security Policy" in p], problems
