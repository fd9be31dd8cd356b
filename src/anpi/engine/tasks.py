"""Human tasks of a check, and closing a check: the public engine calls that
services and the dashboard use (``open_task``, ``record_task_outcome``,
``close_check``).

Lock order is check → task everywhere (docs/engine.md): ``record_task_outcome``
locks the check before it touches the task, as advance does, so staff clicking at
the moment a step fires waits instead of deadlocking.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F

from . import allclear, timeline
from .clock import Clock
from .models import Check, Task
from .outbox import enqueue_email

MAX_CAS_ATTEMPTS = 20


def close_check(
    check: Check,
    *,
    state: str,
    reason: str,
    now: datetime,
    reporter_contact_id: int | None = None,
    answered_in: str = "",
    announce_as: str = "",
    grade: str = "",
) -> bool:
    """Close one open check with a compare-and-set on ``version``.

    ``state``: a closed ``Check.State`` (answered, resolved, cancelled, …);
    ``reason``: a short code kept on the check (``ok``, ``staff_safe``,
    ``blocked``…). Every open task of the check is cancelled in the same
    transaction. A check closed as answered or resolved tells everyone it
    alarmed (engine.allclear; ``reporter_contact_id``: the contact who brought
    the news is not told it back; ``answered_in``: the chat the answer came
    from, which hears it there; ``announce_as``: the all-clear's reason when
    it differs from ``reason``, one of ``allclear.ANNOUNCED_REASONS``;
    ``grade``: how the person said they are, kept as ``answer_grade`` —
    "unwell" and "talk" word the all-clear so, since it must say what the
    person said). Returns False when the check was no longer open (someone else
    closed it first). Raises RuntimeError if the CAS does not settle after
    ``MAX_CAS_ATTEMPTS`` re-reads (a bug, never contention alone).
    """
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
            fields["answer_grade"] = grade
        updated = Check.objects.filter(
            pk=check.pk, version=check.version, state=Check.State.OPEN
        ).update(**fields)
        if updated == 1:
            # A follow-up (graded answers) outlives its check: staff still call.
            Task.objects.filter(check_run=check, state=Task.State.OPEN).exclude(
                kind=Task.Kind.FOLLOW_UP
            ).update(state=Task.State.CANCELLED, done_at=now)
            if state in (Check.State.ANSWERED, Check.State.RESOLVED):
                cancel_settled_tasks(check.person_id, now)
                allclear.announce(
                    check,
                    announce_as or (grade if grade in allclear.GRADED else reason),
                    now,
                    skip_contact_id=reporter_contact_id,
                    skip_chat=answered_in,
                )
            return True
        check.refresh_from_db(fields=["state", "version"])
    raise RuntimeError(f"check {check.pk}: compare-and-set did not settle")


def cancel_settled_tasks(person_id: int, now: datetime) -> int:
    """The person is known to be fine: cancel their open tasks that hang on a
    check no longer open (a check closed by a ``close`` step, or folded into an
    older one by engine.merge), so staff are not asked to call about it.
    Tasks of open checks are their checks' business. A follow-up (the person
    asked to talk, or said they are unwell) stays: a later 「げんきです」 does
    not mean anyone talked to them. Returns how many."""
    return (
        Task.objects.filter(person_id=person_id, state=Task.State.OPEN)
        .exclude(check_run__state=Check.State.OPEN)
        .exclude(kind=Task.Kind.FOLLOW_UP)
        .update(state=Task.State.CANCELLED, done_at=now)
    )


CALL_KINDS = (Task.Kind.CALL_PERSON, Task.Kind.CALL_CONTACT)
# The longest call staff may record, in whole minutes (issue 10): ten hours is
# already far beyond any call; a larger number is a typing slip, not a call.
MAX_CALL_MINUTES = 600

# The call queue's follow-up buttons (話せた / つながらない / メモ), on the timeline.
FOLLOW_UP_OUTCOME = {"safe": "話せた", "unreachable": "つながらない", "other": "メモ"}


def expire_overdue_tasks(check_ids: list[int], now: datetime) -> int:
    """Expire the open tasks of ``check_ids`` whose deadline has passed (the
    ladder goes on without them), each with a timeline entry. A call task that
    expires untouched is a failure of the service: the tenant's staff are
    e-mailed, once per task (this is the task's one open → expired change).
    A follow-up (graded answers) never expires: past its deadline it stays
    open, shown overdue in the call queue.
    Runs in the transaction of the step that fires; returns how many expired."""
    overdue = list(
        Task.objects.filter(check_run_id__in=check_ids, state=Task.State.OPEN, deadline__lte=now)
        .exclude(kind=Task.Kind.FOLLOW_UP)  # overdue stays open and visible, never a step
        .select_related("person", "person__tenant", "check_run")
        .order_by("id")
    )
    expired = 0
    for task in overdue:
        if not Task.objects.filter(pk=task.pk, state=Task.State.OPEN).update(
            state=Task.State.EXPIRED, done_at=now
        ):
            continue
        expired += 1
        kind = timeline.in_site_language(task.get_kind_display)
        timeline.record(
            task.person,
            "task_expired",
            f"スタッフ作業: {kind} — 期限切れ・未対応",
            now,
            task.check_run,
            task=task.pk,
            task_kind=task.kind,
        )
        tenant = task.person.tenant
        if task.kind in CALL_KINDS and tenant.staff_email:
            enqueue_email(
                tenant_id=tenant.pk,
                to=tenant.staff_email,
                subject=f"【anpi】{task.person.name}さんへの電話が期限までにされませんでした",
                body=(
                    f"{task.person.name}さんの「{kind}」の作業が、期限までに対応されませんでした。\n"
                    "安否確認の手順は次に進んでいます。ダッシュボードのコールキュー"
                    "（期限切れ・未対応）を確認してください。"
                ),
                purpose="staff_alert",
                now=now,
                person=task.person,
                check=task.check_run,
            )
    return expired


def missed_calls(tenant_id: int, since: datetime, until: datetime) -> int:
    """How many staff call tasks of a tenant expired untouched in [since, until):
    the service's failures, for the pilot report."""
    return Task.objects.filter(
        tenant_id=tenant_id,
        kind__in=CALL_KINDS,
        state=Task.State.EXPIRED,
        done_at__gte=since,
        done_at__lt=until,
    ).count()


def open_task(
    check: Check, kind: str, now: datetime, deadline: timedelta, reason: str, contact: Any = None
) -> Task:
    """Open a staff task (``Task.Kind``) on ``check`` with a deadline of
    ``now + deadline``, and note it on the person's timeline. Runs inside the
    caller's transaction (the step's or the action's)."""
    task = Task.objects.create(
        tenant_id=check.tenant_id,
        check_run=check,
        person=check.person,
        contact=contact,
        kind=kind,
        reason=reason,
        deadline=now + deadline,
        created_at=now,
    )
    who = f"（{contact.name}）" if contact else ""
    timeline.record(
        check.person,
        "task_opened",
        f"スタッフ作業: {timeline.in_site_language(task.get_kind_display)}{who} — {reason}",
        now,
        check,
        task=task.pk,
    )
    return task


class TaskClosed(Exception):
    """The task was already done, cancelled or expired (someone else got there first)."""


def record_task_outcome(
    task_id: int,
    outcome: str,
    clock: Clock,
    *,
    note: str = "",
    user: Any = None,
    actor: Any = None,
    duration_minutes: int | None = None,
) -> Task:
    """Staff record what came of a task (call queue buttons); ``user`` is the
    acting staff user (kept on the task and the timeline). ``actor`` (a
    ``tenants.actors.Actor``) names who acted when it is not a signed-in user
    (an API token); it is kept on the timeline entry.

    - ``safe``: the person is fine; the check is resolved and every task of it closed.
    - ``unreachable`` / ``other``: the task is done; if the check was waiting on this
      task (a call to the person), its next step fires now instead of at the deadline.

    ``duration_minutes``: how long staff spent on the call, in whole minutes
    (0 … ``MAX_CALL_MINUTES``), or None when not recorded. It is kept on the
    task (the pilot report sums it as staff minutes) and written on the
    timeline entry.

    Raises ValueError for an unknown outcome or a duration out of range,
    Task.DoesNotExist for an unknown task, TaskClosed if the task is no longer
    open.
    """
    if outcome not in Task.Outcome.values:
        raise ValueError(f"unknown outcome {outcome!r}")
    if duration_minutes is not None and not 0 <= duration_minutes <= MAX_CALL_MINUTES:
        raise ValueError(f"duration {duration_minutes!r} not in 0..{MAX_CALL_MINUTES} minutes")
    now = clock.now()
    check_id = Task.objects.filter(pk=task_id).values_list("check_run_id", flat=True).first()
    if check_id is None:
        raise Task.DoesNotExist(f"no task {task_id}")
    with transaction.atomic():
        Check.objects.select_for_update().filter(pk=check_id).first()
        updated = Task.objects.filter(pk=task_id, state=Task.State.OPEN).update(
            state=Task.State.DONE,
            outcome=outcome,
            note=note,
            done_at=now,
            done_by=user,
            duration_minutes=duration_minutes,
        )
        task = Task.objects.select_related("check_run", "person").get(pk=task_id)
        if updated != 1:
            raise TaskClosed(task)
        check, person = task.check_run, task.person
        label = timeline.in_site_language(Task.Outcome(outcome).label)
        if task.kind == Task.Kind.FOLLOW_UP:
            # The person had answered: a follow-up's outcome is about the talk.
            label = FOLLOW_UP_OUTCOME.get(outcome, label)
        kind = timeline.in_site_language(task.get_kind_display)
        timeline.record(
            person,
            "task_outcome",
            f"{kind}: {label}"
            + (f"（通話{duration_minutes}分）" if duration_minutes is not None else "")
            + (f"（{note}）" if note else ""),
            now,
            check,
            task=task.pk,
            outcome=outcome,
            duration_minutes=duration_minutes,
            task_kind=task.kind,
            by=getattr(user, "username", None),
            actor=actor,
        )
        if outcome == Task.Outcome.SAFE:
            close_check(check, state=Check.State.RESOLVED, reason="staff_safe", now=now)
            cancel_settled_tasks(person.pk, now)
        elif task.kind == Task.Kind.CALL_PERSON and check.current_action() == "call_task":
            # The ladder was holding for this call; go on now rather than at the deadline.
            Check.objects.filter(
                pk=check.pk, state=Check.State.OPEN, next_action_at__gt=now
            ).update(next_action_at=now, version=F("version") + 1)
    return task
