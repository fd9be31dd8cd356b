"""The audit log records every look at a person's data and every change: who,
when, from where, what. It is append-only, in the app and (PostgreSQL) in the
database."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.db.utils import DatabaseError

from anpi.tenants.actors import Actor
from anpi.tenants.audit import record
from anpi.tenants.models import AuditEntry

pytestmark = pytest.mark.django_db


def entries(action: str | None = None):
    qs = AuditEntry.objects.order_by("pk")
    return list(qs.filter(action=action) if action else qs)


def test_an_operator_opening_a_person_is_in_the_audit_log(client, operator, world, tenant):
    client.force_login(operator)
    assert client.get(f"/people/{world.person.pk}/", REMOTE_ADDR="198.51.100.7").status_code == 200
    (entry,) = entries("person.view")
    assert entry.tenant == tenant
    assert entry.actor_user == operator
    assert entry.actor_label == "operator"
    assert entry.ip_address == "198.51.100.7"
    assert (entry.object_type, entry.object_id) == ("Person", str(world.person.pk))
    assert entry.person_ids == f",{world.person.pk},"
    assert entry.detail["contact_ids"] == [world.contact.pk]
    assert entry.break_glass is False


def test_the_people_list_is_one_entry_with_the_ids_shown_and_the_query(client, operator, world):
    client.force_login(operator)
    client.get("/people/", {"q": "はな"})
    (entry,) = entries("people.list")
    assert entry.person_ids == f",{world.person.pk},"
    assert entry.detail["query"] == {"q": "はな"}


@pytest.mark.parametrize(
    "url, action, obj",
    [
        ("/", "queue.view", None),
        ("/m/", "municipal.overview", None),
        ("/m/alerts/{alert}/", "alert.view", "alert"),
        ("/m/teams/{team}/", "team.view", "team"),
        ("/m/groups/{group}/", "group.view", "group"),
    ],
)
def test_each_page_with_personal_data_is_in_the_audit_log(client, operator, world, url, action, obj):
    client.force_login(operator)
    url = url.format(alert=world.alert.pk, team=world.team.pk, group=world.group.pk)
    assert client.get(url).status_code == 200
    (entry,) = entries(action)
    assert entry.actor_user == operator
    if obj:
        assert entry.object_id == str(getattr(world, obj).pk)
    if action in ("queue.view", "municipal.overview", "alert.view", "team.view"):
        assert f",{world.person.pk}," in entry.person_ids


def test_a_page_of_another_tenant_leaves_no_entry_and_shows_nothing(client, stranger, world):
    client.force_login(stranger)
    assert client.get(f"/people/{world.person.pk}/").status_code == 404
    assert entries() == []


def test_a_recorded_call_outcome_is_in_the_audit_log_with_its_address(
    client, operator, world
):
    client.force_login(operator)
    response = client.post(
        f"/tasks/{world.task.pk}/outcome/", {"outcome": "safe"}, REMOTE_ADDR="203.0.113.5"
    )
    assert response.status_code == 302
    (entry,) = entries("task.outcome")
    assert entry.object_id == str(world.task.pk)
    assert entry.ip_address == "203.0.113.5"
    assert entry.detail["outcome"] == "safe"
    assert entry.person_ids == f",{world.person.pk},"


def test_a_change_made_through_an_action_carries_the_request_address(client, tenant_admin):
    client.force_login(tenant_admin)
    client.post("/m/organizations/new/", {"name": "北地区社協", "kind": "社協"}, REMOTE_ADDR="192.0.2.9")
    (entry,) = entries("organization.create")
    assert entry.actor_user == tenant_admin
    assert entry.ip_address == "192.0.2.9"


def test_behind_a_proxy_the_address_is_read_as_django_axes_reads_it(
    client, operator, world, settings
):
    settings.AXES_IPWARE_PROXY_COUNT = 1
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    client.force_login(operator)
    client.get(
        f"/people/{world.person.pk}/",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.20, 10.0.0.2",
    )
    assert entries("person.view")[0].ip_address == "198.51.100.20"


def test_without_a_proxy_setting_a_forged_forwarded_for_is_ignored(client, operator, world):
    client.force_login(operator)
    client.get(
        f"/people/{world.person.pk}/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="1.2.3.4"
    )
    assert entries("person.view")[0].ip_address == "198.51.100.7"


def _an_entry(tenant, operator) -> AuditEntry:
    from django.utils import timezone

    return record(tenant.pk, Actor.staff(operator), "person.view", None, timezone.now())


def test_an_audit_entry_cannot_be_saved_again_or_deleted(tenant, operator):
    entry = _an_entry(tenant, operator)
    entry.action = "nothing.happened"
    with pytest.raises(RuntimeError, match="append-only"):
        entry.save()
    with pytest.raises(RuntimeError, match="append-only"):
        entry.delete()
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).update(action="nothing.happened")
    with pytest.raises(RuntimeError, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "person.view"


def test_a_staff_user_named_in_the_log_cannot_be_deleted(tenant, operator):
    from django.db.models import ProtectedError

    _an_entry(tenant, operator)
    with pytest.raises(ProtectedError):
        operator.delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE tenants_auditentry SET action = 'nothing.happened' WHERE id = %s",
        "DELETE FROM tenants_auditentry WHERE id = %s",
    ],
)
def test_postgresql_refuses_update_and_delete_through_raw_sql(tenant, operator, sql):
    entry = _an_entry(tenant, operator)
    with pytest.raises(DatabaseError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "person.view"
