"""When a message cannot be delivered, a human takes over: never silence."""

from __future__ import annotations

from datetime import datetime, timedelta

from . import registry, timeline
from .models import Check, Outbox, Task
from .tasks import open_task

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


def on_reply_refused(row: Outbox, detail: str, now: datetime) -> Outbox | None:
    """A free reply was refused (its token expired or was used: LINE answers 400
    "Invalid reply token"). Called in the transaction that marks ``row`` expired.

    What happens is the purpose's declaration (``registry.register_purpose``):
    an essential message (a greeting with the settings link, a claim
    confirmation…) is sent again as a push, which LINE counts as a paid
    message; a courtesy (a thank-you) is dropped, and the drop is on the
    timeline. A purpose nobody declared counts as essential: never silence.
    Returns the new push row, if any.
    """
    purpose = registry.purposes.get(row.purpose)
    label = registry.purpose_label(row.purpose)
    if purpose is not None and purpose.on_reply_refused == "drop":
        if row.person_id:
            timeline.record(
                row.person,
                "reply_dropped",
                f"{label}は返信の期限が切れたため送りませんでした（{detail}）",
                now,
                row.check_run,
                outbox=row.pk,
            )
        return None
    push = Outbox.objects.create(
        tenant_id=row.tenant_id,
        channel_id=row.channel_id,
        transport=row.transport,
        method="push",
        recipient=row.recipient,
        payload=row.payload,
        purpose=row.purpose,
        check_run_id=row.check_run_id,
        person_id=row.person_id,
        contact_id=row.contact_id,
        next_attempt_at=now,
        created_at=now,
    )
    if row.person_id:
        timeline.record(
            row.person,
            "reply_refused_pushed",
            f"{label}を返信できなかったため、通常のメッセージ（有料）で送り直します（{detail}）",
            now,
            row.check_run,
            outbox=push.pk,
        )
    return push
