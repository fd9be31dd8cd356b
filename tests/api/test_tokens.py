"""API tokens: made and revoked by a tenant admin, stored hashed, 401 when dead."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client

from anpi.api.models import ApiToken
from anpi.tenants.models import AuditEntry

from .conftest import ApiClient

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_the_sha256_of_its_secret(issued):
    row = ApiToken.objects.get()
    prefix, secret = issued.token.removeprefix("anpi_").split("_", 1)
    assert row.prefix == prefix
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(list(ApiToken.objects.values()))
    assert len(secret) >= 43  # 32 random bytes, URL-safe base64


def test_a_token_opens_its_tenants_api_and_notes_when_it_was_used(api, clock):
    assert api.get("/api/people").status_code == 200
    assert ApiToken.objects.get().last_used_at == clock.now()


def test_no_token_an_unknown_token_or_a_wrong_secret_gets_401_problem(api, anonymous_api, issued):
    wrong_secret = issued.token[:-4] + "AAAA"
    for caller in (
        anonymous_api,
        ApiClient(Client(), "anpi_00000000_nothing"),
        ApiClient(Client(), wrong_secret),
        ApiClient(Client(), "not-a-token"),
    ):
        response = caller.get("/api/people")
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"
        assert response["WWW-Authenticate"].startswith("Bearer")
        assert response.json()["status"] == 401


def test_a_revoked_token_gets_401_at_once(api, tenant_admin, clock):
    from anpi.api.tokens import do_revoke_token
    from anpi.tenants.actors import Actor

    assert do_revoke_token(ApiToken.objects.get(), Actor.staff(tenant_admin), clock.now())
    assert api.get("/api/people").status_code == 401


def test_the_admin_makes_a_token_on_the_page_and_sees_it_only_once(client, tenant_admin):
    client.force_login(tenant_admin)
    response = client.post("/api-tokens/", {"name": "介護システム連携"})
    assert response.status_code == 200
    row = ApiToken.objects.get()
    page = response.content.decode()
    token = page.split('id="new-token" type="text" readonly value="')[1].split('"')[0]
    assert token.startswith(f"anpi_{row.prefix}_")
    assert row.created_by == tenant_admin
    assert token not in client.get("/api-tokens/").content.decode()
    assert ApiClient(Client(), token).get("/api/people").status_code == 200
    entry = AuditEntry.objects.get(action="api_token.create")
    assert entry.actor_user == tenant_admin and entry.detail["prefix"] == row.prefix


def test_the_admin_revokes_a_token_on_the_page_and_it_is_audited(client, tenant_admin, api):
    client.force_login(tenant_admin)
    row = ApiToken.objects.get()
    response = client.post(f"/api-tokens/{row.pk}/revoke/")
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.revoked_at is not None and row.revoked_by == tenant_admin
    assert api.get("/api/people").status_code == 401
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1
    client.post(f"/api-tokens/{row.pk}/revoke/")
    assert AuditEntry.objects.filter(action="api_token.revoke").count() == 1


def test_operators_cannot_open_the_token_page(client, operator):
    client.force_login(operator)
    assert client.get("/api-tokens/").status_code == 403
    assert client.post("/api-tokens/", {"name": "x"}).status_code == 403
    assert not ApiToken.objects.exists()


def test_the_token_page_wants_a_verified_second_factor(client, tenant_admin):
    client.force_login(tenant_admin, verified=False)
    response = client.get("/api-tokens/")
    assert response.status_code == 302
    assert "2fa" in response["Location"]


def test_an_admin_of_another_tenant_cannot_revoke_the_tenants_token(client, stranger_admin, api):
    client.force_login(stranger_admin)
    row = ApiToken.objects.get()
    assert client.post(f"/api-tokens/{row.pk}/revoke/").status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None
    assert "市の基幹システム" not in client.get("/api-tokens/").content.decode()


def test_the_token_page_and_its_nav_link_speak_japanese_by_default(client, tenant_admin):
    client.force_login(tenant_admin)
    page = client.get("/api-tokens/").content.decode()
    assert "APIトークン" in page and "監査ログ" in page
    assert 'href="/api-tokens/"' in client.get("/").content.decode()
