"""When a message cannot be delivered, a human takes over: never silence."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import timeline
from .models import Check, Outbox, Task
from .steps import open_task

PERSON_PURPOSES = {"check", "resend", "last_notice"}
FALLBACK_DEADLINE = timedelta(hours=2)


def on_delivery_failed(row: Outbox, detail: str, now: datetime) -> None:
    """Called in the transaction that marks ``row`` failed."""
    purpose = row.purpose
    if row.person_id:
        timeline.record(
            row.person,
            "delivery_failed",
            f"送信できませんでした: {detail}",
            now,
            row.check_run,
            outbox=row.pk,
        )
    if row.check_run_id is None:
        return
    # Re-read the check under its row lock: ``row.check_run`` was loaded when the
    # row was claimed, and the person may have answered while the message was
    # in flight. Holding the lock, an answer waits for us and then cancels the
    # task with the check's others; without it, a task could open on a check
    # already closed (invariant 5; found by the soak, seed 701124).
    check = (
        Check.objects.select_for_update(of=("self",))
        .select_related("person", "person__tenant")
        .filter(pk=row.check_run_id)
        .first()
    )
    if check is None or check.state != Check.State.OPEN:
        return
    if purpose in PERSON_PURPOSES:
        open_task(
            check,
            Task.Kind.CALL_PERSON,
            now,
            FALLBACK_DEADLINE,
            f"LINEが届きませんでした（{detail}）",
        )
    elif purpose == "notify_contact" and row.contact_id:
        open_task(
            check,
            Task.Kind.CALL_CONTACT,
            now,
            FALLBACK_DEADLINE,
            f"緊急連絡先に届きませんでした（{detail}）",
            row.contact,
        )
