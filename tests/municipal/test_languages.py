"""The staff pages of teams and groups are Japanese by default and English on
request (Accept-Language or the language cookie), labels of model choices
included; nothing English is left on a Japanese page."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.models import User

from anpi.engine.models import Check
from anpi.groups.models import Alert, Group, Team, TeamPerson
from anpi.municipal.actions import new_invite
from anpi.municipal.policy import TEAM_DEFAULT
from anpi.tenants.models import Membership


@pytest.fixture
def city(tenant, channel, make_person, clock):
    """A team with one person and an open alert, and a peer group still without a schedule."""
    team = Team.objects.create(tenant=tenant, name="中町チーム")
    person = make_person("はな")
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
    group = Group.objects.create(
        tenant=tenant,
        channel=channel,
        line_group_id="C" + "2" * 32,
        name="ひだまりの会",
        joined_at=clock.now(),
    )
    new_invite(team, "watched", clock.now(), "はな")
    return {"team": team, "alert": alert, "group": group}


@pytest.fixture
def admin(tenant):
    user = User.objects.create_user("admin", password="x" * 12)
    Membership.objects.create(tenant=tenant, user=user, role="admin")
    return user


def test_the_overview_is_japanese_by_default_and_english_on_request(client, admin, city):
    client.force_login(admin)
    ja = client.get("/m/").content.decode()
    assert "見守りチーム・グループ" in ja
    assert "対応待ちの通知（1件）" in ja
    assert "つながりグループ / 予定の設定待ち" in ja
    assert "団体を登録" in ja
    for english in ("peer group", "Waiting for a schedule", "Active", "Alerts waiting"):
        assert english not in ja

    en = client.get("/m/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<html lang="en">' in en
    assert "Watch-over teams & groups" in en
    assert "Alerts waiting for someone (1)" in en
    assert "Peer group / Waiting for a schedule" in en
    assert "Register an organization" in en
    assert "見守りチーム" not in en and "つながり" not in en


def test_a_group_that_has_a_schedule_is_active_in_either_language(client, admin, city):
    city["group"].status = Group.Status.ACTIVE
    city["group"].save()
    client.force_login(admin)
    assert "つながりグループ / 利用中" in client.get("/m/").content.decode()
    en = client.get("/m/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Peer group / Active" in en


def test_the_team_page_is_japanese_by_default_and_english_on_request(client, admin, city):
    client.force_login(admin)
    url = f"/m/teams/{city['team'].pk}/"
    ja = client.get(url).content.decode()
    assert "見守られる人（1人）" in ja
    assert "はなさんが対応中" not in ja and "未対応" in ja
    assert "見守る人に個別に通知します。" in ja
    assert "招待コードを作る" in ja
    assert "見守られる人（はな）:" in ja  # the invite's role label and name
    assert "招待する人" in ja  # the invite form's label

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    en = client.get(url).content.decode()
    assert "Watched people (1)" in en
    assert "Unclaimed" in en
    assert "Alerts go to each watcher separately." in en
    assert "Create an invite code" in en
    assert "Watched person (はな):" in en
    assert "Who is invited" in en
    assert "見守られる人" not in en and "未対応" not in en


def test_the_alert_and_group_pages_use_the_chosen_language(client, admin, city):
    client.force_login(admin)
    alert_url = f"/m/alerts/{city['alert'].pk}/"
    group_url = f"/m/groups/{city['group'].pk}/"
    assert "対応者待ち" in client.get(alert_url).content.decode()
    assert (
        "Waiting for someone to claim it"
        in client.get(alert_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert "メンバー" in client.get(group_url).content.decode()
    assert "Members" in client.get(group_url, HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_form_errors_and_messages_come_in_the_active_language(client, admin, city):
    client.force_login(admin)
    ja = client.post("/m/teams/new/", {"name": ""}).content.decode()
    assert "チーム名を入れてください。" in ja
    en = client.post("/m/teams/new/", {"name": ""}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Please enter the team name." in en
    assert "Team name" in en

    done = client.post(
        "/m/teams/new/", {"name": "旭町チーム"}, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert "Created the team “旭町チーム”." in done.content.decode()
    bad_policy = client.post(
        "/m/policies/new/", {"name": "x", "steps": "[{"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert "This is not valid JSON." in bad_policy.content.decode()


def test_the_language_switch_on_staff_pages_keeps_the_english_choice(client, admin, city):
    client.force_login(admin)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/m/"})
    assert response.status_code == 302 and response["Location"] == "/m/"
    assert "Watch-over teams & groups" in client.get("/m/").content.decode()
