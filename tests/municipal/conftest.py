"""安否通知 fixtures: a city with its own LINE channel in the simulator, a team,
two watchers (佐藤, 高橋) who joined by invite code, and helpers to play them."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from tests.conftest import Line, wire_channel


@dataclass
class City:
    line: Line
    team: object
    watchers: dict[str, str]

    @property
    def control(self):
        return self.line.control

    def work(self):
        return self.line.work()

    def invite(self, role: str, label: str = ""):
        from anpi.municipal.actions import new_invite

        return new_invite(self.team, role, self.line.clock.now(), label)

    def join(self, name: str, role: str) -> str:
        """A LINE user friends the city's account and sends an invite code."""
        user = self.line.new_user(name)
        code = self.invite(role, name).code
        answer = self.control.text(
            user, f"しょうたい {code}", channel_id=self.line.channel.bot_user_id
        )
        assert answer["webhook"]["status"] == 200
        self.work()
        return user

    def tap(self, user: str, label: str) -> dict:
        answer = self.control.tap(user, label, channel_id=self.line.channel.bot_user_id)
        self.work()
        return answer

    def texts(self, user: str) -> list[str]:
        return self.line.texts(user)


def make_city(sim, live_server, clock, slug: str = "atsugi", name: str = "厚木市（テスト）"):
    from anpi.groups.models import Team
    from anpi.tenants.models import Organization, Tenant

    tenant = Tenant.objects.create(
        name=name, slug=slug, kind="municipal", staff_email=f"staff@{slug}.example"
    )
    channel = wire_channel(sim, live_server, tenant, name=f"{name}見守り")
    org = Organization.objects.create(tenant=tenant, name="地域包括支援センター", kind="包括")
    team = Team.objects.create(tenant=tenant, organization=org, name="中町チーム")
    city = City(Line(sim, channel, clock), team, {})
    for who in ("佐藤", "高橋"):
        city.watchers[who] = city.join(who, "watcher")
    return city


@pytest.fixture
def city(sim, live_server, transactional_db, clock) -> City:
    return make_city(sim, live_server, clock)
