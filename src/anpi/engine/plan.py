"""Plan: turn schedule occurrences into checks.

Algorithm (``plan_due_checks``):

1. Read active persons whose ``next_check_at`` falls within ``horizon`` from now
   (index ``person_plan_due_idx``), in batches.
2. Insert one check per (person, next_check_at) with ``bulk_create(...,
   ignore_conflicts=True)``: the unique key (person, due_at) makes a repeat a
   no-op, so two planners, or a planner restarted mid-batch, create each
   check exactly once (invariant 1).
3. Move each person's ``next_check_at`` to the following occurrence with a
   compare-and-set on the old value, so an occurrence is never skipped: if the
   CAS loses, someone else moved it and the check exists already.

The check's first step (send_check) fires at ``due_at`` through engine.advance,
so the message arrives on time even though the check was planned early.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from anpi.people.models import Person
from anpi.people.schedule import next_occurrence

from .clock import Clock
from .models import Check, EscalationPolicy
from .policies import INDIVIDUAL_DEFAULT

PLAN_HORIZON = timedelta(minutes=10)


def policy_for(
    person: Person, cache: dict[int, list[dict[str, Any]]] | None = None
) -> list[dict[str, Any]]:
    cache = {} if cache is None else cache
    if person.tenant_id not in cache:
        policy = EscalationPolicy.objects.filter(
            tenant_id=person.tenant_id, is_default=True
        ).first()
        cache[person.tenant_id] = policy.steps if policy else INDIVIDUAL_DEFAULT
    return cache[person.tenant_id]


def following_occurrence(person: Person, after: datetime) -> datetime | None:
    schedule = person.schedule()
    if schedule is None:
        return None
    pauses = [(p.starts_on, p.ends_on) for p in person.pauses.all()]
    return next_occurrence(schedule, after, person.tenant.timezone, pauses)


def plan_due_checks(clock: Clock, horizon: timedelta = PLAN_HORIZON, batch: int = 1000) -> int:
    """Create checks for occurrences due before now + horizon. Returns checks created."""
    now = clock.now()
    created = 0
    policies: dict[int, list[dict[str, Any]]] = {}
    while True:
        people = list(
            Person.objects.filter(status=Person.Status.ACTIVE, next_check_at__lte=now + horizon)
            .select_related("tenant")
            .prefetch_related("pauses")
            .order_by("next_check_at")[:batch]
        )
        if not people:
            return created
        with transaction.atomic():
            checks = [
                Check(
                    tenant_id=p.tenant_id,
                    person=p,
                    due_at=p.next_check_at,
                    policy=policy_for(p, policies),
                    next_action_at=p.next_check_at,
                    created_at=now,
                )
                for p in people
            ]
            Check.objects.bulk_create(checks, ignore_conflicts=True)
            for p in people:
                moved = Person.objects.filter(
                    pk=p.pk, status=Person.Status.ACTIVE, next_check_at=p.next_check_at
                ).update(next_check_at=following_occurrence(p, p.next_check_at))
                created += moved
        if len(people) < batch:
            return created
