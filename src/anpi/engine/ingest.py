"""Ingest: webhook events are stored first, then processed by a worker.

The webhook view calls ``store_events`` and answers 200 only after the insert
committed (invariant 4); ``webhookEventId`` is unique per channel, so duplicates
and redeliveries are stored once. ``process_inbox_batch`` then claims
unprocessed rows with a lease, parses each with the official SDK's models and
dispatches it. A handler that raises leaves the row for a later attempt.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F, Q
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from anpi.tenants.models import LineChannel

from . import messages
from .answer import answer_ok
from .clock import Clock
from .models import Inbox

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 5
OK_WORDS = re.compile(r"^\s*(げんき|元気|げんきです|元気です|ok|OK|ＯＫ|はい)\s*[。!！]?\s*$")
SETTINGS_WORDS = re.compile(r"^\s*(せってい|設定)\s*$")
LINK_CODE = re.compile(r"^\s*(?:れんらく|連絡)?\s*(\d{6})\s*$")


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
    return sorted(rows, key=lambda r: (r.event.get("timestamp", 0), r.pk))


def _user_id(event: Event) -> str:
    return getattr(event.source, "user_id", None) or ""


def lookups_before_transaction(channel: LineChannel, raw: dict[str, Any]) -> dict[str, Any]:
    """Calls to LINE that an event needs, made before its transaction opens so
    that no database lock is held across an HTTP request (SQLite has one writer)."""
    from .hooks import lookup_providers

    for provide in lookup_providers:
        found = provide(channel, raw)
        if found:
            return found
    if raw.get("type") == "follow" and raw.get("source", {}).get("type") == "user":
        from anpi.channels.line.transport import fetch_display_name

        user_id = raw["source"].get("userId", "")
        return {"display_name": fetch_display_name(channel.api_host, channel.access_token, user_id)}
    return {}


def handle_event(
    channel: LineChannel, raw: dict[str, Any], clock: Clock, lookups: dict[str, Any] | None = None
) -> str:
    """Dispatch one event; returns a short word for logs and tests."""
    from anpi.people import actions
    from anpi.people.models import Person

    try:
        event = Event.from_dict(raw)
    except ValueError:
        # What the SDK's parser turns into UnknownEvent: a type we do not know.
        log.info("ignoring unknown event type %r", raw.get("type"))
        return "ignored"
    now = clock.now()
    if event is None:
        return "ignored"
    from .hooks import event_handlers

    for handler in event_handlers:
        # Group chats, team invites and watchers' claims (anpi.groups).
        handled = handler(channel, event, clock, lookups or {})
        if handled is not None:
            return handled
    if getattr(event.source, "type", None) != "user":
        # Unknown event types parse as UnknownEvent; group events nobody handled
        # (e.g. a room) are not an error either.
        return "ignored"
    user_id = _user_id(event)
    reply_token = getattr(event, "reply_token", None) or ""
    if isinstance(event, FollowEvent):
        name = (lookups or {}).get("display_name", "")
        actions.do_follow(channel, user_id, now, reply_token=reply_token, display_name=name)
        return "follow"
    if isinstance(event, UnfollowEvent):
        actions.do_block(channel, user_id, now)
        return "unfollow"
    person = Person.objects.filter(channel=channel, line_user_id=user_id).first()
    if isinstance(event, PostbackEvent):
        parsed = messages.parse_postback_data(event.postback.data)
        if parsed and parsed[0] == "ok" and person is not None:
            answer_ok(person, clock, reply_token=reply_token)
            return "ok"
        return "ignored"
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        text = event.message.text
        code = LINK_CODE.match(text)
        if code and actions.do_link_contact_line(channel, user_id, code.group(1), now, reply_token):
            return "contact_linked"
        if person is None:
            return "ignored"
        if OK_WORDS.match(text):
            answer_ok(person, clock, reply_token=reply_token, via="line_text")
            return "ok"
        if SETTINGS_WORDS.match(text):
            actions.do_send_settings_link(person, now, reply_token)
            return "settings_link"
        if reply_token:
            from .outbox import enqueue_reply

            enqueue_reply(
                person=person,
                reply_token=reply_token,
                messages=[messages.help_message()],
                purpose="help",
                now=now,
            )
        return "help"
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
            log.exception("inbox %s failed", row.pk)
            Inbox.objects.filter(pk=row.pk, processed_at__isnull=True).update(
                last_error=f"{type(exc).__name__}: {exc}",
                leased_until=clock.now() + timedelta(seconds=5),
            )
    return done
