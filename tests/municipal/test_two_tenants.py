"""Many tenants on one installation: an NPO's つながり group and a city's team run
at the same time, each on its own LINE channel, and never hear of each other."""

from __future__ import annotations

from tests.groups.conftest import make_peers

from anpi.engine.models import Check, Outbox
from anpi.groups.models import Alert

from .conftest import make_city


def test_two_tenants_active_at_once_each_on_its_own_channel(line, sim, live_server, clock):
    peers = make_peers(line)
    assert peers.set_schedule().status_code == 200
    city = make_city(sim, live_server, clock)
    hana = city.join("山本はな", "watched")
    for hours in (1, 23):
        clock.advance(hours=hours)
        line.work()
    # Day 2, 08:00: the group names its three silent members; the city's person
    # is still in the 24h window before the re-send.
    alerts = Alert.objects.all()
    assert {a.tenant_id for a in alerts} == {line.channel.tenant_id}
    for hours in (1, 3):  # 09:00 the re-send, 3h later the team alert
        clock.advance(hours=hours)
        line.work()
    city_alert = Alert.objects.get(team__isnull=False)
    assert city_alert.tenant_id == city.team.tenant_id
    # Every message left through its own tenant's channel ...
    for row in Outbox.objects.exclude(transport="email"):
        assert row.channel.tenant_id == row.tenant_id
    # ... and reached only its own tenant's chats.
    npo_bot, city_bot = line.channel.bot_user_id, city.line.channel.bot_user_id
    assert {m["channel"] for m in sim.control.group_messages(peers.group_id)} == {npo_bot}
    assert {m["channel"] for m in sim.control.messages(hana)} == {city_bot}
    for watcher in city.watchers.values():
        assert {m["channel"] for m in sim.control.messages(watcher)} == {city_bot}
    # A city watcher's claim text typed into the NPO's group does nothing there.
    foreign = f"No.{city_alert.pk} 山本はなさんの件、対応します"
    peers.say("山田", foreign)
    city_alert.refresh_from_db()
    assert city_alert.state == "open"
    assert Check.objects.filter(tenant=city.team.tenant, state="open").exists()
