"""Reading webhook events so that LINE's additions never make anpi deaf.

LINE adds fields and enum values without notice and asks bots to tolerate them.
The official SDK's models refuse some (an unknown mention type, a new source or
message type), and refusing a whole ``message`` event because of a detail would
leave a person's 「げんきです」 unanswered. So:

1. ``parse_event`` tries the SDK first (the same models production code uses).
2. If that fails for an event type anpi handles, it logs the failure with the
   ``webhookEventId`` and parses a reduced copy of the raw JSON holding only what
   anpi reads (type, source, ids, timestamp, reply token, the text or postback
   data, the follow and member fields). Unknown details are dropped, not guessed.
3. Only a truly unknown event type, or an event that stays unreadable even
   reduced (e.g. a source type anpi cannot address), is ignored, with a log line
   naming its ``webhookEventId``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from linebot.v3.webhooks import Event

log = logging.getLogger(__name__)

# Event types some service handles (the registry's handlers read these).
HANDLED_TYPES = frozenset(
    {"message", "postback", "follow", "unfollow", "join", "leave", "memberJoined", "memberLeft"}
)
_COMMON = ("type", "mode", "timestamp", "webhookEventId", "deliveryContext", "replyToken")


def _source(raw: Any) -> dict[str, Any] | None:
    if not isinstance(raw, dict):
        return None
    kind = raw.get("type")
    if kind == "user" and isinstance(raw.get("userId"), str):
        return {"type": "user", "userId": raw["userId"]}
    if kind == "group" and isinstance(raw.get("groupId"), str):
        found = {"type": "group", "groupId": raw["groupId"]}
        if isinstance(raw.get("userId"), str):
            found["userId"] = raw["userId"]
        return found
    if kind == "room" and isinstance(raw.get("roomId"), str):
        found = {"type": "room", "roomId": raw["roomId"]}
        if isinstance(raw.get("userId"), str):
            found["userId"] = raw["userId"]
        return found
    return None


def _members(raw: Any) -> dict[str, Any]:
    members = raw.get("members") if isinstance(raw, dict) else None
    users = [
        {"type": "user", "userId": m["userId"]}
        for m in members or []
        if isinstance(m, dict) and isinstance(m.get("userId"), str)
    ]
    return {"members": users}


def reduce_event(raw: dict[str, Any]) -> dict[str, Any] | None:
    """What anpi reads of ``raw``, in the SDK's shape; None if even that is missing."""
    source = _source(raw.get("source"))
    if source is None:
        return None
    reduced: dict[str, Any] = {key: raw[key] for key in _COMMON if key in raw}
    reduced["source"] = source
    reduced.setdefault("mode", "active")
    if not isinstance(reduced.get("deliveryContext"), dict):
        reduced["deliveryContext"] = {"isRedelivery": False}
    kind = raw.get("type")
    if kind == "message":
        message = raw.get("message")
        if not isinstance(message, dict):
            return None
        if message.get("type") == "text" and isinstance(message.get("text"), str):
            reduced["message"] = {
                "type": "text",
                "id": str(message.get("id", "")),
                "text": message["text"],
                "quoteToken": str(message.get("quoteToken", "")),
            }
        else:
            # A message kind anpi does not read (a sticker, something new): keep
            # it as an empty text so handlers can still answer with help.
            return None
    elif kind == "postback":
        postback = raw.get("postback")
        if not isinstance(postback, dict) or not isinstance(postback.get("data"), str):
            return None
        reduced["postback"] = {"data": postback["data"]}
    elif kind == "follow":
        follow = raw.get("follow")
        unblocked = isinstance(follow, dict) and follow.get("isUnblocked") is True
        reduced["follow"] = {"isUnblocked": unblocked}
    elif kind == "memberJoined":
        reduced["joined"] = _members(raw.get("joined"))
    elif kind == "memberLeft":
        reduced["left"] = _members(raw.get("left"))
    return reduced


def parse_event(raw: dict[str, Any]) -> Event | None:
    """The SDK model of ``raw``, read tolerantly (see the module docstring).
    Returns None for an event to ignore; never raises for bad event content."""
    event_id = raw.get("webhookEventId")
    kind = raw.get("type")
    try:
        return Event.from_dict(raw)
    except Exception as exc:  # noqa: BLE001 - the SDK raises ValueError or pydantic errors
        if kind not in HANDLED_TYPES:
            log.info("ignoring unknown event type %r (webhookEventId %s)", kind, event_id)
            return None
        log.warning(
            "event %s (%s): the SDK refused a detail (%s); reading what anpi needs",
            event_id,
            kind,
            str(exc).splitlines()[0][:300],
        )
    reduced = reduce_event(raw)
    if reduced is None:
        log.warning("event %s (%s): nothing anpi can act on; ignored", event_id, kind)
        return None
    try:
        return Event.from_dict(reduced)
    except Exception as exc:  # noqa: BLE001
        log.warning("event %s (%s): unreadable even reduced (%s)", event_id, kind, exc)
        return None


def event_time(event: Event) -> datetime:
    """When the event happened, by LINE's ``timestamp`` (ms since the epoch, UTC)."""
    return datetime.fromtimestamp(event.timestamp / 1000, tz=UTC)
