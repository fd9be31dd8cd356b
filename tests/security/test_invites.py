"""Onboarding: `anpi createtenant`, an admin's invite, joining, enrolling TOTP."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from anpi.tenants import staff
from anpi.tenants.actors import Actor
from anpi.tenants.models import AuditEntry, Membership, StaffInvite
from conftest import totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "a long walk by the river 7"


def join(client, url: str, username: str = "hanako", password: str = PASSWORD):
    path = url.split("://", 1)[1].split("/", 1)[1]
    return client.post(
        "/" + path, {"username": username, "password1": password, "password2": password}
    )


def enrol(client, username: str):
    page = client.get("/account/2fa/setup/").content.decode()
    assert 'id="totp-secret"' in page
    device = TOTPDevice.objects.get(user__username=username, confirmed=False)
    return client.post("/account/2fa/setup/", {"code": totp_code(device)})


def test_createtenant_invites_the_first_admin_who_joins_with_totp(
    client, smtp, django_capture_on_commit_callbacks
):
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command(
            "createtenant",
            "ひまわり市",
            "himawari",
            kind="municipal",
            admin_email="a@hima.jp",
            stdout=out,
        )
    url = re.search(r"http\S+/join/\S+/", out.getvalue()).group(0)
    ((rcpt, mail),) = smtp.messages
    assert rcpt == ["a@hima.jp"] and url in mail.get_content()

    response = join(client, url)
    assert response["Location"] == "/account/2fa/setup/"
    assert client.get("/").status_code == 302  # nothing before the second factor
    response = enrol(client, "hanako")
    assert response["Location"] == "/account/2fa/recovery/"
    page = client.get("/account/2fa/recovery/").content.decode()
    assert len(re.findall(r"<li><code>\w+</code></li>", page)) == 10
    page = client.get("/").content.decode()
    assert "ひまわり市" in page
    membership = Membership.objects.get(user__username="hanako")
    assert membership.role == "admin" and membership.tenant.kind == "municipal"
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions == [
        "tenant.create",
        "staff.invite",
        "staff.join",
        "staff.2fa_enrol",
        "staff.recovery_codes",
        "queue.view",  # the first look at the dashboard is audited too
    ]


def test_an_invite_link_works_once(client, tenant, tenant_admin):
    issued = staff.do_invite_staff(
        tenant, "b@npo.jp", "operator", Actor.staff(tenant_admin), timezone.now()
    )
    assert join(client, issued.url).status_code == 302
    client.logout()
    response = join(client, issued.url, username="someone-else")
    assert response.status_code == 410
    assert not User.objects.filter(username="someone-else").exists()


def test_an_invite_link_expires_after_72_hours(client, tenant, tenant_admin):
    issued = staff.do_invite_staff(
        tenant,
        "b@npo.jp",
        "operator",
        Actor.staff(tenant_admin),
        timezone.now() - timedelta(hours=72, minutes=1),
    )
    response = join(client, issued.url)
    assert response.status_code == 410
    assert "期限" in response.content.decode()
    assert not User.objects.filter(username="hanako").exists()


def test_only_a_hash_of_the_invite_token_is_stored(tenant, tenant_admin):
    issued = staff.do_invite_staff(
        tenant, "b@npo.jp", "operator", Actor.staff(tenant_admin), timezone.now()
    )
    stored = StaffInvite.objects.get()
    assert issued.token not in stored.token_hash
    assert stored.token_hash == staff.token_hash(issued.token)


@pytest.mark.parametrize(
    "password",
    ["short pass", "hanako@npo.jp1", "password1234"],
    ids=["short", "like-name", "common"],
)
def test_a_weak_password_is_refused(client, tenant, tenant_admin, password):
    issued = staff.do_invite_staff(
        tenant, "hanako@npo.jp", "operator", Actor.staff(tenant_admin), timezone.now()
    )
    response = join(client, issued.url, password=password)
    assert response.status_code == 200
    assert not User.objects.filter(username="hanako").exists()


def test_a_long_password_without_symbols_or_digits_is_fine(client, tenant, tenant_admin):
    issued = staff.do_invite_staff(
        tenant, "b@npo.jp", "operator", Actor.staff(tenant_admin), timezone.now()
    )
    assert join(client, issued.url, password="the quiet heron waits").status_code == 302


def test_a_tenant_admin_invites_an_operator_by_email(
    client, tenant_admin, smtp, django_capture_on_commit_callbacks
):
    client.force_login(tenant_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/staff/", {"email": "op@npo.jp", "role": "operator"})
    assert response.status_code == 302
    ((rcpt, mail),) = smtp.messages
    assert rcpt == ["op@npo.jp"]
    assert StaffInvite.objects.get().role == "operator"


def test_watchers_cannot_be_invited_to_the_dashboard(client, tenant_admin):
    client.force_login(tenant_admin)
    response = client.post("/staff/", {"email": "w@npo.jp", "role": "watcher"})
    assert response.status_code == 200
    assert not StaffInvite.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_createtenant_says_so_when_the_invite_mail_could_not_be_sent(settings):
    from tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", free_port()  # nobody listens
    out = io.StringIO()
    call_command("createtenant", "あおい市", "aoi", admin_email="a@aoi.jp", stdout=out)
    text = out.getvalue()
    assert "could NOT be sent" in text and "give the link to them yourself" in text
    assert "e-mailed to" not in text
    assert re.search(r"http\S+/join/\S+/", text)  # the link to pass on by hand


def test_an_invite_without_a_chosen_role_is_refused_and_nothing_is_sent(client, tenant_admin):
    from anpi.tenants.models import StaffInvite

    client.force_login(tenant_admin)
    page = client.get("/staff/").content.decode()
    assert "役割を選んでください" in page
    response = client.post("/staff/", {"email": "someone@npo.jp", "role": ""})
    assert response.status_code == 200
    assert not StaffInvite.objects.filter(email="someone@npo.jp").exists()
