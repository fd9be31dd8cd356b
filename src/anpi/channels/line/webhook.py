"""Checking and reading LINE webhook requests with the official SDK."""

from __future__ import annotations

import json
import re
from typing import Any

from linebot.v3 import SignatureValidator


class WebhookError(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def verify_signature(channel_secret: str, body: bytes, signature: str) -> bool:
    """X-Line-Signature = base64(HMAC-SHA256(secret, raw body)), compared in constant time."""
    if not signature:
        return False
    try:
        return SignatureValidator(channel_secret).validate(body.decode("utf-8"), signature)
    except UnicodeDecodeError:
        return False


# A webhook body carries events of one channel; LINE sends them in small batches.
# These bounds refuse junk before anything is stored (nothing half saved).
MAX_BODY_BYTES = 1024 * 1024
MAX_EVENTS = 1000
MAX_EVENT_ID = 64  # Inbox.webhook_event_id; LINE's are 26-character ULIDs


def read_events(body: bytes, bot_user_id: str = "") -> list[dict[str, Any]]:
    """The events of a webhook body, or WebhookError(400 | 413) if it is not
    LINE's shape. Every event must have a string ``type``, a ``webhookEventId``
    of 1–64 characters and a numeric (integer, not boolean) ``timestamp``; the
    body's ``destination`` must be the channel's bot user id once that is known
    (unless the body has no events: LINE's verification request).
    A body that fails any rule is refused whole: nothing of it is stored."""
    if len(body) > MAX_BODY_BYTES:
        raise WebhookError(413, "body too large")
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise WebhookError(400, "malformed JSON") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise WebhookError(400, "body must be an object with an 'events' list")
    destination = payload.get("destination")
    if destination is not None and not isinstance(destination, str):
        raise WebhookError(400, "destination must be a string")
    events = payload["events"]
    # The console's verification request (no events) is answered 200 whatever it names.
    if events and bot_user_id and destination and destination != bot_user_id:
        raise WebhookError(400, "destination is not this channel's bot")
    if len(events) > MAX_EVENTS:
        raise WebhookError(400, f"at most {MAX_EVENTS} events per request")
    for event in events:
        if not isinstance(event, dict):
            raise WebhookError(400, "every event must be an object")
        event_id = event.get("webhookEventId")
        if not isinstance(event_id, str) or not 0 < len(event_id) <= MAX_EVENT_ID:
            raise WebhookError(400, "every event needs a webhookEventId of 1-64 characters")
        if not isinstance(event.get("type"), str):
            raise WebhookError(400, "every event needs a type")
        timestamp = event.get("timestamp")
        if not isinstance(timestamp, int) or isinstance(timestamp, bool) or timestamp < 0:
            raise WebhookError(400, "every event needs a numeric timestamp")
    return [storable(event) for event in events]


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable(value: Any) -> Any:
    """``value`` with every string made storable in PostgreSQL: NUL (which a
    ``text`` or ``jsonb`` value cannot hold) and lone surrogates (not UTF-8)
    become U+FFFD. JSON allows both (``\\u0000``, ``\\ud800``); LINE does not send
    them, but a signed body must never turn into a 500 and a lost event."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, list):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value
