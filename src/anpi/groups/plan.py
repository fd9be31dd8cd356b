"""Plan the checks of peer groups.

Algorithm (``plan_group_checks``), the group twin of engine.plan:

1. Read active peer groups whose ``next_check_at`` falls within the horizon
   (index ``group_plan_due_idx``).
2. In one transaction per group: insert the ``GroupOccurrence`` (group, due_at)
   and one ``Check`` per active member for that due time, both with
   ``ignore_conflicts`` on their unique keys, so a repeat is a no-op.
3. Move ``next_check_at`` with a compare-and-set on the old value.

Each member check's first step (``group_check``) fires at ``due_at``; the first
one to fire sends the single group push (compare-and-set on ``sent_at``).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from anpi.engine.clock import Clock
from anpi.engine.models import Check
from anpi.engine.plan import PLAN_HORIZON
from anpi.people.models import Person
from anpi.people.schedule import next_occurrence

from .models import Group, GroupOccurrence
from .policy import GROUP_DEFAULT


def group_policy(group: Group) -> list[dict[str, Any]]:
    policy = group.policy  # None without a query when policy_id is None
    return policy.steps if policy is not None else GROUP_DEFAULT


def following_group_occurrence(group: Group, after: datetime) -> datetime | None:
    schedule = group.schedule()
    if schedule is None:
        return None
    return next_occurrence(schedule, after, group.tenant.timezone)


def plan_group(group: Group, now: datetime) -> int:
    due = group.next_check_at
    assert due is not None
    with transaction.atomic():
        GroupOccurrence.objects.bulk_create(
            [GroupOccurrence(tenant_id=group.tenant_id, group=group, due_at=due)],
            ignore_conflicts=True,
        )
        policy = group_policy(group)
        members = group.active_members().filter(person__status=Person.Status.ACTIVE)
        Check.objects.bulk_create(
            [
                Check(
                    tenant_id=group.tenant_id,
                    person_id=m.person_id,
                    due_at=due,
                    policy=policy,
                    next_action_at=due,
                    created_at=now,
                )
                for m in members
            ],
            ignore_conflicts=True,
        )
        return Group.objects.filter(
            pk=group.pk, status=Group.Status.ACTIVE, next_check_at=due
        ).update(next_check_at=following_group_occurrence(group, due))


def plan_group_checks(clock: Clock, horizon: timedelta = PLAN_HORIZON, batch: int = 200) -> int:
    """engine.hooks planner: plan every due peer-group occurrence. Returns occurrences."""
    now = clock.now()
    planned = 0
    while True:
        groups = list(
            Group.objects.filter(
                status=Group.Status.ACTIVE,
                kind=Group.Kind.PEER,
                next_check_at__lte=now + horizon,
            )
            .select_related("tenant", "policy")
            .order_by("next_check_at")[:batch]
        )
        if not groups:
            return planned
        for group in groups:
            planned += plan_group(group, now)
        if len(groups) < batch:
            return planned


def group_sizes(line_group_ids: list[str]) -> dict[str, int]:
    """engine.registry chat-size provider: active members of each known group
    (a group push costs one paid message per member)."""
    from django.db.models import Count, Q

    return dict(
        Group.objects.filter(line_group_id__in=line_group_ids)
        .annotate(n=Count("members", filter=Q(members__left_at__isnull=True)))
        .values_list("line_group_id", "n")
    )
