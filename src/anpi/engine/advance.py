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

The last step of a policy (``decide_task``) repeats at each deadline until a
human resolves the check, so an open check always has a next action (invariant 2).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F

from . import merge, registry
from .advance_batch import fire_push_steps, is_push_step
from .clock import Clock
from .models import Check, Task
from .steps import MERGED

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
        policy = check.policy
        index = check.step
        step = policy[index]
        action = step["action"]
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

        Task.objects.filter(check_run=check, state=Task.State.OPEN, deadline__lte=now).update(
            state=Task.State.EXPIRED, done_at=now
        )
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


def advance_due_checks(clock: Clock, batch: int = 2000) -> int:
    """Fire every due step (up to ``batch``). Returns how many steps fired.

    Push steps (send_check, resend, last_notice) go set-based, up to 1,000
    checks per transaction (engine.advance_batch); every other step, and any
    check of a chunk that lost a race, goes one check per transaction."""
    now = clock.now()
    due = _claim_due_checks(now, batch)
    pushes = [pk for pk, step, policy in due if is_push_step(step, policy)]
    fired, one_by_one = fire_push_steps(pushes, now)
    one_by_one += [pk for pk, step, policy in due if not is_push_step(step, policy)]
    for check_id in one_by_one:
        if advance_check(check_id, now):
            fired += 1
    return fired
