"""Plan: turn schedule occurrences into checks.

Algorithm (``plan_due_checks``):

1. Claim active persons whose ``next_check_at`` falls within ``horizon`` from
   now (index ``person_plan_due_idx``), in batches, ordered by (next_check_at,
   id); on PostgreSQL with ``FOR UPDATE SKIP LOCKED`` so planners split the work.
2. Insert one check per (person, next_check_at) with ``bulk_create(...,
   ignore_conflicts=True)``: the unique key (person, due_at) makes a repeat a
   no-op, so two planners, or a planner restarted mid-batch, create each
   check exactly once (invariant 1).
3. Move each person's ``next_check_at`` to the following occurrence with a
   compare-and-set on the old value, so an occurrence is never skipped: if the
   CAS loses, someone else moved it and the check exists already. Persons that
   share (old, new) values move in one UPDATE.

The check's first step (send_check) fires at ``due_at`` through engine.advance,
so the message arrives on time even though the check was planned early.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction

from anpi.people.models import Person
from anpi.people.schedule import next_occurrence

from . import registry
from .clock import Clock
from .models import Check, EscalationPolicy, Quarantine
from .quarantine import quarantine

PLAN_HORIZON = timedelta(minutes=10)

log = logging.getLogger(__name__)


def policies_for(people: list[Person]) -> dict[int, list[dict[str, Any]]]:
    """The policy each person's next check snapshots: a service's (registry
    ``policy_resolvers``), else the tenant's default, else ``registry.fallback_policy``
    (the individual service's). A few queries per batch, not per person."""
    decided: dict[int, list[dict[str, Any]]] = {}
    for resolve in registry.policy_resolvers:
        undecided = [p for p in people if p.pk not in decided]
        if not undecided:
            break
        for person_id, steps in resolve(undecided).items():
            decided.setdefault(person_id, steps)
    tenants = {p.tenant_id for p in people if p.pk not in decided}
    defaults = dict(
        EscalationPolicy.objects.filter(tenant_id__in=tenants, is_default=True).values_list(
            "tenant_id", "steps"
        )
    )
    for p in people:
        if p.pk not in decided:
            decided[p.pk] = defaults.get(p.tenant_id) or registry.fallback_policy
    return decided


def policy_for(person: Person) -> list[dict[str, Any]]:
    return policies_for([person])[person.pk]


def following_occurrence(person: Person, after: datetime) -> datetime | None:
    schedule = person.schedule()
    if schedule is None:
        return None
    pauses = [(p.starts_on, p.ends_on) for p in person.pauses.all()]
    return next_occurrence(schedule, after, person.tenant.timezone, pauses)


def _claim_due_people(until: datetime, batch: int) -> list[tuple[Person, datetime]]:
    """Persons whose next occurrence is due, with that occurrence, in a fixed
    order (next_check_at, id).

    On PostgreSQL the rows are locked with SKIP LOCKED, so concurrent planners
    take disjoint persons; the fixed order means that two planners that do meet
    (SQLite, or a row freed mid-claim) insert checks in the same order and so
    cannot deadlock on the unique index.
    """
    qs = (
        Person.objects.filter(status=Person.Status.ACTIVE, next_check_at__lte=until)
        .select_related("tenant")
        .prefetch_related("pauses")
        .order_by("next_check_at", "id")
    )
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    # next_check_at__lte excludes NULL: every claimed person has a due time.
    return [(p, p.next_check_at) for p in qs[:batch] if p.next_check_at is not None]


def plan_due_checks(clock: Clock, horizon: timedelta = PLAN_HORIZON, batch: int = 1000) -> int:
    """Create checks for occurrences due before now + horizon. Returns checks created.

    Batches of ``batch`` persons, one transaction each. If a batch raises (one
    person's schedule or policy is broken), it rolls back and its persons are
    planned one by one; the one that raises is quarantined alone (``anpi
    health``) and retried in an hour, and everyone else's checks are planned.
    """
    now = clock.now()
    created = 0
    while True:
        claimed: list[int] = []
        try:
            with transaction.atomic():
                people = _claim_due_people(now + horizon, batch)
                claimed = [p.pk for p, _ in people]
                created += _plan_people(people, now)
        except Exception:  # noqa: BLE001 - the poison-row rule (docs/engine.md)
            log.exception("plan batch of %s persons failed; planning one by one", len(claimed))
            created += _plan_one_by_one(claimed, now)
        if len(claimed) < batch:
            return created


def _plan_people(people: list[tuple[Person, datetime]], now: datetime) -> int:
    """Checks for (person, due time) pairs, and each person's next occurrence."""
    if not people:
        return 0
    policies = policies_for([p for p, _ in people])
    checks = [
        Check(
            tenant_id=p.tenant_id,
            person=p,
            due_at=due,
            policy=policies[p.pk],
            next_action_at=due,
            created_at=now,
        )
        for p, due in people
    ]
    Check.objects.bulk_create(checks, ignore_conflicts=True)
    # Compare-and-set in groups that share (old, new) occurrence: one UPDATE per
    # group instead of one per person (most persons of a batch are due at the
    # same time and move by the same interval).
    moves: dict[tuple[datetime, datetime | None], list[int]] = defaultdict(list)
    for p, due in people:
        moves[(due, following_occurrence(p, due))].append(p.pk)
    created = 0
    for (old, new), ids in moves.items():
        created += Person.objects.filter(
            pk__in=ids, status=Person.Status.ACTIVE, next_check_at=old
        ).update(next_check_at=new)
    return created


PLAN_RETRY = timedelta(hours=1)


def _plan_one_by_one(person_ids: list[int], now: datetime) -> int:
    created = 0
    for person_id in person_ids:
        try:
            with transaction.atomic():
                qs = Person.objects.filter(pk=person_id, status=Person.Status.ACTIVE)
                person = (
                    qs.select_related("tenant").prefetch_related("pauses").select_for_update(
                        of=("self",)
                    )
                ).first()
                if person is not None and person.next_check_at is not None:
                    created += _plan_people([(person, person.next_check_at)], now)
        except Exception as exc:  # noqa: BLE001
            log.exception("person %s: planning raised; quarantined", person_id)
            tenant_id = Person.objects.filter(pk=person_id).values_list("tenant_id", flat=True)
            quarantine(Quarantine.Kind.PERSON, person_id, exc, now, tenant_id.first())
            # Retry later instead of failing every pass; the quarantine is shown.
            Person.objects.filter(pk=person_id, next_check_at__lte=now + PLAN_RETRY).update(
                next_check_at=now + PLAN_RETRY
            )
    return created
