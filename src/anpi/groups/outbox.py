"""Outbox rows for chats that are not one person's: a group, or a watcher.

Like engine.outbox, callers are inside the transaction of the state change that
causes the message (the message exists iff the change committed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anpi.engine.models import Check, Outbox
from anpi.engine.outbox import enqueue_line
from anpi.tenants.models import LineChannel


def push_to_chat(
    *,
    channel: LineChannel,
    to: str,
    messages: list[dict[str, Any]],
    purpose: str,
    now: datetime,
    person: Any = None,
    check: Check | None = None,
) -> Outbox:
    return enqueue_line(
        channel=channel,
        method="push",
        to=to,
        messages=messages,
        purpose=purpose,
        now=now,
        person=person,
        check=check,
    )


def reply_in_chat(
    *,
    channel: LineChannel,
    reply_token: str,
    to: str,
    messages: list[dict[str, Any]],
    purpose: str,
    now: datetime,
) -> Outbox | None:
    """A free reply (no-op without a reply token: the caller's chat was not LINE)."""
    if not reply_token:
        return None
    return enqueue_line(
        channel=channel,
        method="reply",
        to=to,
        messages=messages,
        purpose=purpose,
        now=now,
        reply_token=reply_token,
    )
