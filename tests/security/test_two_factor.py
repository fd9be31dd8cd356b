"""The second factor is mandatory: nothing with personal data before it."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.urls import get_resolver

from anpi.tenants import twofactor
from anpi.tenants.models import Membership
from conftest import totp_code, totp_device

pytestmark = pytest.mark.django_db

# Pages a signed-in user may reach before the second factor: the sign-in
# itself, enrolment and verification, the invite link, the public pages.
BEFORE_SECOND_FACTOR = {
    "login",
    "logout",
    "two-factor-setup",
    "two-factor-verify",
    "staff-invite",
    "healthz",
    "line-webhook",
    "line-webhook-no-slash",
    "set_language",
}
PUBLIC_NAMESPACES = {"individual", "groups"}  # reached by a signed link, not a login
# The JSON API (anpi.api) answers a bearer token, never a session: tested below.
TOKEN_NAMESPACES = {"api"}


def staff_urls() -> list[str]:
    """Every dashboard and municipal URL (objects: id 1), from the URL resolver."""
    urls = []

    def walk(patterns, prefix="", namespace=""):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                walk(p.url_patterns, prefix + str(p.pattern), p.namespace or namespace)
                continue
            if namespace in PUBLIC_NAMESPACES | TOKEN_NAMESPACES:
                continue
            if p.name in BEFORE_SECOND_FACTOR:
                continue
            route = str(p.pattern)
            for conv in (
                "<int:team_id>",
                "<int:person_id>",
                "<int:task_id>",
                "<int:check_id>",
                "<int:alert_id>",
                "<int:group_id>",
                "<int:invite_id>",
                "<int:contact_id>",
                "<int:membership_id>",
                "<int:token_id>",
            ):
                route = route.replace(conv, "1")
            urls.append("/" + prefix + route)

    walk(get_resolver().url_patterns)
    return urls


STAFF_URLS = staff_urls()


def test_the_list_of_staff_urls_covers_the_dashboard():
    assert {"/", "/people/", "/people/1/", "/staff/", "/m/", "/m/watch/"} <= set(STAFF_URLS)
    assert {"/api-tokens/", "/api-tokens/1/revoke/"} <= set(STAFF_URLS)


@pytest.mark.parametrize("path", ["/api/people", "/api/tasks", "/api/reports/monthly"])
def test_a_verified_staff_session_does_not_open_the_json_api(client, tenant_admin, path):
    """The API takes only a tenant's bearer token: a browser's signed-in session
    (which a malicious page could ride) opens nothing there."""
    client.force_login(tenant_admin)
    response = client.get(path)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("url", STAFF_URLS)
def test_a_user_with_a_device_but_no_code_is_sent_to_verification(client, operator, url):
    client.force_login(operator, verified=False)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/verify/?next=")


@pytest.mark.parametrize("url", STAFF_URLS)
def test_a_user_without_a_device_is_sent_to_enrolment(client, tenant, url):
    user = User.objects.create_user("new", password="x")
    Membership.objects.create(tenant=tenant, user=user, role="admin")
    client.force_login(user, verified=False)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/setup/?next=")


def test_a_password_alone_cannot_enrol_a_second_device(client, operator):
    client.force_login(operator, verified=False)
    response = client.get("/account/2fa/setup/")
    assert response["Location"] == "/account/2fa/verify/"


def test_a_wrong_code_is_refused(client, operator):
    client.force_login(operator, verified=False)
    response = client.post("/account/2fa/verify/", {"code": "000000"})
    assert response.status_code == 200
    assert client.get("/people/").status_code == 302


def test_a_recovery_code_works_once(client, operator, rf):
    from django.utils import timezone

    totp_device(operator)
    codes = twofactor.new_recovery_codes(operator, timezone.now())
    client.force_login(operator, verified=False)
    response = client.post("/account/2fa/verify/", {"code": codes[0], "next": "/people/"})
    assert response["Location"] == "/people/"
    assert client.get("/people/").status_code == 200
    client.logout()
    client.force_login(operator, verified=False)
    client.post("/account/2fa/verify/", {"code": codes[0]})
    assert client.get("/people/").status_code == 302


def test_the_code_opens_the_page_asked_for(client, operator):
    client.force_login(operator, verified=False)
    response = client.post(
        "/account/2fa/verify/", {"code": totp_code(operator), "next": "/people/"}
    )
    assert response["Location"] == "/people/"
    assert client.get("/people/").status_code == 200
