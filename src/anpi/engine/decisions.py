"""「次の対応を決める」: the choices staff have at the end of the ladder, and the
result of a visit.

Each choice leads to a defined state (docs/staff-guide.ja.md explains them):

| choice | task | check (the incident) |
|---|---|---|
| ``visit`` (who, by when) | decide task done; a visit task opens, deadline = by when | held until the visit's deadline; then the decision comes back |
| ``police`` | decide task done; a new decide task opens (record the outcome) | open, held until that task's deadline |
| ``away`` (until a date) | decide task done | resolved (``away``); a Pause until the date, checks resume by themselves |
| ``safe`` (本人と話せた・無事) | decide task done | resolved (``staff_safe``); all-clear to everyone alarmed |
| ``safe_contact`` (連絡先から無事と聞いた) | decide task done | resolved (``contact_safe``); all-clear |

A visit task's results: ``safe`` (resolved, all-clear), ``not_found`` or
``other`` (the decision comes back now).

Lock order as everywhere (docs/engine.md): the check first, then the task
(a compare-and-set ``state = open``: two staff deciding at once, one wins, the
other gets TaskClosed). A check's hold is moved with a ``version`` bump, so a
step racing the decision loses its own compare-and-set.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F

from anpi.people.models import Pause, Person

from . import task_reasons, timeline
from .clock import Clock
from .models import Check, Task
from .plan import following_occurrence
from .tasks import TaskClosed, cancel_settled_tasks, close_check, open_task

DECISIONS = ("visit", "police", "away", "safe", "safe_contact")
VISIT_RESULTS = ("safe", "not_found", "other")
DEFAULT_DECIDE_DEADLINE = timedelta(hours=24)

LABELS = {
    "visit": "訪問する",
    "police": "警察・消防に連絡した",
    "away": "入院・外出と分かった",
    "safe": "本人と話せた・無事",
    "safe_contact": "連絡先から無事と聞いた",
    "not_found": "訪問したが会えなかった",
    "other": "その他",
}


def _decide_deadline(check: Check) -> timedelta:
    for step in reversed(check.policy):
        if step.get("action") == "decide_task":
            seconds = (step.get("params") or {}).get("deadline")
            if seconds:
                return timedelta(seconds=seconds)
    return DEFAULT_DECIDE_DEADLINE


def _hold(check: Check, until: datetime) -> None:
    Check.objects.filter(pk=check.pk, state=Check.State.OPEN).update(
        next_action_at=until, version=F("version") + 1
    )


def _close_incident(person: Person, reason: str, now: datetime) -> None:
    for check in Check.objects.filter(person=person, state=Check.State.OPEN):
        check.person = person
        close_check(check, state=Check.State.RESOLVED, reason=reason, now=now)
    cancel_settled_tasks(person.pk, now)


def record_decision(
    task_id: int,
    choice: str,
    clock: Clock,
    *,
    user: Any = None,
    note: str = "",
    visitor: str = "",
    visit_by: datetime | None = None,
    away_until: date | None = None,
) -> Task:
    """Record ``choice`` on an open decide task (``DECISIONS``) or the result of
    a visit task (``VISIT_RESULTS``). ``visitor`` and ``visit_by`` (in the
    future) are required for ``visit``; ``away_until`` (today or later) for
    ``away``. Raises ValueError for a choice the task does not offer or missing
    details, TaskClosed if the task is no longer open."""
    now = clock.now()
    check_id = Task.objects.filter(pk=task_id).values_list("check_run_id", flat=True).first()
    if check_id is None:
        raise Task.DoesNotExist(f"no task {task_id}")
    with transaction.atomic():
        check = Check.objects.select_for_update().select_related("person__tenant").get(pk=check_id)
        task = Task.objects.select_related("person").get(pk=task_id)
        offered = DECISIONS if task.kind == Task.Kind.DECIDE else VISIT_RESULTS
        if task.kind not in (Task.Kind.DECIDE, Task.Kind.VISIT) or choice not in offered:
            raise ValueError(f"{task.kind} does not offer {choice!r}")
        person = check.person
        today = now.astimezone(ZoneInfo(person.tenant.timezone)).date()
        if choice == "visit" and (not visitor.strip() or visit_by is None or visit_by <= now):
            raise ValueError("a visit needs who goes and a time in the future")
        if choice == "away" and (away_until is None or away_until < today):
            raise ValueError("away needs a date from today on")
        outcome = {"not_found": Task.Outcome.NOT_FOUND}.get(choice, choice)
        done = Task.objects.filter(pk=task.pk, state=Task.State.OPEN).update(
            state=Task.State.DONE, outcome=outcome, note=note, done_at=now, done_by=user
        )
        if not done:
            task.refresh_from_db()
            raise TaskClosed(task)
        detail = note
        if choice == "visit":
            detail = f"{_honorific(visitor)}が {visit_by:%m/%d %H:%M} までに訪問" + (
                f"、{note}" if note else ""
            )
        elif choice == "away":
            detail = f"{away_until:%m/%d} まで確認を休む" + (f"、{note}" if note else "")
        kind = timeline.in_site_language(task.get_kind_display)
        timeline.record(
            person,
            "task_outcome",
            f"{kind}: {LABELS[choice]}" + (f"（{detail}）" if detail else ""),
            now,
            check,
            task=task.pk,
            outcome=outcome,
            task_kind=task.kind,
            by=getattr(user, "username", None),
        )
        _apply(choice, check, person, now, today, visitor, visit_by, away_until, user)
    return task


def _apply(
    choice: str,
    check: Check,
    person: Person,
    now: datetime,
    today: date,
    visitor: str,
    visit_by: datetime | None,
    away_until: date | None,
    user: Any = None,
) -> None:
    if choice in ("safe", "safe_contact"):
        _close_incident(person, "staff_safe" if choice == "safe" else "contact_safe", now)
    elif choice == "visit" and visit_by is not None:
        open_task(
            check, Task.Kind.VISIT, now, visit_by - now, f"{_honorific(visitor)}が訪問する"
        )
        _hold(check, visit_by)
    elif choice == "police":
        deadline = _decide_deadline(check)
        open_task(
            check,
            Task.Kind.DECIDE,
            now,
            deadline,
            task_reasons.POLICE,
        )
        _hold(check, now + deadline)
    elif choice == "away" and away_until is not None:
        Pause.objects.create(
            tenant_id=person.tenant_id,
            person=person,
            starts_on=today,
            ends_on=away_until,
            reason="入院・外出（スタッフが確認）",
            set_by_kind="staff",
            set_by_label=f"スタッフ {getattr(user, 'username', '')}".strip(),
            set_by_user=user,
            created_at=now,
        )
        _close_incident(person, "away", now)
        if person.status == Person.Status.ACTIVE:
            person.next_check_at = following_occurrence(person, now)
            Person.objects.filter(pk=person.pk).update(next_check_at=person.next_check_at)
        timeline.record(
            person, "paused", f"{away_until:%m/%d} まで確認を休みます（そのあと自動で再開）", now
        )
    else:  # a visit that found no one, or other: the decision comes back now
        _hold(check, now)


def _honorific(name: str) -> str:
    """``name`` with さん, unless staff already typed an honorific (佐藤さん, 佐藤様)."""
    name = name.strip()
    return name if name.endswith(("さん", "様", "さま", "氏", "先生")) else f"{name}さん"
