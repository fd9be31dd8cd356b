"""つながり fixtures: a LINE group of peers in the simulator with the bot in it.

``peers`` is the group 「ひだまりの会」 of 山田, 佐藤 and 鈴木, who each said
「さんか」; its schedule is daily at 09:00 (set through the settings page).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client
from tests.conftest import Line


@dataclass
class Peers:
    line: Line
    group_id: str
    members: dict[str, str] = field(default_factory=dict)

    @property
    def control(self):
        return self.line.control

    def work(self):
        return self.line.work()

    def shown(self) -> list[dict[str, Any]]:
        return self.control.group_messages(self.group_id)

    def texts(self) -> list[str]:
        return [m.get("text") or m.get("altText") for m in self.shown()]

    def say(self, who: str, text: str) -> dict[str, Any]:
        answer = self.control.text(self.members[who], text, group_id=self.group_id)
        assert answer["webhook"]["status"] == 200
        self.work()
        return answer

    def tap(self, who: str, label: str, **kwargs: Any) -> dict[str, Any]:
        answer = self.control.tap(self.members[who], label, group_id=self.group_id, **kwargs)
        self.work()
        return answer

    def group(self):
        from anpi.groups.models import Group

        return Group.objects.get(line_group_id=self.group_id)

    def person(self, who: str):
        from anpi.groups.models import GroupMember

        return GroupMember.objects.get(line_user_id=self.members[who]).person

    def settings_url(self) -> str:
        self.say(next(iter(self.members)), "せってい")
        link = self.shown()[-1]
        assert link["buttons"] == ["じかんを きめる"]
        return link["actions"][0]["uri"]

    def set_schedule(self, **form: Any):
        url = self.settings_url().removeprefix("http://127.0.0.1:8000")
        data = {"schedule_kind": "interval", "interval_days": "1", "check_time": "09:00"}
        data.update(form)
        response = Client().post(url, data)
        self.work()
        return response


def make_peers(line: Line, name: str = "ひだまりの会", people=("山田", "佐藤", "鈴木")) -> Peers:
    members = {who: line.control.add_user(who) for who in people}
    group_id = line.control.create_group(
        name, list(members.values()), channel_id=line.channel.bot_user_id
    )
    assert line.control.invite_bot(group_id)["webhook"]["status"] == 200
    line.work()
    peers = Peers(line, group_id, members)
    for who in people:
        peers.say(who, "さんか")
    return peers


@pytest.fixture
def peers(line) -> Peers:
    peers = make_peers(line)
    assert peers.set_schedule().status_code == 200
    return peers
