"""Tenant admins read the audit log on /audit/, filter it and export it as CSV
(formula-safe, UTF-8 with BOM); the export is audited too."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from anpi.tenants.actors import Actor
from anpi.tenants.audit import record
from anpi.tenants.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_an_operator_gets_403_on_the_audit_log_and_its_export(client, operator):
    client.force_login(operator)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_a_tenant_admin_reads_who_opened_a_person(client, operator, tenant_admin, world):
    client.force_login(operator)
    client.get(f"/people/{world.person.pk}/", REMOTE_ADDR="198.51.100.7")
    client.force_login(tenant_admin)
    page = client.get("/audit/").content.decode()
    assert "監査ログ" in page
    assert "利用者を開いた" in page
    assert "198.51.100.7" in page
    assert ">operator<" in page


def test_the_audit_log_is_english_on_request(client, tenant_admin, world):
    client.force_login(tenant_admin)
    client.get(f"/people/{world.person.pk}/")
    page = client.get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Audit log" in page
    assert "Opened a person" in page
    assert "監査ログ" not in page


def test_the_admin_of_another_tenant_does_not_see_this_tenants_entries(
    client, operator, stranger_admin, world
):
    client.force_login(operator)
    client.get(f"/people/{world.person.pk}/")
    client.force_login(stranger_admin)
    page = client.get("/audit/").content.decode()
    assert ">operator<" not in page
    assert client.get("/audit/", {"person": world.person.pk}).content.decode().count("<tr") == 0


def test_the_log_filters_by_user_action_person_object_and_dates(
    client, operator, tenant_admin, world, tenant
):
    colleague = tenant_admin
    now = timezone.now()
    old = record(tenant.pk, Actor.staff(operator), "person.view", world.outsider, now - timedelta(days=10))
    mine = record(tenant.pk, Actor.staff(operator), "person.view", world.person, now)
    listed = record(
        tenant.pk, Actor.staff(colleague), "people.list", None, now, person_ids=[world.person.pk]
    )
    team = record(tenant.pk, Actor.staff(colleague), "team.view", world.team, now)

    def shown(**filters) -> set[int]:
        page = client.get("/audit/", filters).content.decode()
        return {e.pk for e in (old, mine, listed, team) if f'data-entry="{e.pk}"' in page}

    client.force_login(tenant_admin)
    assert shown() == {old.pk, mine.pk, listed.pk, team.pk}
    assert shown(user=operator.pk) == {old.pk, mine.pk}
    assert shown(action="people.list") == {listed.pk}
    assert shown(person=world.person.pk) == {mine.pk, listed.pk}
    assert shown(object_type="Team", object_id=str(world.team.pk)) == {team.pk}
    day = timezone.localdate(now - timedelta(days=10)).isoformat()
    assert shown(date_from=day, date_to=day) == {old.pk}


def test_the_log_is_paginated_newest_first(client, tenant_admin, tenant, operator):
    now = timezone.now()
    for i in range(55):
        record(tenant.pk, Actor.staff(operator), "queue.view", None, now + timedelta(seconds=i))
    client.force_login(tenant_admin)
    first = client.get("/audit/").content.decode()
    assert first.count("data-entry=") == 50
    newest = AuditEntry.objects.order_by("-at").first()
    assert f'data-entry="{newest.pk}"' in first
    assert client.get("/audit/", {"page": 2}).content.decode().count("data-entry=") == 5


def _export(client, **filters):
    response = client.get("/audit/export.csv", filters)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    return response.content


def test_the_export_is_utf8_with_a_bom_and_keeps_japanese(client, tenant_admin, world, operator):
    client.force_login(operator)
    client.get(f"/people/{world.person.pk}/")
    client.force_login(tenant_admin)
    body = _export(client)
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][0] == "日時"
    (row,) = [r for r in rows[1:] if r[4] == "person.view"]
    assert row[1] == "operator"
    assert row[6] == str(world.person.pk)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_the_export_defuses_cells_that_start_like_a_formula(
    client, tenant_admin, tenant, operator, start
):
    from django.contrib.auth.models import User

    evil = User.objects.create_user(f"{start}HYPERLINK(1)", password="x")
    record(tenant.pk, Actor.staff(evil), "person.view", None, timezone.now())
    client.force_login(tenant_admin)
    rows = list(csv.reader(io.StringIO(_export(client).decode("utf-8-sig"), newline="")))
    (row,) = [r for r in rows[1:] if r[1].endswith("HYPERLINK(1)")]
    assert row[1] == f"'{start}HYPERLINK(1)"


def test_the_export_follows_the_filters_and_is_itself_audited(
    client, tenant_admin, tenant, operator, world
):
    record(tenant.pk, Actor.staff(operator), "person.view", world.person, timezone.now())
    record(tenant.pk, Actor.staff(operator), "team.view", world.team, timezone.now())
    client.force_login(tenant_admin)
    body = _export(client, action="team.view")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert [r[4] for r in rows[1:]] == ["team.view"]
    (entry,) = AuditEntry.objects.filter(action="audit.export")
    assert entry.actor_user == tenant_admin
    assert entry.detail["rows"] == 1
    assert entry.detail["filters"] == {"action": "team.view"}
