"""End-to-end fixtures: the real LINE simulator over HTTP, anpi's real webhook on
a live server, the official SDK in between, and a fixed clock moved forward."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import time
from typing import Any

import pytest


@dataclass
class Line:
    """A tenant's LINE channel wired to the simulator, plus the worker to drive it."""

    sim: Any
    channel: Any
    clock: Any

    @property
    def control(self):
        return self.sim.control

    def work(self):
        from anpi.engine.worker import run_until_idle

        return run_until_idle(self.clock)

    def new_user(self, name: str, follow: bool = True) -> str:
        user_id = self.control.add_user(name)
        if follow:
            answer = self.control.follow(user_id, self.channel.bot_user_id)
            assert answer["webhook"]["status"] == 200
            self.work()
        return user_id

    def texts(self, user_id: str) -> list[str]:
        return [m.get("text") or m.get("altText") for m in self.control.messages(user_id)]

    def register(self, user_id: str, nickname: str, at: time = time(9, 0), **fields: Any):
        """Finish registration as the settings page would (tests of the page itself
        live in tests/people and test_registration.py)."""
        from anpi.engine.plan import following_occurrence
        from anpi.people.models import Person

        person = Person.objects.get(channel=self.channel, line_user_id=user_id)
        person.nickname = nickname
        person.check_time = at
        person.schedule_anchor = self.clock.now().date()
        person.status = Person.Status.ACTIVE
        person.consent_at = self.clock.now()
        person.phone = fields.pop("phone", "+819012345678")
        for key, value in fields.items():
            setattr(person, key, value)
        person.next_check_at = following_occurrence(person, self.clock.now())
        person.save()
        return person


def wire_channel(sim, live_server, tenant, name: str = "みまもりNPO公式"):
    from anpi.tenants.models import LineChannel

    channel = LineChannel(tenant=tenant, name=name, api_host=sim.url)
    channel.channel_secret = secrets.token_hex(16)
    channel.access_token = secrets.token_urlsafe(32)
    channel.save()
    created = sim.control.add_channel(
        channel.channel_secret,
        channel.access_token,
        webhook_url=live_server.url + channel.webhook_path(),
        display_name=name,
    )
    channel.bot_user_id = created["botUserId"]
    channel.save(update_fields=["bot_user_id"])
    return channel


@pytest.fixture
def line(sim, live_server, transactional_db, clock):
    from anpi.tenants.models import Tenant

    tenant = Tenant.objects.create(
        name="みまもりNPO", slug="npo-e2e", staff_email="staff@npo.example"
    )
    return Line(sim, wire_channel(sim, live_server, tenant), clock)
