"""The simulated phones and account live in Japan (SimConfig.time_zone): LINE
counts the monthly messages by Japan's calendar, the phone page is told which
zone to show its times in, and a date picker opens at Japan's today."""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime

import pytest

from anpi.linesim.config import SimConfig
from anpi.linesim.testing import SimulatorThread

from .test_sending import push
from .test_webhooks import parse, push_check

# 23:30 on 30 November in Japan is still 14:30 UTC; 00:30 on 1 December in Japan
# is 15:30 UTC, still November by UTC's calendar.
LATE_NOVEMBER_IN_JAPAN = datetime(2026, 11, 30, 14, 30, tzinfo=UTC).timestamp()


def test_the_monthly_count_starts_again_at_midnight_japan_time(api, control, friend, clock):
    clock.now = LATE_NOVEMBER_IN_JAPAN
    push(api, friend)
    assert api.get_message_quota_consumption().total_usage == 1

    clock.advance(3600)  # 00:30 on 1 December in Japan
    assert api.get_message_quota_consumption().total_usage == 0
    push(api, friend)
    push(api, friend)
    assert api.get_message_quota_consumption().total_usage == 2
    assert control.channels()[0]["usage"] == {"2026-11": 1, "2026-12": 2}


def test_a_free_plan_gets_its_200_again_on_the_first_in_japan(api, control, channel, friend, clock):
    clock.now = LATE_NOVEMBER_IN_JAPAN
    control.update_channel(channel["botUserId"], plan="free", usage=200)
    with pytest.raises(Exception) as caught:
        push(api, friend)
    assert caught.value.status == 429
    clock.advance(3600)
    assert push(api, friend).status_code == 200


def test_another_zone_counts_by_its_own_calendar(clock):
    clock.now = LATE_NOVEMBER_IN_JAPAN + 3600  # 1 December in Japan, November in UTC
    with SimulatorThread(SimConfig(clock=clock, time_zone="UTC")) as sim:
        assert sim.sim.state.month() == "2026-11"
        assert sim.control.call("GET", "/_sim/config")["timeZone"] == "UTC"


def test_a_misspelt_zone_is_refused_when_the_simulator_is_configured():
    with pytest.raises(Exception, match="Asia/Tokio"):
        SimConfig(time_zone="Asia/Tokio")


def test_the_phone_page_is_told_the_time_and_its_zone(sim, clock):
    with urllib.request.urlopen(sim.url + "/_sim/clock", timeout=10) as resp:
        shown = json.loads(resp.read())
    assert shown == {
        "real": clock.now * 1000,
        "shown": clock.now * 1000,
        "speed": 1.0,
        "timeZone": "Asia/Tokyo",
    }


def test_a_date_picker_without_initial_opens_at_todays_date_in_japan(
    raw, control, friend, receiver, clock
):
    clock.now = LATE_NOVEMBER_IN_JAPAN + 3600
    picker = {"type": "datetimepicker", "label": "ひを えらぶ", "data": "d=1", "mode": "date"}
    push_check(
        raw,
        friend,
        {
            "type": "text",
            "text": "いつ？",
            "quickReply": {"items": [{"type": "action", "action": picker}]},
        },
    )
    control.tap(friend, "ひを えらぶ")
    assert parse(receiver.last)[0].postback.params == {"date": "2026-12-01"}
