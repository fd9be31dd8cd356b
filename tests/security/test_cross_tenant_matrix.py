"""Every URL of anpi, as every role of another tenant and as anonymous.

The URL list comes from the resolver itself (``get_resolver().url_patterns``,
walked recursively), so a new page is in the matrix the day it is added. Each
one must have a rule here — either in ``PUBLIC`` (reached without a login, with
the reason why that is safe) or in ``RULES`` (who may open it). A URL with no
rule, or a path parameter with no fixture object, fails
``test_every_url_has_a_rule`` with a message saying what to add.

Path parameters are filled with ids of objects of ``tenant`` (tenant A, the
``world`` fixture); requests come from tenant B (``other_tenant``): its admin,
its operator, its viewer (閲覧のみ) and a watcher login. Expected:

- a page that takes an object id: 404 for every role that passes the page's
  role check (tenant B must not learn that the id exists), 403 for a role the
  page refuses whatever the id (checked: the same answer as for an id that
  exists nowhere);
- a page without an id: the role's normal answer, and nothing of tenant A in
  the body;
- anonymous: a redirect to the login page.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.django_db

# URLs reached without a staff login, and why that is safe.
PUBLIC: dict[str, str] = {
    "healthz": "tells the public only up/down; details need a token (test_defaults)",
    "line-webhook": "LINE's webhook: the secret path token plus X-Line-Signature (engine tests)",
    "line-webhook-no-slash": "the same webhook without the slash, for the LINE console's Verify",
    "login": "the sign-in page",
    "logout": "ends the caller's own session only",
    "staff-invite": "the invite link: a 256-bit single-use token, stored hashed (test_invites)",
    "set_language": "Django's language switch: stores a cookie, shows nothing",
    "individual:settings": "the person's signed one-time settings link (tests/individual)",
    "individual:settings-done": "shows only what this browser's session just saved",
    "individual:terms": "the public terms page",
    "individual:contact-confirm": "a contact's consent link: an unguessable token (tests/individual)",
    "groups:settings": "a group's signed settings link (tests/groups)",
    "individual:settings-withdraw": "the person's own signed settings link: withdraws their consent",
    "individual:contact-report": "a contact's signed one-time report link (tests/e2e/test_true_messages)",
    "favicon": "a static icon",
    "demo:mailbox": "the demo's e-mails; 404 unless ANPI_DEMO (tests/demo/test_demo_pages)",
}


@dataclass(frozen=True)
class Rule:
    """Who may open a page: ``kind`` is the page's gate —

    - ``staff``: ``staff_view`` (admin and operator; viewers and watchers 403);
    - ``report``: ``report_view`` (admin, operator and viewer; watchers 403);
    - ``admin``: ``admin_view`` (operators and watchers 403);
    - ``watcher``: the watcher pages (admins and operators without a watcher
      membership 403);
    - ``platform``: ``platform_admin_view`` (every tenant role 403);
    - ``account``: the signed-in user's own 2FA pages (no tenant data).

    ``method`` is how the page is requested (POST-only pages answer 405 to GET);
    ``ok`` the status a role that may open a page without an id gets;
    ``viewer_ok`` the viewer's, where it differs (the landing page sends them on)."""

    kind: str
    method: str = "get"
    ok: int = 200
    viewer_ok: int | None = None


