"""Task cards: what the call queue and the person page show for each open task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet

from anpi.engine.models import Task, TimelineEntry
from anpi.engine.task_reasons import reason_label

from ..display import TASK_KIND
from ..forms import TaskOutcomeForm

RECENT_TIMELINE = 5


@dataclass
class TaskCard:
    task: Task
    overdue: bool
    kind_label: str
    form: TaskOutcomeForm

    @property
    def reason(self) -> str:
        """Why the task was opened, in the viewer's language when it is one of
        the engine's fixed reasons (engine.task_reasons), else as stored."""
        return reason_label(self.task.reason)

    @property
    def person(self) -> Any:
        return self.task.person

    @property
    def recent_timeline(self) -> list[TimelineEntry]:
        return getattr(self.task.person, "recent_timeline", [])


def open_tasks(tenant: Any) -> QuerySet[Task]:
    """A tenant's open tasks, oldest deadline first (index ``task_queue_idx``).

    The person's last few timeline entries come in one extra query (a sliced
    prefetch, a window function in SQL), not one per task.
    """
    recent = TimelineEntry.objects.order_by("-at", "-id")[:RECENT_TIMELINE]
    return (
        Task.objects.filter(tenant=tenant, state=Task.State.OPEN)
        .order_by("deadline")  # exactly the order of task_queue_idx
        .select_related("person", "contact", "check_run")
        .prefetch_related(Prefetch("person__timeline", queryset=recent, to_attr="recent_timeline"))
    )


def task_cards(
    tasks: Any,
    now: datetime,
    bound: TaskOutcomeForm | None = None,
    bound_task_id: int | None = None,
) -> list[TaskCard]:
    cards = []
    for task in tasks:
        form = bound if bound is not None and task.pk == bound_task_id else TaskOutcomeForm()
        cards.append(
            TaskCard(
                task=task,
                overdue=task.deadline <= now,
                kind_label=str(TASK_KIND.get(task.kind, task.get_kind_display())),
                form=form,
            )
        )
    return cards
