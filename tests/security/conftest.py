"""Fixtures of the audit and cross-tenant tests: one of each object of ``tenant``
(a person with a contact in a team, its check, call task and alert, a peer
group, an invite, a staff membership), the team's watcher login, and a
watcher of ``other_tenant``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest


@dataclass
class World:
    """Objects of ``tenant`` (tenant A of the matrix)."""

    person: Any
    outsider: Any  # a person of the tenant in no team the watcher watches
    contact: Any
    team: Any
    other_team: Any
    check: Any
    task: Any
    alert: Any
    group: Any
    invite: Any
    membership: Any
    staff_invite: Any
    api_token: Any


@pytest.fixture
def world(tenant, channel, make_person, operator, clock) -> World:
    from anpi.engine.models import Check, Task
    from anpi.groups.models import Alert, Group, Invite, Team, TeamPerson
    from anpi.people.models import Contact
    from anpi.tenants.models import Membership, StaffInvite

    now = clock.now()
    person = make_person("はなこ", contacts=[{"name": "長男 太郎", "relation": "息子"}])
    outsider = make_person("うめ")
    team = Team.objects.create(tenant=tenant, name="北地区")
    other_team = Team.objects.create(tenant=tenant, name="南地区")
    TeamPerson.objects.create(tenant=tenant, team=team, person=person, joined_at=now)
    TeamPerson.objects.create(tenant=tenant, team=other_team, person=outsider, joined_at=now)
    check = Check.objects.create(
        tenant=tenant, person=person, due_at=now, policy={"steps": []}, created_at=now
    )
    task = Task.objects.create(
        tenant=tenant,
        check_run=check,
        person=person,
        kind=Task.Kind.CALL_PERSON,
        deadline=now + timedelta(hours=2),
        created_at=now,
    )
    alert = Alert.objects.create(
        tenant=tenant, check_run=check, person=person, team=team, created_at=now
    )
    group = Group.objects.create(
        tenant=tenant, channel=channel, line_group_id="C" + "a" * 32, name="なかま", joined_at=now
    )
    invite = Invite.objects.create(
        tenant=tenant,
        team=team,
        role=Invite.Role.WATCHER,
        created_at=now,
        expires_at=now + timedelta(days=7),
    )
    staff_invite = StaffInvite.objects.create(
        tenant=tenant,
        email="new@npo.example",
        role="operator",
        token_hash="0" * 64,
        created_at=now,
        expires_at=now + timedelta(days=3),
    )
    from anpi.api.models import ApiToken

    # Made directly, not through do_create_token: the world's set-up writes no audit row.
    api_token = ApiToken.objects.create(
        tenant=tenant, name="市の基幹システム連携", prefix="0123abcd", secret_hash="0" * 64,
        created_at=now,
    )
    return World(
        api_token=api_token,
        person=person,
        outsider=outsider,
        contact=Contact.objects.get(person=person),
        team=team,
        other_team=other_team,
        check=check,
        task=task,
        alert=alert,
        group=group,
        invite=invite,
        membership=Membership.objects.get(user=operator),
        staff_invite=staff_invite,
    )


@pytest.fixture
def team_watcher(watcher, world, tenant):
    """``watcher`` (a login with the watcher role) watching ``world.team``."""
    from anpi.groups.models import TeamWatcher

    TeamWatcher.objects.create(tenant=tenant, team=world.team, name="佐藤", user=watcher)
    return watcher


@pytest.fixture
def stranger_watcher(other_tenant):
    """A watcher login of ``other_tenant`` watching one team there."""
    from anpi.groups.models import Team, TeamWatcher
    from conftest import _user

    user = _user("stranger-watcher", other_tenant, "watcher")
    team = Team.objects.create(tenant=other_tenant, name="となり班")
    TeamWatcher.objects.create(tenant=other_tenant, team=team, name="鈴木", user=user)
    return user
