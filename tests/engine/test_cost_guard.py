"""The cost guard: paid pushes counted apart from free replies, a month-end
forecast from the schedules, and staff warned once at 80% and once at 95%."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from anpi.engine.cost import check_costs, forecast, identical_tenants, month_usage
from anpi.engine.models import CostAlert, Outbox

JST = ZoneInfo("Asia/Tokyo")


def _sent(tenant, channel, method: str, n: int, at: datetime, recipient: str = "U1") -> None:
    Outbox.objects.bulk_create(
        Outbox(
            tenant=tenant,
            channel=channel,
            transport="line",
            method=method,
            recipient=recipient,
            payload={"messages": []},
            purpose="check" if method == "push" else "thanks",
            state=Outbox.State.SENT,
            sent_at=at,
            next_attempt_at=at,
            created_at=at,
        )
        for _ in range(n)
    )


def no_line_count(channel):
    return None


def test_replies_are_free_and_pushes_are_paid(tenant, channel, clock):
    _sent(tenant, channel, "push", 7, clock.now())
    _sent(tenant, channel, "reply", 5, clock.now())
    usage = month_usage(tenant, clock.now())
    assert (usage.paid, usage.free, usage.limit) == (7, 5, 200)  # the free plan


def test_last_months_messages_do_not_count(tenant, channel, clock):
    _sent(tenant, channel, "push", 9, datetime(2026, 11, 30, 23, 0, tzinfo=JST))
    assert month_usage(tenant, clock.now()).paid == 0  # clock: 1 December, JST


def test_the_forecast_adds_the_checks_still_scheduled_this_month(tenant, make_person, clock):
    for name in ("はなこ", "たろう"):
        make_person(name)  # daily at 09:00; the clock is 1 December 08:00
    assert forecast(tenant, clock.now()) == 2 * 31


@pytest.mark.parametrize("plan, limit", [("light", 5000), ("standard", 30000)])
def test_the_plan_sets_the_limit(tenant, plan, limit, clock):
    tenant.line_plan = plan
    tenant.save()
    assert month_usage(tenant, clock.now()).limit == limit


def test_staff_are_warned_once_at_80_and_once_at_95_percent(tenant, channel, clock):
    _sent(tenant, channel, "push", 160, clock.now())  # 80% of 200
    assert [a.threshold for a in check_costs(clock.now(), no_line_count)] == [80]
    assert check_costs(clock.now(), no_line_count) == []  # not twice
    _sent(tenant, channel, "push", 30, clock.now())  # 95%
    assert [a.threshold for a in check_costs(clock.now(), no_line_count)] == [95]
    mails = Outbox.objects.filter(transport="email", purpose="staff_alert").order_by("pk")
    subjects = [m.payload["subject"] for m in mails]
    # At 80% the check messages also switch to the identical form (said once).
    assert len(subjects) == 3
    assert "80%" in subjects[0] and "共通の文面" in subjects[1] and "95%" in subjects[2]


def test_lines_own_count_is_believed_when_it_is_higher(tenant, channel, clock):
    check_costs(clock.now(), lambda ch: 190)
    assert set(CostAlert.objects.values_list("threshold", flat=True)) == {80, 95}


def test_a_custom_limit_without_a_number_warns_nobody(tenant, channel, clock):
    tenant.line_plan = "custom"
    tenant.save()
    _sent(tenant, channel, "push", 500, clock.now())
    assert check_costs(clock.now(), no_line_count) == []


def test_lines_count_is_read_through_the_official_sdk(sim, tenant, db):
    from anpi.engine.cost import line_consumption
    from anpi.tenants.models import LineChannel

    channel = LineChannel(tenant=tenant, name="sim", api_host=sim.url)
    channel.channel_secret = "s" * 32
    channel.access_token = "token-for-quota"
    channel.save()
    sim.control.add_channel(channel.channel_secret, channel.access_token, webhook_url="")
    assert line_consumption(channel) == 0


def test_check_messages_switch_to_the_identical_form_at_80_percent_of_the_plan(
    tenant, channel, clock
):
    _sent(tenant, channel, "push", 159, clock.now())  # 79.5%: not yet
    check_costs(clock.now(), no_line_count)
    tenant.refresh_from_db()
    assert tenant.identical_until is None
    _sent(tenant, channel, "push", 1, clock.now())  # 80%
    check_costs(clock.now(), no_line_count)
    tenant.refresh_from_db()
    assert tenant.identical_until == datetime(2027, 1, 1, tzinfo=JST)  # until the month ends
    assert identical_tenants({tenant.pk}, clock.now()) == {tenant.pk}
    assert identical_tenants({tenant.pk}, datetime(2027, 1, 1, tzinfo=JST)) == set()
