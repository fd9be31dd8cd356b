"""Putting messages into the outbox. Callers are inside the transaction of the
state change that causes the message, so the message exists iff the change
committed (no lost and no phantom messages)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .models import Outbox


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
    """``coalesce_key``: non-empty when ``messages`` are the same for many persons,
    so that engine.multicast may send this row as part of a multicast."""
    channel = channel or person.channel
    return Outbox.objects.create(
        coalesce_key=coalesce_key,
        tenant_id=person.tenant_id,
        channel=channel,
        transport="line",
        method="push",
        recipient=to,
        payload={"messages": messages},
        purpose=purpose,
        check_run=check,
        person=person,
        contact=contact,
        next_attempt_at=now,
        created_at=now,
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
    channel = channel or person.channel
    return Outbox.objects.create(
        tenant_id=person.tenant_id,
        channel=channel,
        transport="line",
        method="reply",
        recipient=person.line_user_id,
        reply_token=reply_token,
        payload={"messages": messages},
        purpose=purpose,
        check_run=check,
        person=person,
        next_attempt_at=now,
        created_at=now,
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
