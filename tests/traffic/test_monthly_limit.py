"""LINE's monthly limit: staff hear once per channel, and nobody is left unchecked."""

from __future__ import annotations

from anpi.channels.base import SendResult
from anpi.engine.health import health_report
from anpi.engine.models import Outbox, Task
from anpi.tenants.models import LineChannel

LIMIT = SendResult("failed", "You have reached your monthly limit.", 429)


def test_the_monthly_limit_alerts_staff_once_and_each_check_becomes_a_call(
    make_person, clock, work, transport, channel
):
    first = make_person("はなこ")
    second = make_person("たろう")
    transport.script = [LIMIT, LIMIT]
    clock.advance(hours=1)
    work()
    # Never silence: each person LINE refused gets a staff phone call.
    for person in (first, second):
        assert Task.objects.filter(person=person, kind="call_person", state="open").exists()
    alerts = Outbox.objects.filter(purpose="staff_alert", transport="email")
    assert alerts.count() == 1  # one per channel, not one per message
    assert "今月の送信上限" in alerts.get().payload["subject"]
    report = health_report(clock)
    assert channel.name in report["line_monthly_limit"]
    assert any("monthly message limit" in p for p in report["problems"])


def test_an_accepted_push_ends_the_limit_state(make_person, clock, work, transport, channel):
    make_person("はなこ")
    make_person("たろう")
    transport.script = [LIMIT]
    clock.advance(hours=1)
    work()
    assert LineChannel.objects.get(pk=channel.pk).quota_exhausted_at is not None
    clock.advance(days=1)  # the next day's check is accepted (a new month, a bigger plan)
    work()
    assert LineChannel.objects.get(pk=channel.pk).quota_exhausted_at is None
