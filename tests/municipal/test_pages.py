"""Staff pages of teams and groups: city staff see every team's alerts, tenant A's
staff get 404 for anything of tenant B, and watchers see only their own teams.
(The LINE channel's page is tests/dashboard/test_line_settings.py.)"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from anpi.engine.models import Check, Task
from anpi.groups.models import Alert, Group, Team, TeamPerson, TeamWatcher
from anpi.municipal.actions import new_invite
from anpi.municipal.policy import TEAM_DEFAULT
from anpi.tenants.models import Membership


@pytest.fixture
def setup(tenant, channel, make_person, clock):
    """Tenant A: two teams with one person each, an open alert on each, a peer group."""
    rows = {}
    for name, nickname in (("中町チーム", "はな"), ("旭町チーム", "たろう")):
        team = Team.objects.create(tenant=tenant, name=name)
        person = make_person(nickname)
        TeamPerson.objects.create(tenant=tenant, team=team, person=person, joined_at=clock.now())
        check = Check.objects.create(
            tenant=tenant,
            person=person,
            due_at=clock.now(),
            policy=TEAM_DEFAULT,
            step=3,
            next_action_at=clock.now(),
            created_at=clock.now(),
        )
        alert = Alert.objects.create(
            tenant=tenant, check_run=check, person=person, team=team, created_at=clock.now()
        )
        task = Task.objects.create(
            tenant=tenant,
            check_run=check,
            person=person,
            kind="decide",
            deadline=clock.now(),
            created_at=clock.now(),
        )
        rows[name] = {"team": team, "person": person, "alert": alert, "task": task}
    rows["group"] = Group.objects.create(
        tenant=tenant,
        channel=channel,
        line_group_id="C" + "1" * 32,
        name="ひだまりの会",
        joined_at=clock.now(),
    )
    rows["invite"] = new_invite(rows["中町チーム"]["team"], "watched", clock.now())
    return rows


def _login(client, user):
    client.force_login(user)
    return client


def test_city_staff_see_every_teams_open_alerts(client, operator, setup):
    page = _login(client, operator).get("/m/")
    body = page.content.decode()
    assert page.status_code == 200
    assert "はな" in body and "たろう" in body
    assert "対応待ちの通知（2件）" in body


def test_staff_of_another_tenant_get_404_for_everything(client, stranger, setup):
    _login(client, stranger)
    team = setup["中町チーム"]
    for url in (
        f"/m/teams/{team['team'].pk}/",
        f"/m/alerts/{team['alert'].pk}/",
        f"/m/groups/{setup['group'].pk}/",
        f"/m/invites/{setup['invite'].pk}/qr.svg",
        f"/people/{team['person'].pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/tasks/{team['task'].pk}/outcome/", {"outcome": "safe"}).status_code == 404
    assert client.post(f"/m/teams/{team['team'].pk}/invites/", {"role": "watcher"}).status_code in (
        403,
        404,
    )
    assert "はな" not in client.get("/m/").content.decode()


def test_a_watcher_sees_only_the_people_of_their_own_team(client, tenant, setup):
    user = User.objects.create_user("watcher", password="x" * 12)
    Membership.objects.create(tenant=tenant, user=user, role="watcher")
    TeamWatcher.objects.create(
        tenant=tenant, team=setup["中町チーム"]["team"], user=user, name="佐藤"
    )
    body = _login(client, user).get("/m/watch/").content.decode()
    assert "はな" in body
    assert "たろう" not in body
    assert client.get("/m/").status_code == 403  # no staff dashboard for watchers
    assert client.get(f"/m/alerts/{setup['旭町チーム']['alert'].pk}/").status_code == 403


def test_a_watcher_of_no_team_gets_403(client, tenant):
    user = User.objects.create_user("nobody", password="x" * 12)
    Membership.objects.create(tenant=tenant, user=user, role="watcher")
    assert _login(client, user).get("/m/watch/").status_code == 403


def test_the_invite_qr_code_opens_the_chat_with_the_code(client, operator, channel, setup):
    channel.basic_id = "@anpi-npo"
    channel.save()
    svg = _login(client, operator).get(f"/m/invites/{setup['invite'].pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert svg.content.startswith(b"<svg")
    from anpi.municipal.qr import invite_url

    assert invite_url(setup["invite"], "@anpi-npo").startswith(
        "https://line.me/R/oaMessage/%40anpi-npo/?"
    )


@pytest.fixture
def admin(tenant):
    user = User.objects.create_user("admin", password="x" * 12)
    Membership.objects.create(tenant=tenant, user=user, role="admin")
    return user


def test_a_policy_with_a_bad_step_is_refused_in_japanese(client, tenant, admin):
    page = _login(client, admin).post(
        "/m/policies/new/", {"name": "短い手順", "steps": '[{"after": 0, "action": "fly"}]'}
    )
    assert "手順が正しくありません" in page.content.decode()
    page = client.post("/m/policies/new/", {"name": "短い手順", "steps": "[{"})
    assert "JSONとして読めません" in page.content.decode()


def test_a_team_follows_its_own_policy(client, tenant, admin, make_person, clock):
    _login(client, admin).post(
        "/m/policies/new/",
        {
            "name": "早めに通知",
            "steps": '[{"after": 0, "action": "send_check"}, {"after": 3600, "action": "alert_team"},'
            ' {"after": 3600, "action": "decide_task", "params": {"deadline": 7200}}]',
        },
    )
    from anpi.engine.models import EscalationPolicy
    from anpi.engine.plan import plan_due_checks

    policy = EscalationPolicy.objects.get(tenant=tenant)
    client.post("/m/teams/new/", {"name": "早め班", "policy": policy.pk})
    team = Team.objects.get(name="早め班")
    person = make_person("うめ")
    TeamPerson.objects.create(tenant=tenant, team=team, person=person, joined_at=clock.now())
    clock.advance(hours=1)
    plan_due_checks(clock)
    assert Check.objects.get(person=person).policy[1]["action"] == "alert_team"


def test_submitting_an_empty_team_form_shows_the_error_and_creates_nothing(client, tenant, admin):
    from anpi.groups.models import Team

    client.force_login(admin)
    response = client.post("/m/teams/new/", {})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    assert not Team.objects.filter(tenant=tenant).exists()
