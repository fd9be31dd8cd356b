"""Two peers claim the same alert at the same moment: exactly one wins.

The claim is a compare-and-set on the alert row; each thread has its own database
connection, as two worker processes would (run on PostgreSQL too)."""

from __future__ import annotations

import threading

from django.db import connection

from anpi.groups import alerts
from anpi.groups.models import Alert


def test_two_threads_claiming_one_alert_one_wins_and_the_other_is_told(peers, clock):
    clock.advance(hours=1)
    peers.work()
    peers.tap("山田", "げんきです")
    peers.tap("佐藤", "げんきです")
    clock.advance(hours=23)
    peers.work()
    alert = Alert.objects.get()
    channel = peers.line.channel
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def claim(who: str) -> None:
        try:
            ctx = alerts.ChatContext(
                channel, peers.members[who], who, peers.group_id, "", clock.now()
            )
            barrier.wait()
            results[who] = alerts.claim_alert(alert.pk, ctx)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(who,)) for who in ("山田", "佐藤")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["claimed", "taken"]
    alert.refresh_from_db()
    winner = next(who for who, r in results.items() if r == "claimed")
    assert alert.state == "claimed" and alert.claimed_by_name == winner
    timeline = alert.person.timeline.filter(kind="alert_claimed")
    assert timeline.count() == 1  # the loser changed nothing


def test_a_member_claiming_their_own_alert_is_refused(peers, clock):
    for hours in (1, 23):  # the 09:00 check; 23h later everyone is named
        clock.advance(hours=hours)
        peers.work()
    [own] = [a for a in Alert.objects.all() if a.person == peers.person("鈴木")]
    ctx = alerts.ChatContext(
        peers.line.channel, peers.members["鈴木"], "鈴木", peers.group_id, "", clock.now()
    )
    assert alerts.claim_alert(own.pk, ctx) == "refused"
