"""Ingest: webhook events are stored first, then processed by a worker.

The webhook view calls ``store_events`` and answers 200 only after the insert
committed (invariant 4); ``webhookEventId`` is unique per channel, so duplicates
and redeliveries are stored once. ``process_inbox_batch`` then claims
unprocessed rows with a lease, parses each with the official SDK's models and
dispatches it. A handler that raises leaves the row for a later attempt; after
``MAX_ATTEMPTS`` the event is quarantined (engine.quarantine), never dropped
silently, and the rest of the batch goes on.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q

from anpi.tenants.models import LineChannel

from . import registry
from .clock import Clock
from .events import parse_event
from .models import Inbox, Quarantine
from .quarantine import quarantine

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5


def store_events(channel: Any, events: list[dict[str, Any]], now: datetime) -> int:
    """``channel``: anything with ``pk`` and ``tenant_id`` (the webhook passes its
    cached view of the channel, not a model instance)."""
    rows = [
        Inbox(
            tenant_id=channel.tenant_id,
            channel_id=channel.pk,
            webhook_event_id=event["webhookEventId"],
            event=event,
            received_at=now,
        )
        for event in events
    ]
    with transaction.atomic():
        Inbox.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def claim_inbox_batch(now: datetime, limit: int = 100) -> list[Inbox]:
    """Lease up to ``limit`` unprocessed events whose lease is free or ran out.

    One transaction selects the rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL,
    so workers take disjoint rows; SQLite runs one writer at a time) and moves
    their lease forward. The lease only spreads work: exactly-once processing
    comes from the compare-and-set in ``process_inbox_batch``.
    """
    free = Q(leased_until__isnull=True) | Q(leased_until__lte=now)
    with transaction.atomic():
        qs = Inbox.objects.filter(free, processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.order_by("received_at", "id").values_list("id", flat=True)[:limit])
        if ids:
            Inbox.objects.filter(pk__in=ids).update(
                leased_until=now + LEASE, attempts=F("attempts") + 1
            )
    rows = Inbox.objects.filter(pk__in=ids).select_related("channel", "channel__tenant")
    # Process a user's events in the order they happened.
    return sorted(rows, key=lambda r: (event_time_ms(r.event), r.pk))


def event_time_ms(raw: Any) -> int:
    """LINE's ``timestamp`` (ms) of a stored event; 0 when it is not a number
    (the webhook refuses those, but rows stored before that rule exist)."""
    value = raw.get("timestamp") if isinstance(raw, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0
    try:
        return int(value)
    except (OverflowError, ValueError):
        return 0


def lookups_before_transaction(channel: LineChannel, raw: dict[str, Any]) -> dict[str, Any]:
    """Calls to LINE that an event needs (registry ``lookup_providers``), made
    before its transaction opens so that no database lock is held across an
    HTTP request (SQLite has one writer). The providers' dicts are merged."""
    found: dict[str, Any] = {}
    for provide in registry.lookup_providers:
        found.update(provide(channel, raw) or {})
    return found


def handle_event(
    channel: LineChannel, raw: dict[str, Any], clock: Clock, lookups: dict[str, Any] | None = None
) -> str:
    """Parse one event with the official SDK (tolerantly: ``engine.events``)
    and offer it to the services' handlers (registry ``event_handlers``, in their order); returns a short word
    for logs and tests ("ignored" when no handler took it)."""
    event = parse_event(raw)
    if event is None:
        return "ignored"
    for handler in registry.event_handlers():
        handled = handler(channel, event, clock, lookups or {})
        if handled is not None:
            return handled
    return "ignored"


def process_inbox_batch(clock: Clock, limit: int = 100) -> int:
    """Process one batch of stored events. Returns how many were processed.

    Each event is handled in one transaction that starts by setting
    ``processed_at`` with a compare-and-set on ``processed_at IS NULL``. The
    row stays locked until the handler's writes commit, so if a lease ran out
    and two workers hold the same event, the second one's CAS waits, then
    changes no row, and it skips: every stored event is handled exactly once.
    """
    done = 0
    for row in claim_inbox_batch(clock.now(), limit):
        try:
            lookups = lookups_before_transaction(row.channel, row.event)
            with transaction.atomic():
                won = Inbox.objects.filter(pk=row.pk, processed_at__isnull=True).update(
                    processed_at=clock.now(), leased_until=None
                )
                if not won:
                    continue
                outcome = handle_event(row.channel, row.event, clock, lookups)
            done += 1
            log.debug("inbox %s: %s", row.pk, outcome)
        except Exception as exc:  # noqa: BLE001 - keep the event for another attempt
            log.exception("inbox %s failed (attempt %s)", row.pk, row.attempts)
            Inbox.objects.filter(pk=row.pk, processed_at__isnull=True).update(
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
                leased_until=clock.now() + timedelta(seconds=5),
            )
            if row.attempts >= MAX_ATTEMPTS:
                # Abandoned: never silent (anpi health, /healthz, the staff banner).
                quarantine(Quarantine.Kind.INBOX, row.pk, exc, clock.now(), row.tenant_id)
    return done
