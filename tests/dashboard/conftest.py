"""Fixtures for the staff dashboard: a worker with a fake LINE, and checks that
reached the call step through the engine (not hand-made rows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest


class FakeTransport:
    """Accepts every message, like a healthy LINE platform."""

    kind = "line"

    def __init__(self) -> None:
        self.sent = []

    def send(self, delivery):
        from anpi.channels.base import SendResult

        self.sent.append(delivery)
        return SendResult("sent")


@pytest.fixture
def run(clock):
    """Run the worker until idle at the clock's current time."""
    from anpi.engine.worker import run_until_idle

    transport = FakeTransport()

    def run_worker():
        return run_until_idle(clock, transport_for=lambda row: transport)

    run_worker.transport = transport
    return run_worker


@pytest.fixture
def reach_call_step(clock, run):
    """Move time through the default ladder until the staff call task opens.

    09:00 the check goes out, +24h it is re-sent, +3h a call task opens (deadline +2h).
    """

    first_check = clock.now() + timedelta(hours=1)  # the clock starts at 08:00 JST

    def reach():
        clock.set(first_check)
        run()
        clock.advance(hours=24)
        run()
        clock.advance(hours=3)
        run()

    return reach


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def colleague(tenant):
    from django.contrib.auth.models import User

    from anpi.tenants.models import Membership

    user = User.objects.create_user("colleague", password="x", last_name="佐藤")
    Membership.objects.create(tenant=tenant, user=user, role="operator")
    return user


@dataclass
class ThreeServices:
    """One open alert of each service in ``tenant``, reached through the engine
    (12/2 12:00 JST): はなこ (個人見守り) has a staff call task; たろう of the
    team 中町チーム was not heard from, so the team's watcher was alerted;
    山田 of the peer group ひだまりの会 was named in the group twice (佐藤 of
    the same group answered and is fine)."""

    hanako: Any
    taro: Any
    yamada: Any
    sato: Any
    team: Any
    group: Any
    watcher_line_id: str

    def alert_of(self, person):
        from anpi.groups.models import Alert

        return Alert.objects.get(person=person)


@pytest.fixture
def three_services(tenant, channel, make_person, clock, run) -> ThreeServices:
    from datetime import time

    from anpi.groups import actions as group_actions
    from anpi.groups.models import Team, TeamPerson, TeamWatcher

    now = clock.now()
    hanako = make_person("はなこ")
    taro = make_person("たろう", phone="+819087654321")
    team = Team.objects.create(tenant=tenant, name="中町チーム")
    TeamPerson.objects.create(tenant=tenant, team=team, person=taro, joined_at=now)
    watcher_line_id = "U" + "c" * 32
    TeamWatcher.objects.create(tenant=tenant, team=team, name="高橋", line_user_id=watcher_line_id)
    group = group_actions.do_bot_joined(channel, "C" + "1" * 32, now, name="ひだまりの会")
    members = {
        name: group_actions.do_register_member(group, f"U{n:032x}", now, display_name=name)
        for n, name in ((0xA1, "山田"), (0xA2, "佐藤"))
    }
    group = group_actions.do_save_group_schedule(
        group,
        {
            "schedule_kind": "interval",
            "interval_days": 1,
            "weekdays": "",
            "check_time": time(9, 0),
            "skip_holidays": False,
        },
        now,
    )
    clock.set(now + timedelta(hours=1))  # 09:00: every check goes out
    run()
    group_actions.do_group_answer(members["佐藤"], clock)
    for hours in (24, 3):  # +24h re-sent (山田 named at 08:00), +3h staff call / team alert
        clock.advance(hours=hours)
        run()
    return ThreeServices(
        hanako=hanako,
        taro=taro,
        yamada=members["山田"].person,
        sato=members["佐藤"].person,
        team=team,
        group=group,
        watcher_line_id=watcher_line_id,
    )


@pytest.fixture
def admin_client(client, tenant_admin):
    client.force_login(tenant_admin)
    return client
