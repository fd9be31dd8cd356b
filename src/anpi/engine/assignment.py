"""Who takes an incident's staff tasks: claim (「自分が対応する」) and assign.

An incident of the individual service is one open check and its open staff
tasks (call the person, call a contact, decide, visit). The alerts board
(``anpi.dashboard``) lets a staff member take them all at once, or an admin
give them to a colleague; ``Task.assigned_to`` holds who.

Concurrency (docs/engine.md, lock order check → task): both actions lock the
check row first (``SELECT … FOR UPDATE``; SQLite's immediate transaction
serialises them anyway), then change the tasks. A claim is a compare-and-set
``assigned_to IS NULL → user`` on the open tasks; of two staff claiming at
once the second waits for the first's lock, finds the tasks taken and is told
by whom. Neither action changes the check's ladder: a task's deadline still
moves the escalation on if nobody records an outcome (invariant 2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.db import transaction

from anpi.tenants import audit
from anpi.tenants.actors import Actor

from . import timeline
from .models import Check, Task

ClaimWord = Literal["claimed", "already_yours", "taken", "no_task"]


def staff_name(user: Any) -> str:
    """How a staff user is named on timelines and the board: the full name, else
    the login name."""
    return user.get_full_name() or user.get_username()


@dataclass(frozen=True)
class ClaimResult:
    """``word``: claimed (the tasks are now the user's), already_yours, taken
    (``holder`` has them), no_task (the incident has no open staff task)."""

    word: ClaimWord
    holder: Any = None  # the user holding the tasks when ``taken``


def _locked_check(check_id: int, tenant_id: int) -> Check:
    check = (
        Check.objects.select_for_update(of=("self",))
        .select_related("person")
        .filter(pk=check_id, tenant_id=tenant_id)
        .first()
    )
    if check is None:
        raise Check.DoesNotExist(f"no check {check_id} in tenant {tenant_id}")
    return check


def claim_incident_tasks(check_id: int, tenant_id: int, actor: Actor, now: datetime) -> ClaimResult:
    """``actor`` (a staff actor) takes every open task of check ``check_id``.

    Refused (``taken``) when another staff member already holds one of them:
    the first claim wins, the holder is named. Writes a timeline entry and an
    audit row (``incident.claim``) when it wins. Raises Check.DoesNotExist for
    a check of another tenant or none."""
    user = actor.user
    with transaction.atomic():
        check = _locked_check(check_id, tenant_id)
        open_tasks = Task.objects.filter(check_run=check, state=Task.State.OPEN)
        if not open_tasks.exists():
            return ClaimResult("no_task")
        other = (
            open_tasks.exclude(assigned_to__isnull=True)
            .exclude(assigned_to=user)
            .select_related("assigned_to")
            .first()
        )
        if other is not None:
            return ClaimResult("taken", other.assigned_to)
        won = open_tasks.filter(assigned_to__isnull=True).update(assigned_to=user)
        if not won:
            return ClaimResult("already_yours", user)
        name = staff_name(user)
        timeline.record(
            check.person, "incident_claimed", f"{name}さんが対応します", now, check, actor=actor
        )
        audit.record(
            tenant_id, actor, "incident.claim", check, now, person_ids=[check.person_id], tasks=won
        )
    return ClaimResult("claimed", user)


def assign_incident_tasks(
    check_id: int, tenant_id: int, assignee: Any, actor: Actor, now: datetime
) -> int:
    """An admin (``actor``) gives every open task of check ``check_id`` to
    ``assignee`` (a staff user of the tenant; the caller checks the role and
    the membership), whoever held them before. Returns how many tasks changed
    hands (0: the incident has no open staff task, nothing is written).
    Raises Check.DoesNotExist for a check of another tenant or none."""
    with transaction.atomic():
        check = _locked_check(check_id, tenant_id)
        open_tasks = Task.objects.filter(check_run=check, state=Task.State.OPEN)
        before = sorted(
            {staff_name(t.assigned_to) for t in open_tasks.select_related("assigned_to") if t.assigned_to}
        )
        changed = open_tasks.update(assigned_to=assignee)
        if not changed:
            return 0
        name = staff_name(assignee)
        timeline.record(
            check.person,
            "incident_assigned",
            f"{staff_name(actor.user)}さんが担当を{name}さんに割り当てました",
            now,
            check,
            actor=actor,
            assignee=assignee.pk,
        )
        audit.record(
            tenant_id,
            actor,
            "incident.assign",
            check,
            now,
            person_ids=[check.person_id],
            assignee=assignee.pk,
            before=before,
        )
    return changed
