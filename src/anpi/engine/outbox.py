"""Putting messages into the outbox. Callers are inside the transaction of the
state change that causes the message, so the message exists iff the change
committed (no lost and no phantom messages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .models import Outbox


def line_row(
    *,
    channel: Any,
    method: str,
    to: str,
    messages: list[dict[str, Any]],
    purpose: str,
    now: datetime,
    reply_token: str = "",
    person: Any = None,
    check: Any = None,
    contact: Any = None,
    coalesce_key: str = "",
) -> Outbox:
    """An unsaved LINE outbox row (for ``bulk_create``); see ``enqueue_line``."""
    return Outbox(
        tenant_id=channel.tenant_id,
        channel=channel,
        transport="line",
        method=method,
        recipient=to,
        reply_token=reply_token,
        payload={"messages": messages},
        purpose=purpose,
        check_run=check,
        person=person,
        contact=contact,
        coalesce_key=coalesce_key,
        next_attempt_at=now,
        created_at=now,
    )


def enqueue_line(**fields: Any) -> Outbox:
    """One LINE push or reply to any chat: a person, a contact, a group, a watcher.

    Keyword arguments as ``line_row``: ``channel``, ``method`` ("push" |
    "reply"), ``to``, ``messages``, ``purpose``, ``now``, and optionally
    ``reply_token``, ``person``, ``check``, ``contact``, ``coalesce_key``
    (non-empty when ``messages`` are the same for many persons, so that
    engine.multicast may send this row as part of a multicast)."""
    row = line_row(**fields)
    row.save()
    return row


def enqueue_push(
    *,
    person: Any,
    to: str,
    messages: list[dict[str, Any]],
    purpose: str,
    now: datetime,
    check: Any = None,
    contact: Any = None,
    channel: Any = None,
    coalesce_key: str = "",
) -> Outbox:
    """A push on the person's channel (to the person, or to one of their contacts)."""
    return enqueue_line(
        channel=channel or person.channel,
        method="push",
        to=to,
        messages=messages,
        purpose=purpose,
        now=now,
        person=person,
        check=check,
        contact=contact,
        coalesce_key=coalesce_key,
    )


def enqueue_reply(
    *,
    person: Any,
    reply_token: str,
    messages: list[dict[str, Any]],
    purpose: str,
    now: datetime,
    channel: Any = None,
    check: Any = None,
) -> Outbox:
    """A free reply in the person's chat while the reply token is valid."""
    return enqueue_line(
        channel=channel or person.channel,
        method="reply",
        to=person.line_user_id,
        messages=messages,
        purpose=purpose,
        now=now,
        reply_token=reply_token,
        person=person,
        check=check,
    )


def enqueue_email(
    *,
    tenant_id: int,
    to: str,
    subject: str,
    body: str,
    purpose: str,
    now: datetime,
    person: Any = None,
    contact: Any = None,
    check: Any = None,
) -> Outbox:
    return Outbox.objects.create(
        tenant_id=tenant_id,
        transport="email",
        method="email",
        recipient=to,
        payload={"subject": subject, "body": body},
        purpose=purpose,
        check_run=check,
        person=person,
        contact=contact,
        next_attempt_at=now,
        created_at=now,
    )
