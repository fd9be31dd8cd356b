"""The alerts board's rows: every open alert of a tenant across the three
services, one row per person.

A row is one of two kinds:

- a group or team **alert** (``groups.models.Alert``, open or claimed, its
  check still open): a peer group named the silent member (つながり) or a team
  of watchers was told (安否通知); claim, assign and outcome act on the alert;
- a staff **incident**: an open check on which staff tasks were opened (the
  ladder reached staff: phone calls, a decision, a visit). Claim and assign
  act on its open tasks (``Task.assigned_to``), the outcome is recorded with
  the call queue's own forms. A group member or team person whose alert
  ended without 無事 comes back here when staff must decide.

The service of a row is the person's: a member of a peer group (つながり), a
team's person (安否通知), else the individual service (個人見守り). What a row
says happened is the check's own timeline, never a summary of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import pgettext_lazy

from anpi.engine import registry
from anpi.engine.assignment import staff_name
from anpi.engine.models import Check, Task, TimelineEntry
from anpi.groups.models import Alert, Team
from anpi.groups.staff_alerts import staff_claim_id
from anpi.tenants.access import STAFF_ROLES
from anpi.tenants.models import Membership

from .views.cards import TaskCard, task_cards

CTX = "alerts"
SERVICE_LABELS = {
    "individual": pgettext_lazy(CTX, "Individual watch-over"),
    "group": pgettext_lazy(CTX, "Peer groups"),
    "team": pgettext_lazy(CTX, "Municipal teams"),
}
BOARD_LIMIT = 200
RECENT_ENTRIES = 4
# Staff tasks of an escalation; a follow-up (a graded answer 少し不調 / 話したい)
# is not an emergency: the call queue has it.
ALERT_TASKS = [kind for kind in Task.Kind.values if kind != Task.Kind.FOLLOW_UP]


@dataclass
class BoardRow:
    """One person's open alert or incident, as the board shows it."""

    service: str  # individual | group | team
    check: Check
    alert: Alert | None
    team: Team | None
    where: str  # the team's or group's name ("" for the individual service)
    tasks: list[Task] = field(default_factory=list)
    cards: list[TaskCard] = field(default_factory=list)
    holder: str = ""  # who has claimed it ("" = nobody)
    mine: bool = False
    silent_for: timedelta = timedelta(0)

    @property
    def service_label(self) -> str:
        return str(SERVICE_LABELS[self.service])

    @property
    def silent_hours(self) -> int:
        """Whole hours since the unanswered question was due."""
        return int(self.silent_for.total_seconds() // 3600)

    @property
    def person(self) -> Any:
        return self.check.person

    @property
    def recent(self) -> list[TimelineEntry]:
        return getattr(self.check, "recent_entries", [])

    @property
    def step_label(self) -> str:
        """What the ladder did last (its registered description, in the
        viewer's language), or "" before any step."""
        action = self.check.current_action()
        found = registry.actions.get(action) if action else None
        return str(found.label) if found is not None else ""

    @property
    def step_number(self) -> int:
        """The step that fired last, counted from 1 (0 before any step): the
        repeating last step counts as reached once it fired
        (``Check.fired_index``), as the person's timeline says."""
        index = self.check.fired_index()
        return 0 if index is None else index + 1

    @property
    def steps(self) -> int:
        return len(self.check.policy) if isinstance(self.check.policy, list) else 0


def _recent_entries(path: str = "") -> Prefetch:
    """The check's last few timeline entries (one query: a sliced prefetch)."""
    entries = TimelineEntry.objects.order_by("-at", "-id")[:RECENT_ENTRIES]
    return Prefetch(f"{path}timelineentry_set", queryset=entries, to_attr="recent_entries")


def _open_tasks(path: str = "") -> Prefetch:
    tasks = (
        Task.objects.filter(state=Task.State.OPEN, kind__in=ALERT_TASKS)
        .select_related("assigned_to", "contact", "person")
        .order_by("deadline")
    )
    return Prefetch(f"{path}tasks", queryset=tasks, to_attr="open_tasks")


def _service_of(person: Any) -> tuple[str, Team | None, str]:
    member = getattr(person, "group_member", None)
    if member is not None:
        return "group", None, member.group.name
    link = getattr(person, "team_link", None)
    if link is not None:
        return "team", link.team, link.team.name
    return "individual", None, ""


def _alerts(tenant: Any) -> QuerySet[Alert]:
    return (
        Alert.objects.filter(
            tenant=tenant, state__in=[Alert.State.OPEN, Alert.State.CLAIMED], check_run__state="open"
        )
        .select_related("team", "group", "check_run__person")
        .prefetch_related(_recent_entries("check_run__"), _open_tasks("check_run__"))
        .order_by("created_at", "id")
    )


def _incidents(tenant: Any) -> QuerySet[Check]:
    """Open checks on which staff tasks were opened (open or not any more)."""
    return (
        Check.objects.filter(tenant=tenant, state=Check.State.OPEN)
        .filter(tasks__kind__in=ALERT_TASKS)
        .distinct()
        .select_related(
            "person__group_member__group", "person__team_link__team", "person__tenant"
        )
        .prefetch_related(_recent_entries(), _open_tasks())
        .order_by("due_at", "id")
    )


def board_rows(tenant: Any, user: Any, now: datetime) -> list[BoardRow]:
    """Every open alert of ``tenant`` as rows, one per person (their alert if
    they have one, else their oldest incident), oldest question first. ``user``
    is the staff member looking (``mine``)."""
    me = staff_claim_id(user)
    rows: dict[int, BoardRow] = {}
    for alert in _alerts(tenant)[:BOARD_LIMIT]:
        if alert.person_id in rows:
            continue
        check = alert.check_run
        rows[alert.person_id] = BoardRow(
            service="team" if alert.team_id else "group",
            check=check,
            alert=alert,
            team=alert.team,
            where=str(alert.team or alert.group or ""),
            tasks=list(getattr(check, "open_tasks", [])),
            holder=alert.claimed_by_name if alert.state == Alert.State.CLAIMED else "",
            mine=alert.state == Alert.State.CLAIMED and alert.claimed_by == me,
        )
    for check in _incidents(tenant)[:BOARD_LIMIT]:
        if check.person_id in rows:
            continue
        service, team, where = _service_of(check.person)
        tasks = list(getattr(check, "open_tasks", []))
        holders = [t.assigned_to for t in tasks if t.assigned_to is not None]
        rows[check.person_id] = BoardRow(
            service=service,
            check=check,
            alert=None,
            team=team,
            where=where,
            tasks=tasks,
            holder=", ".join(sorted({staff_name(h) for h in holders})),
            mine=any(h.pk == user.pk for h in holders),
        )
    ordered = sorted(rows.values(), key=lambda r: (r.check.due_at, r.check.pk))
    # Whether each check's repeating last step fired (Check.fired_index), in
    # one query rather than one per row.
    decided = set(
        Task.objects.filter(
            check_run__in=[row.check.pk for row in ordered], kind=Task.Kind.DECIDE
        ).values_list("check_run_id", flat=True)
    )
    for row in ordered:
        row.check.decided = row.check.pk in decided  # type: ignore[attr-defined]
        row.silent_for = max(now - row.check.due_at, timedelta(0))
        row.cards = task_cards(row.tasks, now)
    return ordered


def filter_rows(
    rows: list[BoardRow], *, service: str = "", team_id: int | None = None, who: str = ""
) -> list[BoardRow]:
    """The rows of one service, one team, and/or ``who``: ``mine`` (claimed by
    the user looking) or ``unclaimed`` (nobody has it)."""
    if service:
        rows = [r for r in rows if r.service == service]
    if team_id is not None:
        rows = [r for r in rows if r.team is not None and r.team.pk == team_id]
    if who == "mine":
        rows = [r for r in rows if r.mine]
    elif who == "unclaimed":
        rows = [r for r in rows if not r.holder]
    return rows


def assignable_staff(tenant: Any) -> QuerySet[Any]:
    """Users an admin may assign an alert to: the tenant's enabled staff
    (admins and operators; watchers work in LINE)."""
    from django.contrib.auth import get_user_model

    users = Membership.objects.filter(
        tenant=tenant, role__in=STAFF_ROLES, disabled_at__isnull=True
    ).values("user_id")
    return get_user_model().objects.filter(pk__in=users).order_by("last_name", "username")
