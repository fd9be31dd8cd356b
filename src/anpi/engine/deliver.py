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
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q

from anpi.channels.base import Delivery, SendResult, Transport, transport_class

from .clock import Clock
from .models import Outbox

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)

TransportFactory = Callable[[Outbox], Transport]


class NoChannel(Transport):
    """A LINE row without a channel has nowhere to be sent from: it fails (and
    the person's fallback runs) instead of raising in ``default_transport``,
    which would stop the whole batch and strand its leased rows."""

    kind = "line"

    def send(self, delivery: Delivery) -> SendResult:
        return SendResult("failed", "the row has no LINE channel")


def default_transport(row: Outbox) -> Transport:
    if row.transport == "line":
        if row.channel is None:
            return NoChannel()
        # Imported here, as transport_class does, so that only senders load the SDK.
        from anpi.channels.line.transport import LineTransport

        return LineTransport(row.channel.api_host, row.channel.access_token)
    return transport_class(row.transport)()


def claim_outbox_batch(now: datetime, limit: int = 500) -> list[Outbox]:
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


def _send_guarded(row: Outbox, transport: Transport) -> SendResult:
    try:
        return send_one(row, transport)
    except Exception as exc:  # noqa: BLE001 - a broken row must not stop the batch
        log.exception("outbox %s: transport raised", row.pk)
        return SendResult("retry", f"{type(exc).__name__}: {exc}")


def deliver_threads() -> int:
    """Sending threads per worker process (``ANPI_DELIVER_THREADS``, default 32)."""
    return max(1, int(os.environ.get("ANPI_DELIVER_THREADS", "32")))


def deliver_batch_size() -> int:
    """Rows claimed per batch (``ANPI_DELIVER_BATCH``, default 16 per thread, ≤ 1,000)."""
    default = min(1000, 16 * deliver_threads())
    return max(1, int(os.environ.get("ANPI_DELIVER_BATCH", str(default))))


_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(deliver_threads(), thread_name_prefix="anpi-deliver")
        return _pool


def send_all(rows: list[Outbox], transport_for: TransportFactory) -> list[SendResult]:
    """Send every claimed row; concurrently when there is more than one.

    Rows for the same chat (recipient) go one after another in id order, in one
    task, so that a person or a group sees messages in the order they were
    made; different chats go in parallel. Transports are looked up here, in the
    calling thread, so the sending threads never touch the database (Django
    connections are per thread, and none may hold a lock across an HTTP
    request). The LINE transport keeps one SDK ApiClient per thread.
    """
    transports = [transport_for(row) for row in rows]
    if len(rows) <= 1 or deliver_threads() == 1:
        return [_send_guarded(row, t) for row, t in zip(rows, transports, strict=True)]
    chats: dict[str, list[int]] = {}
    for index, row in enumerate(rows):  # rows are sorted by id
        chats.setdefault(row.recipient, []).append(index)

    def send_chat(indexes: list[int]) -> list[tuple[int, SendResult]]:
        return [(i, _send_guarded(rows[i], transports[i])) for i in indexes]

    results: list[SendResult | None] = [None] * len(rows)
    for done in _executor().map(send_chat, chats.values()):
        for index, result in done:
            results[index] = result
    return [r for r in results if r is not None]


def deliver_outbox_batch(
    clock: Clock, limit: int | None = None, transport_for: TransportFactory = default_transport
) -> int:
    """Send one batch of due outbox rows. Returns how many rows were attempted.

    Identical check messages are first coalesced into multicast rows
    (engine.multicast); then a batch is claimed, sent concurrently by a thread
    pool, and recorded in bulk (engine.record), each row under the CAS on its lease.
    """
    from .multicast import coalesce_identical_pushes
    from .record import record_results

    coalesce_identical_pushes(clock.now())
    rows = claim_outbox_batch(clock.now(), limit or deliver_batch_size())
    if not rows:
        return 0
    results = send_all(rows, transport_for)
    record_results(list(zip(rows, results, strict=True)), clock.now())
    return len(rows)
