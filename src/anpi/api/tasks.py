"""``/api/tasks``: staff tasks (calls, decisions) and recording their outcome.

The outcome goes through ``engine.tasks.record_task_outcome`` (the call
queue's own path) with the token's ``Actor`` on the timeline, and an audit row
(``task.outcome``) in the same transaction. A task no longer open is 409.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest
from ninja import Router

from anpi.engine.clock import get_clock
from anpi.engine.models import Task
from anpi.engine.tasks import TaskClosed, record_task_outcome
from anpi.tenants import audit

from .auth import actor_of, audit_read, object_or_404, scoped
from .paging import PageNumber, PageSize, page_of
from .problems import CONFLICT, Problematic
from .schemas import ObjectId, OutcomeIn, TaskOut, TasksPage

router = Router(tags=["tasks"])


def task_out(task: Task) -> dict[str, Any]:
    return {
        "id": task.pk,
        "person_id": task.person_id,
        "check_id": task.check_run_id,
        "kind": task.kind,
        "state": task.state,
        "reason": task.reason,
        "deadline": task.deadline,
        "outcome": task.outcome,
        "note": task.note,
        "duration_minutes": task.duration_minutes,
        "created_at": task.created_at,
        "done_at": task.done_at,
    }


@router.get("/tasks", response=TasksPage, summary="List tasks")
def list_tasks(
    request: HttpRequest,
    state: Literal["open", "done", "cancelled", "expired"] = "open",
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    """Tasks in ``state`` (open by default), the nearest deadline first: the
    call queue."""
    tasks = scoped(request, Task.objects.filter(state=state)).order_by("deadline", "id")
    count, items = page_of(tasks, page, page_size)
    audit_read(request, "api.tasks.list", ids=[t.pk for t in items])
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [task_out(t) for t in items],
    }


@router.get("/tasks/{task_id}", response=TaskOut, summary="One task")
def get_task(request: HttpRequest, task_id: ObjectId) -> dict[str, Any]:
    task = object_or_404(request, Task.objects.all(), pk=task_id)
    audit_read(request, "api.task.read", task)
    return task_out(task)


@router.post("/tasks/{task_id}/outcome", response=TaskOut, summary="Record a task's outcome")
def post_outcome(request: HttpRequest, body: OutcomeIn, task_id: ObjectId) -> dict[str, Any]:
    """``safe``: the person is fine and the check is resolved; ``unreachable`` /
    ``other``: the task is done and the ladder goes on. ``duration_minutes``
    (0–600, optional) is the call's length, summed as the pilot report's staff
    minutes. 409 when the task was already done, cancelled or past its
    deadline; 422 for a duration out of range."""
    task = object_or_404(request, Task.objects.all(), pk=task_id)
    actor = actor_of(request)
    clock = get_clock()
    try:
        with transaction.atomic():
            task = record_task_outcome(
                task.pk,
                body.outcome,
                clock,
                note=body.note,
                actor=actor,
                duration_minutes=body.duration_minutes,
            )
            audit.record(
                task.tenant_id,
                actor,
                "task.outcome",
                task,
                clock.now(),
                outcome=body.outcome,
                duration_minutes=body.duration_minutes,
            )
    except TaskClosed as exc:
        task.refresh_from_db(fields=["state"])
        raise Problematic(
            409, f"The task is no longer open ({task.state}).", type=CONFLICT
        ) from exc
    return task_out(task)
