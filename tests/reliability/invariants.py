"""The six invariants of docs/engine.md, checked against the database and against the
LINE simulator's own record of what reached each phone.

Each function returns a list of violations (human-readable strings); an empty
list means the invariant held. They read a finished run, so they use the ORM
freely.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

PERSON_PURPOSES = ("check", "resend", "last_notice")
STEP_TIMELINE_KINDS = ("check_sent", "resent", "last_notice", "check_merged")
RETRY_KEY_NAMESPACE = uuid.UUID("6f0d5a52-4b1e-4a8e-9f62-0c5d1e7a3b21")


def occurrences_exactly_once(start: datetime) -> list[str]:
    """1. Each schedule occurrence yields exactly one check: the checks of a
    person are exactly the occurrences from ``start`` up to the one not yet
    planned (``next_check_at``), none missing and none twice."""
    from anpi.engine.models import Check
    from anpi.engine.plan import following_occurrence
    from anpi.people.models import Person

    bad = []
    for person in Person.objects.filter(status="active").prefetch_related("pauses"):
        due = list(
            Check.objects.filter(person=person).order_by("due_at").values_list("due_at", flat=True)
        )
        expected = []
        at = following_occurrence(person, start)
        while at is not None and person.next_check_at and at < person.next_check_at:
            expected.append(at)
            at = following_occurrence(person, at)
        if due != expected:
            bad.append(f"I1 person {person.pk}: checks at {due}, occurrences {expected}")
    return bad


def open_checks_have_a_next_action(now: datetime) -> list[str]:
    """2. Every open check has a future next_action_at or an open task with a deadline."""
    from anpi.engine.models import Check, Task

    bad = []
    for check in Check.objects.filter(state="open"):
        if check.next_action_at is not None and check.next_action_at > now:
            continue
        if Task.objects.filter(check_run=check, state="open", deadline__isnull=False).exists():
            continue
        bad.append(
            f"I2 check {check.pk}: open, next_action_at={check.next_action_at}, no open task"
        )
    return bad


def retry_key(channel_id: int | None, outbox_id: int) -> str:
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, f"{channel_id}:{outbox_id}"))


def messages_once_none_lost(
    deliveries: list[dict[str, Any]], dropped: list[dict[str, Any]]
) -> list[str]:
    """3. No check message reaches a phone twice, none is lost.

    For every check/resend/last-notice row: the simulator shows at most one
    delivery with its retry key, exactly one when the row says sent; a failed
    row has a human task in its place; nothing is left pending. And no phone
    shows the same check message twice, whatever its retry key.
    """
    from anpi.engine.models import Outbox, Task

    by_key: Counter[str] = Counter(d["retryKey"] for d in deliveries + dropped if d.get("retryKey"))
    bad = []
    # Every LINE row accounts for its own push (all-clears, greetings sent again
    # after a refused reply, alerts…); the per-row checks below are for the
    # person's questions and the contacts' alerts.
    purpose_of: dict[str, str] = {
        retry_key(channel_id, pk): purpose
        for pk, channel_id, purpose in Outbox.objects.filter(transport="line").values_list(
            "pk", "channel_id", "purpose"
        )
    }
    # A multicast (engine.multicast; the cost guard switches to it near the plan's
    # limit) is one request under its own row's retry key, delivered once to each
    # member: a member row is accounted for by (that key, its recipient).
    by_key_and_phone: Counter[tuple[str, str]] = Counter(
        (d["retryKey"], d.get("recipient", "")) for d in deliveries + dropped if d.get("retryKey")
    )
    for row in Outbox.objects.filter(
        purpose__in=PERSON_PURPOSES + ("notify_contact",), transport="line"
    ):
        if row.method == "multicast":
            continue  # checked through its members below
        if row.multicast_id is not None:
            key = retry_key(row.channel_id, row.multicast_id)
            seen = by_key_and_phone.get((key, row.recipient), 0)
        else:
            key = retry_key(row.channel_id, row.pk)
            seen = by_key.get(key, 0)
        if seen > 1:
            bad.append(f"I3 outbox {row.pk} ({row.purpose}) delivered {seen} times")
        if row.state == "sent" and seen != 1:
            bad.append(f"I3 outbox {row.pk} ({row.purpose}) marked sent but delivered {seen} times")
        if row.state in ("pending", "sending"):
            bad.append(f"I3 outbox {row.pk} ({row.purpose}) still {row.state}: {row.last_error}")
        if row.state == "failed" and row.check_run_id and row.check_run.state == "open":
            if not Task.objects.filter(
                check_run_id=row.check_run_id, created_at__gte=row.created_at
            ).exists():
                bad.append(f"I3 outbox {row.pk} failed ({row.last_error}) and no human took over")
    # Messages to the watched person name their check, so the same one twice on a
    # phone is a duplicate whatever its retry key. (A contact's alert reads the same
    # for every check, so contacts are covered by the retry keys above.)
    content: Counter[tuple[str, str]] = Counter()
    for d in deliveries:
        key = d.get("retryKey")
        if not key:
            continue
        if key not in purpose_of:
            bad.append(f"I3 the phone got a push no outbox row accounts for: {key}")
        elif purpose_of[key] in PERSON_PURPOSES:
            content[(d["recipient"], json.dumps(d["message"], sort_keys=True))] += 1
    for (recipient, message), n in content.items():
        if n > 1:
            bad.append(f"I3 {recipient} got the same message {n} times: {message[:120]}")
    return bad


def accepted_events_processed(webhooks: list[dict[str, Any]]) -> list[str]:
    """4. An event that got 200 from the webhook is never lost (and handled once)."""
    from anpi.engine.models import Inbox, Outbox

    bad = []
    accepted = {w["webhookEventId"] for w in webhooks if w.get("status") == 200}
    rows = dict(Inbox.objects.values_list("webhook_event_id", "processed_at"))
    for event_id in sorted(accepted):
        if event_id not in rows:
            bad.append(f"I4 event {event_id} got 200 but is not in the inbox")
        elif rows[event_id] is None:
            bad.append(f"I4 event {event_id} stored but never processed")
    replies = Counter(
        Outbox.objects.filter(method="reply")
        .exclude(reply_token="")
        .values_list("reply_token", flat=True)
    )
    for token, n in replies.items():
        if n > 1:
            bad.append(f"I4 one event was handled {n} times (reply token {token[:8]}…)")
    return bad


def snapshot(check_id: int) -> tuple[int, int, int, int]:
    """What a closed check has done so far: (step, outbox rows, tasks, step timeline entries)."""
    from anpi.engine.models import Check, Outbox, Task, TimelineEntry

    check = Check.objects.get(pk=check_id)
    return (
        check.step,
        Outbox.objects.filter(check_run_id=check_id).exclude(purpose__in=["thanks"]).count(),
        Task.objects.filter(check_run_id=check_id).count(),
        TimelineEntry.objects.filter(check_run_id=check_id, kind__in=STEP_TIMELINE_KINDS).count(),
    )


def answers_were_tried(taps: int) -> list[str]:
    """5, for a run that could test it: when people tapped OK, some check was
    answered. (If none was, every tap was refused, e.g. stamped before its check
    was due, and invariant 5 held only because nothing was ever answered.)"""
    from anpi.engine.models import Check

    if taps and not Check.objects.filter(state=Check.State.ANSWERED).exists():
        return [f"I5 people tapped OK {taps} times and no check was answered"]
    return []


def nothing_after_answer(snapshots: dict[int, tuple[int, int, int, int]]) -> list[str]:
    """5. After an answer (or a staff resolution) commits, no step of that check fires.

    ``snapshots`` were taken by the driver as soon as it saw each check closed."""
    bad = []
    for check_id, before in snapshots.items():
        after = snapshot(check_id)
        if after != before:
            bad.append(f"I5 check {check_id} changed after it closed: {before} -> {after}")
    return bad


def side_effects_once() -> list[str]:
    """6. Each step's side effects happen once: one message per step, one
    notification per contact, never two open decision tasks."""
    from anpi.engine.models import Outbox, Task, TimelineEntry

    bad = []
    per_check: dict[int, Counter[str]] = defaultdict(Counter)
    for check_id, purpose, contact_id in Outbox.objects.filter(check_run__isnull=False).values_list(
        "check_run_id", "purpose", "contact_id"
    ):
        per_check[check_id][f"{purpose}:{contact_id or ''}"] += 1
    for check_id, counts in per_check.items():
        for what, n in counts.items():
            if what.startswith("staff_alert"):
                continue  # repeats with each expired decision task, by design
            if n > 1:
                bad.append(f"I6 check {check_id}: {n} outbox rows for {what}")
    timeline = Counter(
        TimelineEntry.objects.filter(kind__in=STEP_TIMELINE_KINDS).values_list(
            "check_run_id", "kind"
        )
    )
    for (check_id, kind), n in timeline.items():
        if n > 1:
            bad.append(f"I6 check {check_id}: step {kind} recorded {n} times")
    open_decide = Counter(
        Task.objects.filter(kind="decide", state="open").values_list("check_run_id", flat=True)
    )
    for check_id, n in open_decide.items():
        if n > 1:
            bad.append(f"I6 check {check_id}: {n} open decision tasks")
    return bad
