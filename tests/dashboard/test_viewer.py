"""The viewer role (閲覧のみ（レポート）): a city's officials read the pilot report.

A viewer signs in with a password and the second factor like all staff, lands
on the monthly report, downloads it, switches the language and manages their
own second factor — and gets the 403 page everywhere else. "Everywhere else"
is every URL of the resolver: a page added tomorrow refuses a viewer unless it
is put on ``VIEWER_OPENS`` below, with the reason it shows no person.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from tests.security.test_cross_tenant_matrix import PUBLIC, ROUTES, TOKEN_GATED_NAMESPACE, Route
from tests.security.test_invites import enrol, join

from anpi.tenants.models import AuditEntry, Membership, StaffInvite
from conftest import STAFF_PASSWORD, totp_code

pytestmark = pytest.mark.django_db

# The only signed-in pages a viewer opens, and why each shows no person.
VIEWER_OPENS: dict[str, str] = {
    "reports:monthly": "the pilot report: aggregates only (tests/reports/test_pages.py)",
    "reports:csv": "the report as CSV: the same aggregates",
    "reports:pdf": "the report as PDF: the same aggregates",
    "dashboard:home": "the landing page: sends a viewer on to the report",
    "dashboard:switch-tenant": "chooses among the user's own tenants; shows nothing",
    "two-factor-setup": "the user's own second factor",
    "two-factor-verify": "the user's own second factor",
    "two-factor-recovery": "the user's own recovery codes",
}
NOWHERE = 987_654  # an id no object has: the role is refused before any lookup


def refused_routes() -> list[Route]:
    """Every signed-in page of anpi that is not on ``VIEWER_OPENS``."""
    return [
        route
        for route in ROUTES
        if route.name
        and route.name not in VIEWER_OPENS
        and route.name not in PUBLIC
        and not route.name.startswith(TOKEN_GATED_NAMESPACE)  # a session never opens the API
    ]


REFUSED = refused_routes()


def url_of(route: Route, fill: int = NOWHERE) -> str:
    return reverse(route.name, kwargs={param: fill for param in route.params})


def test_the_refused_pages_are_every_page_that_shows_a_person_or_the_set_up():
    names = {route.name for route in REFUSED}
    assert {
        "dashboard:people",
        "dashboard:person",
        "dashboard:overview",
        "dashboard:alerts",
        "dashboard:audit",
        "dashboard:staff",
        "dashboard:tenant-settings",
        "dashboard:line-settings",
        "dashboard:people-import",
        "dashboard:people-export",
        "api-tokens",
        "municipal:overview",
        "municipal:team",
        "municipal:watch",
    } <= names
    assert set(VIEWER_OPENS) <= {route.name for route in ROUTES}, "an allowed name is no URL"


@pytest.mark.parametrize("route", REFUSED, ids=lambda route: route.name)
def test_a_viewer_gets_403_on_every_page_but_the_report_and_their_account(
    client, viewer, route
):
    client.force_login(viewer)
    url = url_of(route)

    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 403, f"{method.__name__.upper()} {url}"
        page = response.content.decode()
        assert "このアカウントは月次レポートの閲覧のみです" in page  # not "ask your admin"
        assert 'href="/reports/"' in page  # the 403 page points to the report


def test_a_viewer_gets_403_on_a_person_of_their_own_tenant_and_sees_nothing_of_them(
    client, viewer, make_person
):
    person = make_person("はなこ", contacts=[{"name": "長男 一郎", "relation": "息子"}])
    client.force_login(viewer)

    for name in ("dashboard:person", "dashboard:person-edit", "dashboard:person-line-sheet"):
        response = client.get(reverse(name, args=[person.pk]))
        page = response.content.decode()
        assert response.status_code == 403, name
        assert "はなこ" not in page and "長男 一郎" not in page


def test_a_viewer_signs_in_with_the_code_and_lands_on_the_pilot_report(client, viewer):
    response = client.post("/login/", {"username": "viewer", "password": STAFF_PASSWORD})
    assert response["Location"] == "/"
    response = client.get("/")
    assert response["Location"] == "/account/2fa/verify/?next=/"  # the second factor first
    assert client.get("/reports/")["Location"].startswith("/account/2fa/verify/")

    response = client.post("/account/2fa/verify/", {"code": totp_code(viewer), "next": "/"})
    response = client.get(response["Location"])

    assert response.status_code == 302 and response["Location"] == "/reports/"
    assert client.get("/reports/").status_code == 200


def test_a_viewer_sees_only_the_monthly_report_in_the_nav(client, viewer):
    client.force_login(viewer)
    page = client.get("/reports/").content.decode()
    nav = page[page.index('<nav class="main-nav"') : page.index("</nav>")]

    assert 'href="/reports/"' in nav
    for hidden in ("/people/", "/overview/", "/alerts/", "/m/", "/staff/", "/audit/"):
        assert f'href="{hidden}"' not in nav
    assert 'href="/"' not in nav  # the call queue
    assert 'name="language" value="en"' in page  # the language switch stays


def test_staff_still_see_the_whole_nav_and_land_on_the_call_queue(client, operator):
    client.force_login(operator)
    response = client.get("/")
    page = response.content.decode()

    assert response.status_code == 200 and "コールキュー" in page
    assert 'href="/people/"' in page and 'href="/reports/"' in page


def test_a_viewer_manages_their_own_recovery_codes(client, viewer):
    client.force_login(viewer)
    response = client.post("/account/2fa/recovery/")
    assert response.status_code == 200
    assert response.content.decode().count("<li><code>") == 10


def test_a_viewer_here_and_operator_elsewhere_sees_no_person_here(
    client, viewer, other_tenant, make_person, tenant
):
    make_person("はなこ")
    Membership.objects.create(tenant=other_tenant, user=viewer, role="operator")
    client.force_login(viewer)

    client.post("/tenant/", {"tenant": tenant.pk})  # the tenant where they are a viewer
    assert client.get("/people/").status_code == 403
    assert client.get("/")["Location"] == "/reports/"

    client.post("/tenant/", {"tenant": other_tenant.pk})  # where they are an operator
    assert client.get("/people/").status_code == 200


def test_a_disabled_viewer_reads_nothing(client, viewer):
    Membership.objects.filter(user=viewer).update(disabled_at="2026-01-01T00:00:00Z")
    client.force_login(viewer)
    assert client.get("/reports/").status_code == 403


def test_a_viewer_is_not_offered_as_someone_to_send_to_an_alert(viewer, operator, tenant):
    from anpi.dashboard.alerts_board import assignable_staff

    assert list(assignable_staff(tenant)) == [operator]


def test_an_admin_invites_a_viewer_who_joins_and_lands_on_the_report(client, tenant_admin):
    client.force_login(tenant_admin)
    form = client.get("/staff/").content.decode()
    # No role is proposed: seeing people, or only the report, is a choice.
    assert '<option value="viewer">閲覧のみ（レポート）</option>' in form
    assert '<option value="" selected>' in form
    response = client.post(
        "/staff/", {"email": "city@himawari.example", "role": "viewer"}, follow=True
    )
    assert StaffInvite.objects.get().role == "viewer"
    url = re.search(r"http\S+/join/[^/\s]+/", response.content.decode()).group(0)
    client.logout()

    join(client, url, username="city")
    enrol(client, "city")
    response = client.get("/")

    assert response["Location"] == "/reports/"
    assert Membership.objects.get(user__username="city").role == "viewer"
    audited = AuditEntry.objects.filter(action__in=["staff.invite", "staff.join"]).order_by("pk")
    assert [(e.action, e.detail.get("role")) for e in audited] == [
        ("staff.invite", "viewer"),
        ("staff.join", "viewer"),
    ]


def test_the_staff_page_names_the_viewer_role(client, tenant_admin, viewer):
    client.force_login(tenant_admin)
    page = client.get("/staff/").content.decode()
    assert "<td>閲覧のみ（レポート）</td>" in page  # the viewer's row
    assert "月次レポートを見てダウンロードできます" in page  # what inviting one means
