"""Multicast: one request for up to 500 persons who get the very same message.

LINE counts a multicast per recipient, like pushes, but allows 500 ids per
request (200 requests/s), so identical check messages go out up to 50 times
faster than personalized pushes. A tenant opts in by giving its policy's first
step ``{"action": "send_check", "params": {"message": "identical"}}``: the check
message then carries no name and no check id (an OK answers every open check of
the person anyway), and its outbox rows get a ``coalesce_key``.

Algorithm (``coalesce_identical_pushes``), one transaction per round:

1. Lock pending, due push rows with a non-empty ``coalesce_key`` that were
   never tried (index ``outbox_coalesce_idx``; ``FOR UPDATE SKIP LOCKED`` on
   PostgreSQL), in id order. A row already tried may have reached the phone
   (LINE accepted it, then the answer was lost: a 500 after accepting, a
   timeout, a killed worker). Only a retry under that row's own
   ``X-Line-Retry-Key`` is dropped by LINE, so such a row is retried alone.
2. Group them by (channel, key) into chunks of <= 500 distinct recipients.
3. Insert one ``multicast`` outbox row per chunk (recipients comma-separated,
   the members' payload) and mark the members ``grouped`` with a link to it.

Because the row and its members commit together, a multicast row always names
the same recipients: every retry re-sends the same group with the same
``X-Line-Retry-Key`` (derived from the multicast row's id), so LINE drops a
repeat. The multicast row is then delivered like any other row; when it is
recorded sent its members are marked sent (``members_sent``); when it fails for
good each member fails too and gets its own fallback (a staff task).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from datetime import datetime
from typing import Any

from django.db import connection, transaction

from .models import Outbox

MULTICAST_MAX = 500  # LINE: at most 500 user ids per multicast request
ROUND = 5000  # rows locked per coalescing transaction
MAX_ROUNDS = 200


def coalesce_key(messages: list[dict[str, Any]]) -> str:
    """The key that marks a push as identical to every other push with this key."""
    body = json.dumps(messages, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(body).hexdigest()[:40]


def _coalesce_round(now: datetime) -> int:
    """Coalesce one round of rows. Returns how many members were grouped."""
    with transaction.atomic():
        qs = Outbox.objects.filter(
            state=Outbox.State.PENDING, method="push", attempts=0, next_attempt_at__lte=now
        ).exclude(coalesce_key="")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        rows = list(
            qs.order_by("id").values_list(
                "id", "channel_id", "tenant_id", "coalesce_key", "recipient"
            )[:ROUND]
        )
        groups: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
        tenants: dict[tuple[int, str], int] = {}
        for pk, channel_id, tenant_id, key, recipient in rows:
            groups[(channel_id, key)].append((pk, recipient))
            tenants[(channel_id, key)] = tenant_id
        chunks: list[tuple[tuple[int, str], list[tuple[int, str]]]] = []
        for group_key, members in groups.items():
            chunk: list[tuple[int, str]] = []
            seen: set[str] = set()
            for pk, recipient in members:
                if recipient in seen:
                    continue  # same person twice: left for a later round (own multicast)
                seen.add(recipient)
                chunk.append((pk, recipient))
                if len(chunk) == MULTICAST_MAX:
                    chunks.append((group_key, chunk))
                    chunk, seen = [], set()
            if len(chunk) > 1:
                chunks.append((group_key, chunk))
            # A lone row stays a push: a multicast of one saves nothing.
        if not chunks:
            return 0
        first_ids = [chunk[0][0] for _, chunk in chunks]
        payloads = dict(Outbox.objects.filter(pk__in=first_ids).values_list("id", "payload"))
        purposes = dict(Outbox.objects.filter(pk__in=first_ids).values_list("id", "purpose"))
        heads = Outbox.objects.bulk_create(
            [
                Outbox(
                    tenant_id=tenants[group_key],
                    channel_id=group_key[0],
                    transport="line",
                    method="multicast",
                    recipient=",".join(r for _, r in chunk),
                    payload=payloads[chunk[0][0]],
                    purpose=purposes[chunk[0][0]],
                    next_attempt_at=now,
                    created_at=now,
                )
                for group_key, chunk in chunks
            ]
        )
        grouped = 0
        for head, (_, chunk) in zip(heads, chunks, strict=True):
            grouped += Outbox.objects.filter(
                pk__in=[pk for pk, _ in chunk], state=Outbox.State.PENDING
            ).update(state=Outbox.State.GROUPED, multicast_id=head.pk)
        return grouped


def coalesce_identical_pushes(now: datetime) -> int:
    """Group every due identical push into multicast rows. Returns members grouped."""
    total = 0
    for _ in range(MAX_ROUNDS):
        grouped = _coalesce_round(now)
        total += grouped
        if grouped == 0:
            break
    return total


def members_sent(multicast_ids: list[int], now: datetime) -> list[Outbox]:
    """Mark the members of sent multicast rows sent; returns them (for the timeline).
    Called inside the transaction that records the multicast rows."""
    members = list(
        Outbox.objects.filter(multicast_id__in=multicast_ids, state=Outbox.State.GROUPED).only(
            "id", "tenant_id", "person_id", "check_run_id", "purpose", "transport"
        )
    )
    Outbox.objects.filter(pk__in=[m.pk for m in members]).update(
        state=Outbox.State.SENT, sent_at=now, last_error=""
    )
    return members


def members_failed(multicast_id: int, detail: str) -> list[Outbox]:
    """Mark the members of a failed multicast row failed; returns them for the
    per-member fallback. Called inside the transaction that records the row."""
    members = list(
        Outbox.objects.filter(multicast_id=multicast_id, state=Outbox.State.GROUPED)
        .select_related("person", "check_run", "contact")
        .order_by("id")
    )
    Outbox.objects.filter(pk__in=[m.pk for m in members]).update(
        state=Outbox.State.FAILED, last_error=f"multicast failed: {detail}"
    )
    return members
