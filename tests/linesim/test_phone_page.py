"""The phone page and health check are served by the simulator itself."""

from __future__ import annotations

import json
import urllib.request


def get(url: str) -> tuple[int, str, str]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode("utf-8")


def test_the_phone_page_is_served_at_the_root(sim):
    status, content_type, html = get(sim.url + "/")
    assert status == 200
    assert content_type.startswith("text/html")
    assert "/static/app.js" in html
    assert "https://" not in html  # no CDN: the demo machine may be offline


def test_the_page_scripts_and_styles_are_served(sim):
    for name in ("app.js", "render.js", "app.css"):
        status, _, body = get(f"{sim.url}/static/{name}")
        assert status == 200 and body


def test_healthz_answers_ok(sim):
    status, _, body = get(sim.url + "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