RULES: dict[str, Rule] = {
    "two-factor-setup": Rule("account", ok=302),  # has a device → to verify
    "two-factor-verify": Rule("account", ok=302),  # already verified → onward
    "two-factor-recovery": Rule("account"),
    "dashboard:home": Rule("report", viewer_ok=302),  # a viewer lands on the report
    "dashboard:overview": Rule("staff"),
    "dashboard:task-outcome": Rule("staff", "post"),
    "dashboard:task-decide": Rule("staff", "post"),
    "dashboard:alerts": Rule("staff"),
    "dashboard:alert-claim": Rule("staff", "post"),
    "dashboard:alert-assign": Rule("admin", "post"),
    "dashboard:alert-outcome": Rule("staff", "post"),
    "dashboard:incident-claim": Rule("staff", "post"),
    "dashboard:incident-assign": Rule("admin", "post"),
    "dashboard:people": Rule("staff"),
    "dashboard:person": Rule("staff"),
    "dashboard:person-new": Rule("staff"),
    "dashboard:person-line-sheet": Rule("staff"),
    "dashboard:person-line-code": Rule("staff", "post"),
    "dashboard:people-import": Rule("staff"),
    "dashboard:people-export": Rule("admin"),
    "dashboard:person-edit": Rule("staff"),
    "dashboard:contact-confirm": Rule("staff", "post"),
    "dashboard:switch-tenant": Rule("report", "post", ok=302),
    "dashboard:staff": Rule("admin"),
    "dashboard:staff-disable": Rule("admin", "post"),
    "dashboard:staff-enable": Rule("admin", "post"),
    "dashboard:audit": Rule("admin"),
    "dashboard:audit-export": Rule("admin"),
    "dashboard:platform-tenants": Rule("platform"),
    "municipal:overview": Rule("staff"),
    "municipal:channel": Rule("admin", ok=302),  # moved to /settings/line/
    "dashboard:line-settings": Rule("admin"),
    "dashboard:tenant-settings": Rule("admin"),
    "dashboard:line-friend-qr": Rule("staff", ok=404),  # tenant B has no channel: no QR
    "municipal:organization-new": Rule("admin"),
    "municipal:policy-new": Rule("admin"),
    "municipal:team-new": Rule("admin"),
    "municipal:team": Rule("staff"),
    "municipal:invite-new": Rule("admin", "post"),
    "municipal:invite-qr": Rule("staff"),
    "municipal:alert": Rule("staff"),
    "municipal:group": Rule("staff"),
    "municipal:watch": Rule("watcher"),
    "municipal:watch-person": Rule("watcher"),
    "api-tokens": Rule("admin"),
    "api-token-revoke": Rule("admin", "post"),
    "dashboard:person-notes": Rule("staff", "post"),
    "dashboard:person-withdraw-consent": Rule("staff", "post"),
    "dashboard:person-export": Rule("admin", "post"),
    "dashboard:person-erase": Rule("admin"),
    "dashboard:person-pause": Rule("staff", "post"),
    "dashboard:person-pause-end": Rule("staff", "post"),
    "dashboard:quiet-hours": Rule("admin"),
    "reports:monthly": Rule("report"),
    "reports:csv": Rule("report"),
    "reports:pdf": Rule("report"),
}

# Path parameter → the object of tenant A whose id fills it.
PARAMS: dict[str, Callable[[Any], Any]] = {
    "person_id": lambda w: w.person.pk,
    "task_id": lambda w: w.task.pk,
    "check_id": lambda w: w.check.pk,
    "contact_id": lambda w: w.contact.pk,
    "team_id": lambda w: w.team.pk,
    "alert_id": lambda w: w.alert.pk,
    "group_id": lambda w: w.group.pk,
    "invite_id": lambda w: w.invite.pk,
    "membership_id": lambda w: w.membership.pk,
    "token_id": lambda w: w.api_token.pk,
}

# The JSON API answers to a bearer token, never to a session: its tenant isolation
# (a token of tenant B gets 404 for tenant A's objects) is tested in tests/api;
# here every API URL must refuse a session of any kind with 401.
TOKEN_GATED_NAMESPACE = "api:"
NOWHERE = 987_654  # an id no object has

# What of tenant A must never show in tenant B's pages.
TENANT_A_WORDS = ["はなこ", "うめ", "長男 太郎", "北地区", "南地区", "なかま", "みまもりNPO"]

# Which gates let each role of tenant B through.
PASSES: dict[str, set[str]] = {
    "admin": {"staff", "report", "admin", "account"},
    "operator": {"staff", "report", "account"},
    "viewer": {"report", "account"},
    "watcher": {"watcher", "account"},
}


@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    params: tuple[str, ...]


def walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    """Every URL pattern under ``patterns``, with its namespaced name."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else ""
            yield Route(name, prefix + str(entry.pattern), tuple(entry.pattern.converters))


ROUTES = list(walk(get_resolver().url_patterns))


def url_of(route: Route, world: Any, fill: int | None = None) -> str:
    kwargs = {p: fill if fill is not None else PARAMS[p](world) for p in route.params}
    return reverse(route.name, kwargs=kwargs)


def test_every_url_has_a_rule():
    problems = []
    for route in ROUTES:
        if route.name.startswith(TOKEN_GATED_NAMESPACE):
            continue  # test_the_json_api_refuses_every_session
        if not route.name:
            problems.append(f"/{route.pattern} has no name: name it, then give it a rule")
        elif route.name in PUBLIC and route.name in RULES:
            problems.append(f"{route.name} is both public and protected")
        elif route.name not in PUBLIC and route.name not in RULES:
            problems.append(
                f"{route.name} (/{route.pattern}) has no rule: add it to RULES (who may "
                f"open it) or to PUBLIC (with the reason it is safe) in {__name__}"
            )
        elif route.name in RULES:
            for param in route.params:
                if param not in PARAMS:
                    problems.append(
                        f"{route.name}: no fixture object for the path parameter "
                        f"<{param}>: add it to PARAMS (and to the world fixture)"
                    )
    assert not problems, "\n".join(problems)
    assert set(RULES) | set(PUBLIC) <= {r.name for r in ROUTES}, "a rule names no URL"


def _request(client, rule: Rule, url: str):
    return client.post(url) if rule.method == "post" else client.get(url)


def _expected(role: str, route: Route, rule: Rule) -> int:
    if rule.kind not in PASSES[role]:
        return 403
    if route.params:
        return 404
    return rule.viewer_ok if role == "viewer" and rule.viewer_ok is not None else rule.ok


@pytest.fixture
def tenant_b_users(stranger_admin, stranger, stranger_viewer, stranger_watcher) -> dict[str, Any]:
    return {
        "admin": stranger_admin,
        "operator": stranger,
        "viewer": stranger_viewer,
        "watcher": stranger_watcher,
    }


@pytest.mark.parametrize("role", ["admin", "operator", "viewer", "watcher"])
def test_every_page_of_tenant_a_is_404_or_403_to_each_role_of_tenant_b(
    client, world, tenant_b_users, role
):
    client.force_login(tenant_b_users[role])
    problems = []
    for route in ROUTES:
        rule = RULES.get(route.name)
        if rule is None:
            continue  # public (or unruled: test_every_url_has_a_rule fails)
        url = url_of(route, world)
        response = _request(client, rule, url)
        expected = _expected(role, route, rule)
        if response.status_code != expected:
            problems.append(f"{role} of B: {rule.method.upper()} {url} → {response.status_code}, expected {expected}")
            continue
        if route.params and expected == 403:
            # Refused by role: the answer must not depend on whether the id exists.
            other = _request(client, rule, url_of(route, world, fill=NOWHERE))
            if other.status_code != 403:
                problems.append(f"{role} of B: {url} is 403 but a missing id gives {other.status_code}")
        if response.status_code == 200 and not response.streaming:
            body = response.content.decode("utf-8", "replace")
            leaked = [w for w in TENANT_A_WORDS if w in body]
            if leaked:
                problems.append(f"{role} of B: {url} shows tenant A's {leaked}")
    assert not problems, "\n".join(problems)


def test_every_protected_page_sends_anonymous_visitors_to_the_login_page(client, world):
    problems = []
    for route in ROUTES:
        rule = RULES.get(route.name)
        if rule is None:
            continue
        url = url_of(route, world)
        response = _request(client, rule, url)
        location = response.get("Location", "")
        if response.status_code != 302 or not location.startswith(reverse("login")):
            problems.append(f"anonymous: {rule.method.upper()} {url} → {response.status_code} {location}")
    assert not problems, "\n".join(problems)


def test_the_matrix_rules_hold_for_tenant_a_itself(client, world, tenant_admin):
    """A sanity check of the fixture ids: tenant A's own admin opens each GET page
    that takes an id (so the 404s above are about the tenant, not a bad id)."""
    client.force_login(tenant_admin)
    for route in ROUTES:
        rule = RULES.get(route.name)
        if rule is None or not route.params or rule.method != "get" or rule.kind != "staff":
            continue
        url = url_of(route, world)
        assert client.get(url).status_code == 200, url


def test_the_json_api_refuses_every_session(client, world, tenant_b_users, tenant_admin):
    """Anonymous, tenant B's roles and tenant A's own admin: no session opens the
    API (a stolen cookie is not an API key); only a token does (tests/api)."""
    problems = []
    api_routes = [r for r in ROUTES if r.name.startswith(TOKEN_GATED_NAMESPACE)]
    assert api_routes, "the JSON API has no URLs?"
    # The schema and its docs are public; ninja's bare root shows nothing (404).
    public = {"api:openapi-json", "api:openapi-view", "api:api-root"}
    for who, user in [("anonymous", None), *tenant_b_users.items(), ("admin of A", tenant_admin)]:
        if user is not None:
            client.force_login(user)
        for route in api_routes:
            if route.name in public:
                continue
            url = reverse(route.name, kwargs={p: 1 for p in route.params})
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                if status not in (401, 405):
                    problems.append(f"{who}: {method.upper()} {url} → {status}, expected 401")
    assert not problems, "\n".join(problems)
