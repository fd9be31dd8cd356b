"""The cost guard: paid LINE messages against the tenant's plan.

LINE charges every pushed message per recipient (a group push costs one per
member, a multicast one per id) and nothing for replies (LINE.md). So:

- ``month_usage`` counts this month's paid pushes apart from free replies, from
  the outbox (in the tenant's time zone);
- ``forecast`` adds the checks the schedules will still send this month;
- ``check_costs`` compares the larger of anpi's count and LINE's own
  (``GET /v2/bot/message/quota/consumption``) with the plan and e-mails the
  tenant's staff once at 80% and once at 95% (``CostAlert``: a unique row per
  tenant, month and threshold is the compare-and-set).

At the limit LINE refuses pushes with 429 "monthly limit": each refused check
becomes a staff call and staff are told (``engine.quota``): never silence.

Before the limit, two automatic measures (tenant settings with defaults):

- ``switch_to_identical``: when this month's paid pushes reach
  ``Tenant.identical_at_percent`` (default 80) of the plan, or the forecast
  exceeds the plan, check messages switch to the identical form (no name, no
  check id) until the month ends (``Tenant.identical_until``), so deliver
  sends them as multicasts (engine.multicast). LINE still counts a multicast
  per recipient: the switch saves requests (500 people in one, against LINE's
  rate limits), not messages. Staff are e-mailed once and every check sent so
  says it on the person's timeline.
- habitual tappers are asked once to use the menu before the check
  (``engine.habits``): the early answer makes that check free.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from anpi.people.models import Person
from anpi.people.schedule import next_occurrence
from anpi.tenants.models import LineChannel, Tenant

from . import registry
from .models import CostAlert, Outbox
from .outbox import enqueue_email

log = logging.getLogger(__name__)

PLAN_INCLUDED = {"free": 200, "light": 5000, "standard": 30000}
THRESHOLDS = (80, 95)

QuotaReader = Callable[[LineChannel], int | None]


@dataclass(frozen=True)
class Usage:
    paid: int  # pushes counted per recipient
    free: int  # replies
    limit: int | None  # the plan's messages a month (None: unknown)


def plan_limit(tenant: Tenant) -> int | None:
    if tenant.line_plan == "custom":
        return tenant.line_monthly_limit
    return PLAN_INCLUDED.get(tenant.line_plan)


def month_start(tenant: Tenant, now: datetime) -> datetime:
    local = now.astimezone(ZoneInfo(tenant.timezone))
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def _next_month(start: datetime) -> datetime:
    return start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)


def month_usage(tenant: Tenant, now: datetime, *, until: datetime | None = None) -> Usage:
    """Paid pushes and free replies of ``tenant`` sent since the month of ``now``
    began (and before ``until``, for a month already over: the pilot report).
    A push to a group counts its known active members; a multicast's members are
    push rows of their own (engine.multicast), so the multicast row is not counted."""
    since = month_start(tenant, now)
    sent = Outbox.objects.filter(
        tenant=tenant, transport="line", state=Outbox.State.SENT, sent_at__gte=since
    )
    if until is not None:
        sent = sent.filter(sent_at__lt=until)
    counts = sent.aggregate(
        pushes=Count("id", filter=Q(method="push") & ~Q(recipient__regex=r"^[CR]")),
        replies=Count("id", filter=Q(method="reply")),
    )
    group_pushes = dict(
        sent.filter(method="push", recipient__regex=r"^[CR]")
        .values_list("recipient")
        .annotate(n=Count("id"))
    )
    members: dict[str, int] = {}
    for sizes in registry.chat_size_providers:
        members.update(sizes(list(group_pushes)))
    paid = counts["pushes"] + sum(n * max(1, members.get(g, 1)) for g, n in group_pushes.items())
    return Usage(paid=paid, free=counts["replies"], limit=plan_limit(tenant))


def forecast(tenant: Tenant, now: datetime) -> int:
    """Paid messages expected by the end of the month: what was sent, plus one
    push per remaining scheduled check of every active person (re-sends not
    counted: they depend on who forgets)."""
    end = _next_month(month_start(tenant, now))
    remaining = 0
    people = Person.objects.filter(tenant=tenant, status=Person.Status.ACTIVE).prefetch_related(
        "pauses"
    )
    for person in people.iterator(chunk_size=2000):
        schedule = person.schedule()
        if schedule is None:
            continue
        pauses = [(p.starts_on, p.ends_on) for p in person.pauses.all()]
        at = next_occurrence(schedule, now, tenant.timezone, pauses)
        while at is not None and at < end:
            remaining += 1
            at = next_occurrence(schedule, at, tenant.timezone, pauses)
    return month_usage(tenant, now).paid + remaining


def line_consumption(channel: LineChannel) -> int | None:
    """LINE's own count of this month's messages (official SDK), or None."""
    from anpi.channels.line.transport import fetch_quota_consumption

    return fetch_quota_consumption(channel.api_host, channel.access_token)


def identical_tenants(tenant_ids: set[int], now: datetime) -> set[int]:
    """Those of ``tenant_ids`` whose check messages are switched to the
    identical form right now (``switch_to_identical``)."""
    return set(
        Tenant.objects.filter(pk__in=tenant_ids, identical_until__gt=now).values_list(
            "pk", flat=True
        )
    )


def switch_to_identical(tenant: Tenant, used: int, limit: int, now: datetime) -> bool:
    """Switch ``tenant``'s check messages to the identical form until the end
    of the month when ``used`` reached ``identical_at_percent`` of ``limit`` or
    the month's forecast exceeds it. The switch is a compare-and-set on
    ``identical_until`` (two workers switch once, staff hear it once). Returns
    True when this call switched."""
    percent = tenant.identical_at_percent
    if not percent:
        return False
    end = _next_month(month_start(tenant, now))
    if tenant.identical_until is not None and tenant.identical_until >= end:
        return False  # switched already this month
    expected = forecast(tenant, now)
    if used * 100 < limit * percent and expected <= limit:
        return False
    with transaction.atomic():
        won = (
            Tenant.objects.filter(pk=tenant.pk)
            .filter(Q(identical_until__isnull=True) | Q(identical_until__lt=end))
            .update(identical_until=end)
        )
        if not won:
            return False
        why = (
            f"今月の有料メッセージが {used} 通（上限 {limit} 通の{percent}%以上）"
            if used * 100 >= limit * percent
            else f"今月末までの見込みが {expected} 通（上限 {limit} 通を超える見込み）"
        )
        if tenant.staff_email:
            enqueue_email(
                tenant_id=tenant.pk,
                to=tenant.staff_email,
                subject="【anpi】安否確認のLINEを共通の文面（まとめ送信）に切り替えました",
                body=(
                    f"{tenant.name}: {why}のため、今月末まで安否確認のメッセージを"
                    "お名前なしの共通の文面にし、まとめて送ります（マルチキャスト）。\n"
                    "LINEの料金は受け取る人数で数えるため、通数は減りません。"
                    "送信の回数が減り、多くの方に早く届きます。\n"
                    "通数を減らすには、プランの見直しと、メニューの「げんきです」"
                    "（確認の前に押すと、その日の確認は送られません）の案内をご検討ください。"
                ),
                purpose="staff_alert",
                now=now,
            )
    tenant.identical_until = end
    return True


def check_costs(
    now: datetime, quota_reader: QuotaReader = line_consumption
) -> list[CostAlert]:
    """Warn each tenant's staff once per threshold a month, and switch check
    messages to the identical form when the tenant's trigger is reached
    (``switch_to_identical``). Returns new alerts."""
    alerts = []
    for tenant in Tenant.objects.all():
        limit = plan_limit(tenant)
        if not limit:
            continue
        used = month_usage(tenant, now).paid
        for channel in LineChannel.objects.filter(tenant=tenant):
            try:
                reported = quota_reader(channel)
            except Exception:  # noqa: BLE001 - LINE's count is a second opinion only
                log.exception("quota of channel %s could not be read", channel.pk)
                reported = None
            used = max(used, reported or 0)
        for threshold in THRESHOLDS:
            if used * 100 < limit * threshold:
                continue
            alert = _alert_once(tenant, threshold, used, limit, now)
            if alert is not None:
                alerts.append(alert)
        switch_to_identical(tenant, used, limit, now)
    return alerts


def _alert_once(
    tenant: Tenant, threshold: int, used: int, limit: int, now: datetime
) -> CostAlert | None:
    month = month_start(tenant, now).strftime("%Y-%m")
    try:
        with transaction.atomic():
            alert = CostAlert.objects.create(
                tenant=tenant, month=month, threshold=threshold, used=used, limit=limit, at=now
            )
            if tenant.staff_email:
                expected = forecast(tenant, now)
                enqueue_email(
                    tenant_id=tenant.pk,
                    to=tenant.staff_email,
                    subject=f"【anpi】LINEの有料メッセージが今月の上限の{threshold}%に達しました",
                    body=(
                        f"{tenant.name}のLINEメッセージ（有料の送信）が、今月 {used} 通になりました"
                        f"（プランの上限 {limit} 通の{threshold}%）。\n"
                        f"今月末までの見込み: {expected} 通。返信（お礼など）は無料で、数えていません。\n"
                        "上限に達すると安否確認のLINEが届かなくなり、確認はスタッフの電話作業になります。"
                        "プランの見直しや、同じ内容のまとめ送信（マルチキャスト）の利用をご検討ください。"
                    ),
                    purpose="staff_alert",
                    now=now,
                )
            return alert
    except IntegrityError:
        return None  # already warned this month
