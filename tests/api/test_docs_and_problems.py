"""The schema and docs pages, and problem details for bad input."""

from __future__ import annotations

import re

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_the_openapi_3_schema_is_served_without_a_token(client):
    schema = client.get("/api/schema/").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/people" in schema["paths"]
    assert schema["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
    errors = schema["paths"]["/api/people"]["post"]["responses"]["422"]["content"]
    assert list(errors) == ["application/problem+json"]


def test_the_docs_page_loads_its_files_from_anpi_under_the_csp(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    sources = re.findall(r'<script[^>]*src="([^"]+)"', html)
    assert sources and all(src.startswith("/static/") for src in sources)
    # The only inline <script> is a JSON data block, which CSP does not run.
    inline = re.findall(r"<script(?![^>]*src=)([^>]*)>", html)
    assert inline == [' type="application/json" id="swagger-settings"']
    assert "cdn" not in html.lower()
    for src in sources:
        assert Client().get(src).status_code == 200


def test_an_unparsable_body_is_a_400_problem(api):
    response = api.client.post(
        "/api/people",
        "{nickname",
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api.token}",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert set(problem) == {"type", "title", "status", "detail", "errors"}
    assert problem["type"] == "urn:anpi:problem:unparsable-body"


def test_a_missing_field_is_a_422_problem_naming_it(api):
    response = api.post("/api/people", {"phone": "090-1234-5678"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.nickname"


def test_a_nul_character_in_a_note_is_refused_not_a_server_error(api, make_person, reach_call_step):
    from anpi.engine.models import Task

    make_person()
    reach_call_step()
    task = Task.objects.get()
    response = api.post(f"/api/tasks/{task.pk}/outcome", {"outcome": "other", "note": "a\x00b"})
    assert response.status_code == 422


def test_an_id_too_large_for_the_database_is_a_422_not_a_500(api):
    assert api.get(f"/api/people/{2**63}").status_code == 422
