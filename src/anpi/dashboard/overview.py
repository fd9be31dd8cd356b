"""The figures of the overview board (概況): today at a glance, for the staff on duty.

One query per figure, each on an index (the overview refreshes itself every
30 seconds on every open screen, so it must stay cheap):

- today's checks sent / answered / cancelled: one aggregate (engine.tallies,
  the same definition as the pilot report's answer rate) on
  ``check_tenant_due_idx`` (tenant, due_at);
- open escalations by step and by age: the open checks past their first step,
  on the partial index ``check_open_tenant_idx`` (tenant, step) WHERE open;
- the open staff tasks by kind (the call queue: calls, decisions, visits,
  follow-ups) and who needs a call now: open tasks, on ``task_queue_idx``
  (tenant, deadline) WHERE open. "Who needs a call now" counts the calls of
  the same breakdown, so the two figures never disagree.

A check's step on the board is the step that fired last (what is happening
to the person now, ``engine.models.last_fired_index``), as on the person
page's timeline and the alerts board's "Step n of m".

"Today" is the tenant's calendar day by the engine clock (``now`` is passed in).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count
from django.utils.translation import pgettext_lazy

from anpi.engine.models import Check, Task, decided_q, last_fired_index
from anpi.engine.tallies import AnswerCounts, answer_counts, local_day, step_label
from anpi.engine.tasks import CALL_KINDS

from .display import CTX

# How many calls the board lists; the call queue has the rest.
CALLS_SHOWN = 20

# Open escalations by how long ago the check was due: (less than, label).
AGE_BUCKETS: list[tuple[timedelta | None, Any]] = [
    (timedelta(days=1), pgettext_lazy(CTX, "Under 1 day")),
    (timedelta(days=2), pgettext_lazy(CTX, "1–2 days")),
    (timedelta(days=7), pgettext_lazy(CTX, "2–7 days")),
    (None, pgettext_lazy(CTX, "7 days or more")),
]


@dataclass(frozen=True)
class Escalations:
    total: int
    by_step: list[tuple[str, int]]  # (step label, open checks), in policy order
    by_age: list[tuple[str, int]]  # (age label, open checks), youngest first


@dataclass(frozen=True)
class Overview:
    now: datetime
    today: AnswerCounts
    escalations: Escalations
    tasks_by_kind: list[tuple[str, int]]  # (kind label, open tasks), kinds with any
    calls: list[Task]  # open call tasks, earliest deadline first (up to CALLS_SHOWN)
    calls_total: int  # every open call task (the list may be cut short)

    @property
    def open_tasks(self) -> int:
        """Every open staff task: the call queue's length."""
        return sum(count for _, count in self.tasks_by_kind)

    @property
    def answer_rate_text(self) -> str:
        rate = self.today.answer_rate
        return "—" if rate is None else f"{rate * 100:.1f}%"


def _step_of(policy: list[dict[str, Any]], step: int, decided: bool) -> tuple[int, str]:
    """(index, label) of the step that fired last for a check at ``step``
    (``decided``: its repeating last step has fired)."""
    index = last_fired_index(policy, step, decided)
    assert index is not None  # the board reads checks past their first step
    action = policy[index]["action"]
    nth = sum(1 for spec in policy[: index + 1] if spec["action"] == action)
    return index, step_label(action, nth)


def _age_label(age: timedelta) -> str:
    for limit, label in AGE_BUCKETS:
        if limit is None or age < limit:
            return str(label)
    raise AssertionError("the last bucket has no limit")


def open_escalations(tenant: Any, now: datetime) -> Escalations:
    """Open checks past their first step, grouped by the step they are at and by
    how long ago they were due. Ages with no check are shown as 0, so the board
    keeps its shape."""
    rows = (
        Check.objects.filter(tenant=tenant, state=Check.State.OPEN, step__gte=2)
        .annotate(decided=decided_q())
        .values_list("policy", "step", "decided", "due_at")
    )
    steps: Counter[str] = Counter()
    order: dict[str, int] = {}  # a label's earliest place in any policy
    ages: Counter[str] = Counter()
    for policy, step, decided, due_at in rows:
        index, label = _step_of(policy, step, decided)
        steps[label] += 1
        order[label] = min(index, order.get(label, index))
        ages[_age_label(now - due_at)] += 1
    return Escalations(
        total=sum(steps.values()),
        by_step=[(label, steps[label]) for label in sorted(steps, key=lambda k: (order[k], k))],
        by_age=[(str(label), ages[str(label)]) for _, label in AGE_BUCKETS],
    )


def open_task_counts(tenant: Any) -> dict[str, int]:
    """The tenant's open staff tasks (the call queue) counted by kind."""
    rows = (
        Task.objects.filter(tenant=tenant, state=Task.State.OPEN)
        .values("kind")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("kind", "n")
    )
    return dict(rows)


def overview(tenant: Any, now: datetime) -> Overview:
    """Every figure of the board for ``tenant`` at ``now`` (the engine clock)."""
    start, end = local_day(tenant.timezone, now)
    calls = list(
        Task.objects.filter(tenant=tenant, state=Task.State.OPEN, kind__in=CALL_KINDS)
        .select_related("person", "contact")
        .order_by("deadline")[:CALLS_SHOWN]
    )
    counts = open_task_counts(tenant)
    return Overview(
        now=now,
        today=answer_counts(Check.objects.filter(tenant=tenant, due_at__gte=start, due_at__lt=end)),
        escalations=open_escalations(tenant, now),
        # In the order of Task.Kind; kinds with no open task are left out.
        tasks_by_kind=[(str(label), counts[k]) for k, label in Task.Kind.choices if counts.get(k)],
        calls=calls,
        calls_total=sum(counts.get(kind, 0) for kind in CALL_KINDS),
    )
