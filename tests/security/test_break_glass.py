"""A watcher login sees the people of its own teams; opening anyone else of the
tenant is break-glass: a reason first, then a flagged audit row."""

from __future__ import annotations

import pytest
from django.utils import timezone

from anpi.tenants.models import AuditEntry, Membership

pytestmark = pytest.mark.django_db

REASON = "近所の方から倒れているかもしれないと電話があったため"


def test_a_watcher_opens_a_person_of_their_team_and_it_is_logged(client, team_watcher, world):
    client.force_login(team_watcher)
    page = client.get(f"/m/watch/people/{world.person.pk}/")
    assert page.status_code == 200
    assert "長男 太郎" in page.content.decode()
    (entry,) = AuditEntry.objects.filter(action="person.view")
    assert entry.actor_user == team_watcher
    assert entry.break_glass is False


def test_the_watcher_page_lists_their_teams_people_and_is_logged(client, team_watcher, world):
    client.force_login(team_watcher)
    page = client.get("/m/watch/").content.decode()
    assert f"/m/watch/people/{world.person.pk}/" in page
    assert "うめ" not in page
    (entry,) = AuditEntry.objects.filter(action="watch.view")
    assert entry.person_ids == f",{world.person.pk},"


def test_a_person_outside_the_watchers_teams_asks_for_a_reason_first(client, team_watcher, world):
    client.force_login(team_watcher)
    page = client.get(f"/m/watch/people/{world.outsider.pk}/")
    assert page.status_code == 200
    assert 'name="reason"' in page.content.decode()
    assert "うめ" not in page.content.decode()
    assert not AuditEntry.objects.exists()


def test_a_reason_too_short_opens_nothing(client, team_watcher, world):
    client.force_login(team_watcher)
    response = client.post(f"/m/watch/people/{world.outsider.pk}/", {"reason": "  念のため  "})
    assert response.status_code == 400
    assert "うめ" not in response.content.decode()
    assert not AuditEntry.objects.exists()


def test_with_a_reason_the_person_opens_and_the_entry_is_flagged_break_glass(
    client, team_watcher, world
):
    client.force_login(team_watcher)
    response = client.post(
        f"/m/watch/people/{world.outsider.pk}/", {"reason": REASON}, REMOTE_ADDR="198.51.100.3"
    )
    assert response.status_code == 200
    assert "うめ" in response.content.decode()
    (entry,) = AuditEntry.objects.filter(action="person.view")
    assert entry.break_glass is True
    assert entry.detail["reason"] == REASON
    assert entry.object_id == str(world.outsider.pk)
    assert entry.ip_address == "198.51.100.3"


def test_a_watcher_of_another_tenant_gets_404_even_with_a_reason(
    client, stranger_watcher, world
):
    client.force_login(stranger_watcher)
    assert client.get(f"/m/watch/people/{world.person.pk}/").status_code == 404
    response = client.post(f"/m/watch/people/{world.person.pk}/", {"reason": REASON})
    assert response.status_code == 404
    assert not AuditEntry.objects.exists()


def test_a_disabled_watcher_sees_nothing(client, team_watcher, world):
    Membership.objects.filter(user=team_watcher).update(disabled_at=timezone.now())
    client.force_login(team_watcher)
    assert client.get("/m/watch/").status_code == 403
    assert client.get(f"/m/watch/people/{world.person.pk}/").status_code == 403


def test_a_watcher_without_the_second_factor_is_sent_to_verify(client, team_watcher, world):
    client.force_login(team_watcher, verified=False)
    response = client.get(f"/m/watch/people/{world.person.pk}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/2fa/verify/")
    assert not AuditEntry.objects.exists()


def test_the_admin_sees_break_glass_entries_with_their_reason(
    client, team_watcher, tenant_admin, world
):
    client.force_login(team_watcher)
    client.post(f"/m/watch/people/{world.outsider.pk}/", {"reason": REASON})
    client.get(f"/m/watch/people/{world.person.pk}/")
    client.force_login(tenant_admin)
    page = client.get("/audit/", {"break_glass": "on"}).content.decode()
    assert REASON in page
    assert page.count("row-red") == 1
