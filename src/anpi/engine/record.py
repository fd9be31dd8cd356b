"""Recording what happened to a sent batch of outbox rows, in bulk.

Algorithm (``record_results``), one transaction for the whole batch:

1. Lock the rows we still hold: ``SELECT id … WHERE id IN (…) AND state =
   'sending' AND leased_until = <our lease> FOR UPDATE`` (ordered by id). A row
   whose lease ran out and was claimed by another worker is not among them, so
   nothing of ours overwrites it: this is the compare-and-set on the lease.
2. One ``UPDATE`` per outcome (and per back-off value) over the rows we hold:
   sent, expired, throttled (back to pending, the attempt does not count),
   retry (back to pending with exponential back-off), failed.
3. ``bulk_create`` the timeline entries of the sent rows; members of a
   multicast row are marked sent with it (engine.multicast).
4. Failures call ``fallback.on_delivery_failed`` row by row (rare), and refused
   replies ``fallback.on_reply_refused`` (an essential message goes again as a
   push, a courtesy is dropped on the timeline), so a failure is never silent.

A 429 on any row makes its channel back off (``throttled_until``) for every worker.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from anpi.channels.base import SendResult

from . import fallback, quota
from .models import Outbox, Quarantine, TimelineEntry
from .quarantine import quarantine

MAX_ATTEMPTS = 10

log = logging.getLogger(__name__)
THROTTLE_BACKOFF = timedelta(seconds=1)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600, 5 * 2 ** max(0, attempts - 1)))


def _rows_still_ours(rows: list[Outbox]) -> set[int]:
    """Ids of the rows whose lease we still hold, locked until the transaction ends."""
    by_lease: dict[datetime | None, list[int]] = defaultdict(list)
    for row in rows:
        by_lease[row.leased_until].append(row.pk)
    ours: set[int] = set()
    for lease, ids in by_lease.items():
        qs = Outbox.objects.filter(pk__in=ids, state=Outbox.State.SENDING, leased_until=lease)
        if connection.features.has_select_for_update:
            qs = qs.select_for_update()
        ours.update(qs.order_by("id").values_list("id", flat=True))
    return ours


def _timeline_for_sent(rows: list[Outbox], now: datetime) -> list[TimelineEntry]:
    from .registry import purpose_label

    return [
        TimelineEntry(
            tenant_id=row.tenant_id,
            person_id=row.person_id,
            check_run_id=row.check_run_id,
            at=now,
            kind="delivered",
            text=f"{purpose_label(row.purpose)}を送信しました（{row.transport}）",
            data={"outbox": row.pk},
        )
        for row in rows
        if row.person_id and row.purpose != "thanks"
    ]


def record_results(pairs: list[tuple[Outbox, SendResult]], now: datetime) -> None:
    """Store what happened to each row, only where we still hold the lease we claimed."""
    if not pairs:
        return
    from .multicast import members_failed, members_sent

    with transaction.atomic():
        ours = _rows_still_ours([row for row, _ in pairs])
        mine = [(row, result) for row, result in pairs if row.pk in ours]
        by_outcome: dict[str, list[tuple[Outbox, SendResult]]] = defaultdict(list)
        for row, result in mine:
            outcome = result.outcome
            if outcome == "retry" and row.attempts >= MAX_ATTEMPTS:
                outcome = "failed"
            by_outcome[outcome].append((row, result))

        sent = [row for row, _ in by_outcome["sent"]]
        if sent:
            Outbox.objects.filter(pk__in=[r.pk for r in sent]).update(
                state=Outbox.State.SENT, sent_at=now, leased_until=None, last_error=""
            )
            entries = _timeline_for_sent(sent, now)
            multicasts = [r.pk for r in sent if r.method == "multicast"]
            if multicasts:
                entries += _timeline_for_sent(members_sent(multicasts, now), now)
            TimelineEntry.objects.bulk_create(entries, batch_size=1000)

        for row, result in by_outcome["expired"]:
            Outbox.objects.filter(pk=row.pk).update(
                state=Outbox.State.EXPIRED, leased_until=None, last_error=result.detail
            )
            _guarded(fallback.on_reply_refused, row, result.detail, now)

        _record_throttled(by_outcome["throttled"], now)
        _record_retries(by_outcome["retry"], now)

        if sent:
            quota.clear_exhausted({r.channel_id for r in sent if r.channel_id}, now)
        for row, result in by_outcome["failed"]:
            Outbox.objects.filter(pk=row.pk).update(
                state=Outbox.State.FAILED, leased_until=None, last_error=result.detail
            )
            if row.channel_id and quota.is_monthly_limit(result.detail):
                quota.mark_exhausted(row.channel_id, now)
            if row.method == "multicast":
                for member in members_failed(row.pk, result.detail):
                    _guarded(fallback.on_delivery_failed, member, result.detail, now)
            else:
                _guarded(fallback.on_delivery_failed, row, result.detail, now)


def _guarded(handle: Any, row: Outbox, detail: str, now: datetime) -> None:
    """Run a row's fallback in a savepoint: if it raises, that row is quarantined
    (``anpi health``) and the batch's other results are still recorded, instead
    of the whole batch rolling back and being sent again forever."""
    try:
        with transaction.atomic():
            handle(row, detail, now)
    except Exception as exc:  # noqa: BLE001 - the poison-row rule
        log.exception("outbox %s: fallback raised; quarantined", row.pk)
        quarantine(Quarantine.Kind.OUTBOX, row.pk, exc, now, row.tenant_id)


def _record_throttled(pairs: list[tuple[Outbox, SendResult]], now: datetime) -> None:
    """429 rate limit: nothing was sent. Back to pending, the attempt does not count,
    and the channel backs off for every worker."""
    by_wait: dict[timedelta, list[tuple[Outbox, SendResult]]] = defaultdict(list)
    for row, result in pairs:
        wait = timedelta(seconds=result.retry_after) if result.retry_after else THROTTLE_BACKOFF
        by_wait[wait].append((row, result))
    channel_until: dict[int, datetime] = {}
    for wait, group in by_wait.items():
        Outbox.objects.filter(pk__in=[r.pk for r, _ in group]).update(
            state=Outbox.State.PENDING,
            leased_until=None,
            next_attempt_at=now + wait,
            attempts=F("attempts") - 1,
            last_error=group[0][1].detail,
        )
        for row, _ in group:
            if row.channel_id:
                channel_until[row.channel_id] = max(
                    now + wait, channel_until.get(row.channel_id, now)
                )
    if channel_until:
        from anpi.tenants.models import LineChannel

        for channel_id, until in channel_until.items():
            LineChannel.objects.filter(pk=channel_id).update(throttled_until=until)


def _record_retries(pairs: list[tuple[Outbox, SendResult]], now: datetime) -> None:
    """5xx / timeout: back to pending with back-off; the same retry key next time."""
    by_attempts: dict[int, list[tuple[Outbox, SendResult]]] = defaultdict(list)
    for row, result in pairs:
        by_attempts[row.attempts].append((row, result))
    for attempts, group in by_attempts.items():
        Outbox.objects.filter(pk__in=[r.pk for r, _ in group]).update(
            state=Outbox.State.PENDING,
            leased_until=None,
            next_attempt_at=now + backoff(attempts),
            last_error=group[0][1].detail,
        )
