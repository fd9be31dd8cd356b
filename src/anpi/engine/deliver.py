"""Deliver: send outbox rows through their transports, at least once.

Algorithm (``deliver_outbox_batch``):

1. Claim due rows (index ``outbox_due_idx``): ``pending`` rows whose
   ``next_attempt_at`` has come, and ``sending`` rows whose lease ran out (a
   worker died mid-send). The claim locks the rows (SKIP LOCKED on
   PostgreSQL) and sets ``sending`` with a fresh lease and ``attempts + 1``.
2. Send outside any transaction. LINE pushes carry ``X-Line-Retry-Key`` derived
   from the row id, so a re-send after a crash or a 5xx is dropped by LINE (409,
   which counts as sent): at least once here, at most once at the person's phone.
3. Record the outcome with a compare-and-set on the lease we hold:
   sent → ``sent``; retry → back to ``pending`` with exponential back-off;
   throttled (429) → the whole channel backs off; failed → ``failed`` and the
   fallback (engine.fallback) opens a human task, so a failure is never silent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q

from anpi.channels.base import Delivery, SendResult, Transport, transport_class

from . import fallback, timeline
from .clock import Clock
from .models import Outbox

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 10
THROTTLE_BACKOFF = timedelta(seconds=1)

TransportFactory = Callable[[Outbox], Transport]

PURPOSE_TEXT = {
    "check": "安否確認",
    "resend": "再送信",
    "last_notice": "最終メッセージ",
    "thanks": "お礼",
    "greeting": "あいさつ・設定リンク",
    "settings_link": "設定リンク",
    "notify_contact": "緊急連絡先への連絡",
    "contact_confirm": "緊急連絡先の確認依頼",
    "contact_answer": "緊急連絡先の回答のお知らせ",
    "contact_linked": "緊急連絡先のLINE連携のお知らせ",
    "registered": "設定完了のお知らせ",
    "help": "使い方の案内",
    "staff_alert": "スタッフへの警告メール",
    "group_check": "グループへの安否確認",
    "alert": "見守りの通知（確認のお願い）",
    "alert_claimed": "対応者のお知らせ",
}


def default_transport(row: Outbox) -> Transport:
    if row.transport == "line":
        channel = row.channel
        return transport_class("line")(channel.api_host, channel.access_token)  # type: ignore[call-arg]
    return transport_class(row.transport)()


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 5 * 2 ** max(0, attempts - 1)))


def claim_outbox_batch(now: datetime, limit: int = 100) -> list[Outbox]:
    """Lease due rows: ``pending`` ones, and ``sending`` ones whose lease ran out.

    One transaction selects the rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
    so concurrent workers take disjoint rows; on SQLite the IMMEDIATE
    transaction makes the claim exclusive) and sets ``sending``, a new lease
    and ``attempts + 1``. Rows of a channel that LINE throttled wait.
    """
    due = Q(state=Outbox.State.PENDING) | Q(state=Outbox.State.SENDING, leased_until__lt=now)
    with transaction.atomic():
        qs = Outbox.objects.filter(due, next_attempt_at__lte=now).exclude(
            channel_id__in=_throttled_channels(now)
        )
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.order_by("next_attempt_at", "id").values_list("id", flat=True)[:limit])
        if ids:
            Outbox.objects.filter(pk__in=ids).update(
                state=Outbox.State.SENDING, leased_until=now + LEASE, attempts=F("attempts") + 1
            )
    rows = Outbox.objects.filter(pk__in=ids).select_related("channel", "person", "check_run")
    return sorted(rows, key=lambda r: r.pk)


def _throttled_channels(now: datetime) -> set[int]:
    from anpi.tenants.models import LineChannel

    return set(LineChannel.objects.filter(throttled_until__gt=now).values_list("id", flat=True))


def send_one(row: Outbox, transport: Transport) -> SendResult:
    delivery = Delivery(
        method=row.method,
        recipient=row.recipient,
        payload=row.payload,
        retry_key=row.retry_key if row.method in ("push", "multicast") else None,
        reply_token=row.reply_token or None,
    )
    return transport.send(delivery)


def record_result(row: Outbox, result: SendResult, now: datetime) -> None:
    """Store what happened, only if we still hold the lease we claimed."""
    mine = Outbox.objects.filter(
        pk=row.pk, state=Outbox.State.SENDING, leased_until=row.leased_until
    )
    purpose = PURPOSE_TEXT.get(row.purpose, row.purpose)
    with transaction.atomic():
        if result.outcome == "sent":
            if mine.update(state=Outbox.State.SENT, sent_at=now, leased_until=None, last_error=""):
                if row.person_id and row.purpose not in ("thanks",):
                    timeline.record(
                        row.person,
                        "delivered",
                        f"{purpose}を送信しました（{row.transport}）",
                        now,
                        row.check_run,
                        outbox=row.pk,
                    )
        elif result.outcome == "expired":
            mine.update(state=Outbox.State.EXPIRED, leased_until=None, last_error=result.detail)
        elif result.outcome == "throttled":
            wait = timedelta(seconds=result.retry_after) if result.retry_after else THROTTLE_BACKOFF
            # 429 means nothing was sent: this attempt does not count.
            mine.update(
                state=Outbox.State.PENDING,
                leased_until=None,
                next_attempt_at=now + wait,
                attempts=F("attempts") - 1,
                last_error=result.detail,
            )
            if row.channel_id:
                from anpi.tenants.models import LineChannel

                LineChannel.objects.filter(pk=row.channel_id).update(throttled_until=now + wait)
        elif result.outcome == "retry" and row.attempts < MAX_ATTEMPTS:
            mine.update(
                state=Outbox.State.PENDING,
                leased_until=None,
                next_attempt_at=now + backoff(row.attempts),
                last_error=result.detail,
            )
        else:
            if mine.update(state=Outbox.State.FAILED, leased_until=None, last_error=result.detail):
                fallback.on_delivery_failed(row, result.detail, now)


def deliver_outbox_batch(
    clock: Clock, limit: int = 100, transport_for: TransportFactory = default_transport
) -> int:
    """Send one batch of due outbox rows. Returns how many rows were attempted."""
    rows = claim_outbox_batch(clock.now(), limit)
    for row in rows:
        try:
            result = send_one(row, transport_for(row))
        except Exception as exc:  # noqa: BLE001 - a broken row must not stop the batch
            log.exception("outbox %s: transport raised", row.pk)
            result = SendResult("retry", f"{type(exc).__name__}: {exc}")
        record_result(row, result, clock.now())
    return len(rows)
