"""Sessions end: after idling, after 12 hours whatever happens, when staff are
disabled; sign-in is throttled by account and by address."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from anpi.tenants import staff
from anpi.tenants.actors import Actor
from anpi.tenants.middleware import SIGNED_IN_AT
from anpi.tenants.models import AuditEntry, Membership
from conftest import StaffClient

pytestmark = pytest.mark.django_db


def test_the_idle_timeout_is_30_minutes_pushed_on_by_every_request():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_a_session_ends_12_hours_after_sign_in_even_when_busy(client, operator):
    client.force_login(operator)
    assert client.get("/people/").status_code == 200
    session = client.session
    session[SIGNED_IN_AT] -= 12 * 60 * 60 + 1
    session.save()
    response = client.get("/people/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_session_cookies_are_http_only_and_same_site(client, operator):
    client.force_login(operator)
    cookie = client.get("/").cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"


def test_a_disabled_operator_is_logged_out_at_once(client, operator, tenant_admin):
    client.force_login(operator)
    assert client.get("/people/").status_code == 200
    admin = StaffClient()
    admin.force_login(tenant_admin)
    membership = Membership.objects.get(user=operator)
    assert admin.post(f"/staff/{membership.pk}/disable/").status_code == 302

    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    operator.refresh_from_db()
    assert operator.is_active is False
    assert not any(
        s.get_decoded().get("_auth_user_id") == str(operator.pk) for s in Session.objects.all()
    )
    entry = AuditEntry.objects.get(action="staff.disable")
    assert entry.actor_user == tenant_admin and entry.detail["sessions_ended"] == 1


def test_staff_of_two_tenants_disabled_in_one_keep_the_other(
    client, operator, tenant_admin, other_tenant
):
    Membership.objects.create(tenant=other_tenant, user=operator, role="operator")
    staff.do_disable_staff(
        Membership.objects.get(user=operator, tenant=tenant_admin.memberships.get().tenant),
        Actor.staff(tenant_admin),
        timezone.now(),
    )
    operator.refresh_from_db()
    assert operator.is_active
    client.force_login(operator)
    assert other_tenant.name in client.get("/").content.decode()


def test_an_admin_cannot_disable_themselves(client, tenant_admin):
    client.force_login(tenant_admin)
    membership = Membership.objects.get(user=tenant_admin)
    client.post(f"/staff/{membership.pk}/disable/")
    membership.refresh_from_db()
    assert membership.disabled_at is None


def login(client, username, password, ip="10.0.0.1"):
    return client.post("/login/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_lock_the_account_even_with_the_right_one(client, operator):
    from axes.models import AccessFailureLog

    for _ in range(5):
        login(client, "operator", "wrong password")
    response = login(client, "operator", "correct horse battery", ip="10.0.0.2")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    # Every failure is kept (who, from where, when), the locked-out try too.
    failures = AccessFailureLog.objects.filter(username="operator")
    assert failures.count() == 6
    assert failures.filter(locked_out=True, ip_address="10.0.0.2").count() == 1


def test_one_address_trying_many_accounts_is_locked(client, db):
    for n in range(5):
        login(client, f"guess{n}", "wrong password", ip="10.9.9.9")
    assert login(client, "someone", "whatever", ip="10.9.9.9").status_code == 429
    assert login(client, "someone", "whatever", ip="10.9.9.8").status_code == 200
