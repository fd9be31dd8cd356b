"""Who may see what: tenant scoping, 404 for other tenants, 403 for non-staff."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from anpi.engine.models import Task
from anpi.tenants.models import Membership, Tenant

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_staff_of_another_tenant_get_404_for_a_person(client, stranger, make_person):
    person = make_person()
    client.force_login(stranger)
    assert client.get(f"/people/{person.pk}/").status_code == 404


def test_staff_of_another_tenant_get_404_for_a_task_and_it_stays_open(
    client, stranger, make_person, reach_call_step
):
    make_person()
    reach_call_step()
    task = Task.objects.get()
    client.force_login(stranger)
    response = client.post(f"/tasks/{task.pk}/outcome/", {"outcome": "safe"})
    assert response.status_code == 404
    task.refresh_from_db()
    assert task.state == Task.State.OPEN


def test_staff_of_another_tenant_do_not_see_the_tenants_people_or_calls(
    client, stranger, make_person, reach_call_step
):
    make_person("はなこ")
    reach_call_step()
    client.force_login(stranger)
    assert "はなこ" not in client.get("/").content.decode()
    assert "はなこ" not in client.get("/people/").content.decode()


def test_a_user_without_a_membership_gets_403(client, db):
    user = User.objects.create_user("nobody", password="x")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 403
    assert "アクセスできません" in response.content.decode()


def test_watchers_do_not_get_the_dashboard(client, tenant):
    user = User.objects.create_user("watcher", password="x")
    Membership.objects.create(tenant=tenant, user=user, role="watcher")
    client.force_login(user)
    assert client.get("/").status_code == 403
    assert client.get("/people/").status_code == 403


def test_a_user_of_two_tenants_starts_in_the_first_and_can_switch(
    client, operator, tenant, other_tenant
):
    Membership.objects.create(tenant=other_tenant, user=operator, role="admin")
    client.force_login(operator)
    first, second = sorted([tenant, other_tenant], key=lambda t: (t.name, t.pk))
    page = client.get("/").content.decode()
    assert f'<span class="tenant-name">{first.name}</span>' in page

    response = client.post("/tenant/", {"tenant": second.pk})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert f'<span class="tenant-name">{second.name}</span>' in page


def test_switching_to_a_tenant_the_user_does_not_belong_to_is_ignored(
    client, operator, tenant, other_tenant
):
    client.force_login(operator)
    client.post("/tenant/", {"tenant": other_tenant.pk})
    page = client.get("/").content.decode()
    assert f'<span class="tenant-name">{tenant.name}</span>' in page
    assert Tenant.objects.count() == 2


def test_login_page_is_japanese_by_default_and_english_on_request(client, db):
    page = client.get("/login/").content.decode()
    assert 'lang="ja"' in page
    assert "ログイン" in page
    assert "パスワード" in page

    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'lang="en"' in page
    assert "Log in" in page
    assert "ログイン" not in page


def test_the_language_switcher_changes_the_language(client, operator):
    client.force_login(operator)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert "Call queue" in page
    assert "コールキュー" not in page


def test_a_staff_member_can_log_in_with_the_form_and_the_code(client, operator):
    from conftest import totp_code

    response = client.post("/login/", {"username": "operator", "password": "correct horse battery"})
    assert response.status_code == 302
    assert response["Location"] == "/"
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/account/2fa/verify/?next=/"
    response = client.post("/account/2fa/verify/", {"code": totp_code(operator), "next": "/"})
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
