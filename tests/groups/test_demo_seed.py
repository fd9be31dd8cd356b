"""The demo seed leaves both services in a state worth playing in the phone simulator."""

from __future__ import annotations

from anpi.demo.groups import seed_groups_demo
from anpi.groups.models import Alert


def test_the_demo_seeds_a_group_and_a_city_with_alerts_waiting(
    sim, live_server, transactional_db, clock
):
    info = seed_groups_demo(sim.control, live_server.url, sim.url, clock.now())
    shown = [
        m.get("text") or m.get("altText") for m in sim.control.group_messages(info.peer_group_id)
    ]
    assert "みなさん、げんきですか？" in shown
    assert "鈴木さんから へんじが ありません" in shown
    assert "田中さんから へんじが ありません" in shown
    for watcher in info.watchers.values():
        last = sim.control.messages(watcher)[-1]
        assert last["altText"] == "山本はなさんから へんじが ありません"
    assert Alert.objects.filter(state="open").count() == 3
    assert info.open_invite.used_at is None
