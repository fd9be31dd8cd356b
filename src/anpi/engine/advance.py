"""Advance: fire the due escalation step of each open check.

Algorithm (``advance_due_checks``):

1. Claim up to ``batch`` open checks with ``next_action_at <= now``, oldest first
   (index ``check_due_idx``). On PostgreSQL the claim uses ``FOR UPDATE SKIP
   LOCKED`` so that workers take disjoint rows; that is only a speed-up.
2. For each check, in its own transaction: compare-and-set ``version`` (and
   ``state = open``) while moving ``step`` and ``next_action_at`` forward. If the
   CAS changes no row, another worker or an answer got there first: skip.
3. Only after winning the CAS, run the step's handler; its outbox rows, tasks and
   timeline entries commit in the same transaction as the CAS (invariants 5, 6).
4. Tasks of the check whose deadline has passed are marked expired: the ladder
   goes on without them (nothing waits forever).
   A staff-call or contact step due inside the tenant's quiet hours (and not
   marked ``emergency``) does not fire: the same compare-and-set moves
   ``next_action_at`` to their end and the wait goes on the timeline
   (engine.quiet). Push steps to the person are never held.
5. A check whose step raises (a malformed policy snapshot, a bug) is quarantined
   alone (``quarantine_check``): staff get a phone task, ``anpi health`` shows
   it, the step is retried in an hour, and every other due check goes on.

The last step of a policy (``decide_task``) repeats at each deadline until a
human resolves the check, so an open check always has a next action (invariant 2).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from . import merge, quiet, registry, task_reasons, timeline
from .advance_batch import fire_push_steps, is_push_step
from .clock import Clock
from .models import Check, Quarantine, Task
from .policies import validate_policy
from .quarantine import quarantine, resolve
from .steps import MERGED
from .tasks import expire_overdue_tasks, open_task

log = logging.getLogger(__name__)


def _claim_due_checks(now: datetime, batch: int) -> list[tuple[int, int, list[dict]]]:
    """(id, step, policy) of up to ``batch`` due open checks, oldest first (no lock)."""
    qs = Check.objects.filter(state=Check.State.OPEN, next_action_at__lte=now)
    return list(qs.order_by("next_action_at").values_list("id", "step", "policy")[:batch])


def _lock_check(check_id: int) -> Check | None:
    qs = Check.objects.select_related("person", "person__tenant", "person__channel")
    if connection.features.has_select_for_update_skip_locked:
        # Another worker holds this row: it is firing the step, so leave it.
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    return qs.filter(pk=check_id).first()


def advance_check(check_id: int, now: datetime) -> bool:
    """Fire one due step of one check. Returns True if this call fired it."""
    with transaction.atomic():
        check = _lock_check(check_id)
        if check is None or check.state != Check.State.OPEN:
            return False
        if check.next_action_at is None or check.next_action_at > now:
            return False
        # A snapshot saved before validation was strict (or edited in the
        # database) could loop or overflow: refuse it here, and the caller
        # quarantines this check alone (PolicyError).
        policy = validate_policy(check.policy)
        index = check.step
        step = policy[index]
        action = step["action"]
        if registry.actions[action].held_in_quiet_hours and not step.get("emergency"):
            until = quiet.tenant_quiet_until(check.person.tenant, now)
            if until is not None:
                _hold_for_quiet_hours(check, until, now)
                return False
        closing = action == "close"
        # The last step (decide_task, by validate_policy) repeats until a human acts.
        repeats = index == len(policy) - 1 and not closing
        new_step = index if repeats else index + 1

        fields: dict = {"step": new_step, "version": F("version") + 1}
        if closing:
            fields.update(
                state=Check.State.CANCELLED,
                next_action_at=None,
                closed_at=now,
                close_reason="policy_end",
            )
        won = Check.objects.filter(
            pk=check.pk, version=check.version, state=Check.State.OPEN
        ).update(**fields)
        if won != 1:
            return False
        check.version += 1
        check.step = new_step

        expire_overdue_tasks([check.pk], now)
        hold_until = registry.actions[action].handler(check, step.get("params", {}), now)

        if hold_until is MERGED:
            merge.close_merged([check.pk], now)
        elif not closing:
            next_at = now if repeats else now + timedelta(seconds=policy[new_step]["after"])
            if hold_until is not None:
                next_at = max(next_at, hold_until)
            # Still inside the transaction that won the CAS: the row is ours.
            Check.objects.filter(pk=check.pk).update(next_action_at=next_at)
    log.debug("check %s fired step %s (%s)", check_id, index, action)
    return True


def _hold_for_quiet_hours(check: Check, until: datetime, now: datetime) -> None:
    """Move a due staff-call / contact step to the end of the quiet hours
    (engine.quiet), with a compare-and-set on ``version`` like every step: if
    an answer or another worker moved the check first, nothing is written. The
    step itself fires at ``until`` on a later pass (it is due again then)."""
    held = Check.objects.filter(
        pk=check.pk, version=check.version, state=Check.State.OPEN
    ).update(next_action_at=until, version=F("version") + 1)
    if held == 1:
        timeline.record(
            check.person,
            "quiet_hold",
            quiet.held_text(until, check.person.tenant.timezone),
            now,
            check,
            until=until.isoformat(),
            action=check.policy[check.step]["action"],
        )


def advance_due_checks(clock: Clock, batch: int = 2000) -> int:
    """Fire every due step (up to ``batch``). Returns how many steps fired.

    Push steps (send_check, resend, last_notice) go set-based, up to 1,000
    checks per transaction (engine.advance_batch); every other step, and any
    check of a chunk that lost a race, goes one check per transaction."""
    now = clock.now()
    due = _claim_due_checks(now, batch)
    pushes = [pk for pk, step, policy in due if _is_push_step(step, policy)]
    fired, one_by_one = fire_push_steps(pushes, now)
    one_by_one += [pk for pk, step, policy in due if not _is_push_step(step, policy)]
    quarantined = set(
        Quarantine.objects.filter(
            kind=Quarantine.Kind.CHECK, object_id__in=one_by_one, resolved_at__isnull=True
        ).values_list("object_id", flat=True)
    )
    for check_id in one_by_one:
        try:
            if advance_check(check_id, now):
                fired += 1
                if check_id in quarantined:
                    resolve(Quarantine.Kind.CHECK, check_id, now)
        except Exception as exc:  # noqa: BLE001 - the poison-row rule (docs/engine.md)
            log.exception("check %s: step raised; quarantined", check_id)
            quarantine_check(check_id, exc, now)
    return fired


def _is_push_step(step: Any, policy: Any) -> bool:
    try:
        return is_push_step(step, policy)
    except Exception:  # noqa: BLE001 - a malformed snapshot goes the guarded per-check way
        return False


QUARANTINE_RETRY = timedelta(hours=1)
QUARANTINE_TASK_DEADLINE = timedelta(hours=2)


def quarantine_check(check_id: int, error: BaseException, now: datetime) -> None:
    """A check whose step raised: record it (``anpi health``), hand it to staff
    with a phone task (so it still has a deadline: invariant 2, never silence),
    and retry the step in ``QUARANTINE_RETRY``. Runs in its own transaction
    after the failed one rolled back; never raises."""
    try:
        with transaction.atomic():
            check = (
                Check.objects.select_for_update(of=("self",))
                .select_related("person")
                .filter(pk=check_id, state=Check.State.OPEN)
                .first()
            )
            if check is None:
                return
            quarantine(Quarantine.Kind.CHECK, check_id, error, now, check.tenant_id)
            Check.objects.filter(pk=check_id, version=check.version).update(
                next_action_at=now + QUARANTINE_RETRY, version=F("version") + 1
            )
            urgent = Task.objects.filter(check_run=check, state=Task.State.OPEN).exclude(
                kind=Task.Kind.FOLLOW_UP  # not urgent: the person still needs a call
            )
            if not urgent.exists():
                open_task(
                    check,
                    Task.Kind.CALL_PERSON,
                    now,
                    QUARANTINE_TASK_DEADLINE,
                    task_reasons.QUARANTINED,
                )
    except Exception:  # noqa: BLE001
        log.exception("check %s: could not be quarantined", check_id)
