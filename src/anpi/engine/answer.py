"""Answers: a person's OK, and staff recording the outcome of a human task.

An answer closes the check with its own compare-and-set on ``version``. If a
step of the same check commits first, the CAS fails, we re-read and try again;
if the answer commits first, the step's CAS fails and it fires nothing
(invariant 5). See docs/engine.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F

from . import messages, timeline
from .clock import Clock
from .models import Check, Task
from .outbox import enqueue_reply

MAX_CAS_ATTEMPTS = 20


def _close_check_cas(check: Check, *, state: str, reason: str, now: datetime) -> bool:
    """Close one open check. Returns False when it was no longer open."""
    for _ in range(MAX_CAS_ATTEMPTS):
        if check.state != Check.State.OPEN:
            return False
        fields: dict[str, Any] = {
            "state": state,
            "close_reason": reason,
            "closed_at": now,
            "next_action_at": None,
            "version": F("version") + 1,
        }
        if state == Check.State.ANSWERED:
            fields["answered_at"] = now
        updated = Check.objects.filter(
            pk=check.pk, version=check.version, state=Check.State.OPEN
        ).update(**fields)
        if updated == 1:
            Task.objects.filter(check_run=check, state=Task.State.OPEN).update(
                state=Task.State.CANCELLED, done_at=now
            )
            return True
        check.refresh_from_db(fields=["state", "version"])
    raise RuntimeError(f"check {check.pk}: compare-and-set did not settle")


def answer_ok(person: Any, clock: Clock, *, reply_token: str = "", via: str = "line") -> int:
    """The person says they are fine: close every open check of theirs.

    Any OK proves the person is alive, so it answers all open checks, even when
    tapped on an older message. The thank-you goes out as a free reply while a
    reply token is at hand. Returns the number of checks answered.
    """
    now = clock.now()
    with transaction.atomic():
        answered = 0
        for check in Check.objects.filter(person=person, state=Check.State.OPEN):
            if _close_check_cas(check, state=Check.State.ANSWERED, reason="ok", now=now):
                answered += 1
                timeline.record(
                    person, "answered", "本人が「げんきです」と応答", now, check, via=via
                )
        if not answered:
            timeline.record(
                person, "ok_unprompted", "本人から「げんきです」（確認待ちなし）", now, via=via
            )
        if reply_token:
            enqueue_reply(
                person=person,
                reply_token=reply_token,
                messages=[messages.thanks_message()],
                purpose="thanks",
                now=now,
            )
    return answered


class TaskClosed(Exception):
    """The task was already done, cancelled or expired (someone else got there first)."""


def record_task_outcome(
    task_id: int, outcome: str, clock: Clock, *, note: str = "", user: Any = None
) -> Task:
    """Staff record what came of a task (call queue buttons).

    - ``safe``: the person is fine; the check is resolved and every task of it closed.
    - ``unreachable`` / ``other``: the task is done; if the check was waiting on this
      task (a call to the person), its next step fires now instead of at the deadline.
    Raises TaskClosed if the task is no longer open.
    """
    if outcome not in Task.Outcome.values:
        raise ValueError(f"unknown outcome {outcome!r}")
    now = clock.now()
    check_id = Task.objects.filter(pk=task_id).values_list("check_run_id", flat=True).first()
    with transaction.atomic():
        # Lock order check → task, as advance takes them (docs/engine.md), so
        # staff clicking at the moment a step fires waits instead of deadlocking.
        Check.objects.select_for_update().filter(pk=check_id).first()
        updated = Task.objects.filter(pk=task_id, state=Task.State.OPEN).update(
            state=Task.State.DONE, outcome=outcome, note=note, done_at=now, done_by=user
        )
        task = Task.objects.select_related("check_run", "person").get(pk=task_id)
        if updated != 1:
            raise TaskClosed(task)
        check, person = task.check_run, task.person
        label = timeline.in_site_language(Task.Outcome(outcome).label)
        kind = timeline.in_site_language(task.get_kind_display)
        timeline.record(
            person,
            "task_outcome",
            f"{kind}: {label}" + (f"（{note}）" if note else ""),
            now,
            check,
            task=task.pk,
            outcome=outcome,
            by=getattr(user, "username", None),
        )
        if outcome == Task.Outcome.SAFE:
            _close_check_cas(check, state=Check.State.RESOLVED, reason="staff_safe", now=now)
        elif task.kind == Task.Kind.CALL_PERSON and check.current_action() == "call_task":
            # The ladder was holding for this call; go on now rather than at the deadline.
            Check.objects.filter(
                pk=check.pk, state=Check.State.OPEN, next_action_at__gt=now
            ).update(next_action_at=now, version=F("version") + 1)
    return task
