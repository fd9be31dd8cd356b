"""Who may open which staff page: operator, tenant admin, watcher, platform admin,
and staff of another tenant (404 for objects, 403 for a role)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from anpi.tenants.models import Membership

pytestmark = pytest.mark.django_db

ADMIN_PAGES = ["/staff/", "/settings/line/", "/m/organizations/new/", "/m/teams/new/"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_an_operator_gets_403_on_the_admin_pages(client, operator, url):
    client.force_login(operator)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_a_tenant_admin_opens_the_admin_pages(client, tenant_admin, url):
    client.force_login(tenant_admin)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", ["/", "/people/", "/staff/", "/m/"])
def test_a_watcher_has_no_dashboard(client, watcher, url):
    client.force_login(watcher)
    assert client.get(url).status_code == 403


def test_an_admin_of_another_tenant_gets_404_disabling_this_tenants_operator(
    client, stranger_admin, operator
):
    membership = Membership.objects.get(user=operator)
    client.force_login(stranger_admin)
    assert client.post(f"/staff/{membership.pk}/disable/").status_code == 404
    membership.refresh_from_db()
    assert membership.disabled_at is None


def test_an_admin_of_another_tenant_does_not_see_this_tenants_staff(
    client, stranger_admin, operator
):
    client.force_login(stranger_admin)
    page = client.get("/staff/").content.decode()
    assert "<td>stranger-admin</td>" in page
    assert "<td>operator</td>" not in page


def test_an_operator_cannot_disable_a_colleague(client, operator, tenant_admin):
    membership = Membership.objects.get(user=tenant_admin)
    client.force_login(operator)
    assert client.post(f"/staff/{membership.pk}/disable/").status_code == 403


def test_only_platform_admins_open_the_tenants_page(client, tenant_admin):
    client.force_login(tenant_admin)
    assert client.get("/platform/tenants/").status_code == 403
    root = User.objects.create_user("root", password="x", is_staff=True)
    client.force_login(root)
    assert client.get("/platform/tenants/").status_code == 200


def test_a_platform_admin_creates_a_tenant_and_invites_its_admin(
    client, db, smtp, django_capture_on_commit_callbacks
):
    root = User.objects.create_user("root", password="x", is_staff=True)
    client.force_login(root)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/platform/tenants/",
            {
                "name": "さくら市",
                "slug": "sakura",
                "kind": "municipal",
                "admin_email": "a@sakura.jp",
            },
            follow=True,
        )
    assert "さくら市" in response.content.decode()
    assert "/join/" in response.content.decode()
    ((rcpt, mail),) = smtp.messages
    assert rcpt == ["a@sakura.jp"]
    assert "/join/" in mail.get_content()


def test_the_staff_nav_link_shows_for_admins_only(client, operator, tenant_admin):
    client.force_login(operator)
    assert 'href="/staff/"' not in client.get("/").content.decode()
    client.force_login(tenant_admin)
    assert 'href="/staff/"' in client.get("/").content.decode()
