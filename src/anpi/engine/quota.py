"""LINE's monthly message limit: when a channel reaches it, staff hear it once.

LINE answers a push over the plan's monthly limit with 429 "You have reached
your monthly limit." (LINE.md). Nothing is sent, so each such message already
goes to its fallback (a staff task: ``engine.fallback``). On top of that, the
first refusal marks the channel (compare-and-set on ``quota_exhausted_at IS
NULL``) and e-mails the tenant's staff once; ``anpi health``, /healthz and the
dashboard banner report the channel until a push is accepted again.
"""

from __future__ import annotations

from datetime import datetime

from anpi.tenants.models import LineChannel

from .outbox import enqueue_email


def is_monthly_limit(detail: str) -> bool:
    return "monthly limit" in (detail or "").lower()


def mark_exhausted(channel_id: int, now: datetime) -> bool:
    """Mark the channel and tell its tenant's staff, once. Returns True the first time."""
    won = LineChannel.objects.filter(pk=channel_id, quota_exhausted_at__isnull=True).update(
        quota_exhausted_at=now
    )
    if not won:
        return False
    channel = LineChannel.objects.select_related("tenant").get(pk=channel_id)
    tenant = channel.tenant
    if tenant.staff_email:
        enqueue_email(
            tenant_id=tenant.pk,
            to=tenant.staff_email,
            subject=f"【anpi】LINE「{channel.name}」の今月の送信上限に達しました",
            body=(
                f"LINE公式アカウント「{channel.name}」が、今月送れるメッセージの上限に達しました。\n"
                "これから月末まで、安否確認などのLINEメッセージは届きません。"
                "届かなかった方への確認は、スタッフの電話作業として通話キューに入ります。\n"
                "LINE公式アカウントのプランを見直すか、上限を引き上げてください。"
            ),
            purpose="staff_alert",
            now=now,
        )
    return True


def clear_exhausted(channel_ids: set[int], now: datetime) -> int:
    """A push was accepted again on these channels: the limit is behind us."""
    if not channel_ids:
        return 0
    return LineChannel.objects.filter(
        pk__in=channel_ids, quota_exhausted_at__isnull=False
    ).update(quota_exhausted_at=None)


def exhausted_channels() -> list[str]:
    """Names of channels at their monthly limit, for health reports."""
    return list(
        LineChannel.objects.filter(quota_exhausted_at__isnull=False)
        .order_by("pk")
        .values_list("name", flat=True)
    )
