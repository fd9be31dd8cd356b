"""The figures of the monthly pilot report (実証実験レポート), as pure functions.

Each function takes a ``Scope`` (a tenant, optionally narrowed to one team or
one organization) and a ``Month`` (calendar month in the tenant's time zone)
and reads only the database: no clock, no rendering. Every figure has a short
definition (``DEFINITIONS``, translated) that the page, the CSV and the PDF
print beside it, so that a city reads the same number the same way everywhere.

What a month holds:

- checks: ``due_at`` within the month;
- tasks (calls, visits): ``created_at`` within the month;
- alerts: ``created_at`` within the month;
- LINE messages: ``sent_at`` within the month (engine.cost).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import formats
from django.utils.translation import pgettext_lazy

from anpi.engine import cost
from anpi.engine.models import Check, Task, last_fired_index
from anpi.engine.tallies import AnswerCounts, answer_counts, step_label, went_out
from anpi.groups.models import Alert, Team
from anpi.people.models import Person
from anpi.tenants.models import Organization, Tenant

# A check resolved by a human who found the person safe: staff (call queue),
# a watcher (team alert) or a contact. Codes are ``close_reason`` values.
SAFE_REASON_SUFFIX = "_safe"
CALL_KINDS = ("call_person", "call_contact")
VISIT_KIND = "visit"  # Task.Kind "visit", counted by its string before and after it exists

# The answer grades (Check.answer_grade) by their report name.
GRADES: dict[str, Any] = {
    "ok": pgettext_lazy("reports", "Fine"),
    "unwell": pgettext_lazy("reports", "A little unwell"),
    "talk": pgettext_lazy("reports", "Wants to talk"),
}

# Lazy: each is read in the language of the request that prints it.
DEFINITIONS: dict[str, Any] = {
    "enrolled": pgettext_lazy(
        "reports",
        "Enrolled: watched people registered by the end of the month (those still signing up"
        " included).",
    ),
    "new": pgettext_lazy("reports", "New enrolments: people registered during the month."),
    "active": pgettext_lazy(
        "reports",
        "Active people: people sent at least one check during the month. One person for one"
        " month counts as one person-month.",
    ),
    "sent": pgettext_lazy(
        "reports",
        "Checks sent: the checks due during the month that were actually sent.",
    ),
    "cancelled": pgettext_lazy(
        "reports",
        "Cancelled: checks sent and then cancelled (the person blocked the account, two checks"
        " were merged and the like). They asked nobody anything: the answer rate leaves them"
        " out.",
    ),
    "answered": pgettext_lazy(
        "reports",
        "Answered by the person: checks sent that the person answered themselves (any answer:"
        " fine, a little unwell or wants to talk), not closed by staff or a watcher.",
    ),
    "answer_rate": pgettext_lazy(
        "reports",
        "Answer rate: checks answered by the person ÷ (checks sent − cancelled).",
    ),
    "time_to_answer": pgettext_lazy(
        "reports",
        "Time to answer: from the time a check was due to the person's answer. The median and"
        " the 90th percentile (90% of the answers came within this time).",
    ),
    "grades": pgettext_lazy(
        "reports",
        "Answer: the person's answers to the checks due during the month (early answers"
        " included), as \"Fine\", \"A little unwell\" and \"Wants to"
        " talk\". A little unwell and wants to talk open a staff follow-up (not urgent).",
    ),
    "funnel": pgettext_lazy(
        "reports",
        "Escalation: how far along its policy (as it was when the check was sent) each check"
        " went. A check counts in every step it reached.",
    ),
    "false_alarms": pgettext_lazy(
        "reports",
        "False alarms (safe): checks that escalated at least one step and ended when staff, a"
        " contact or a watcher confirmed the person was safe. Per person-month: ÷ active"
        " people.",
    ),
    "visits": pgettext_lazy(
        "reports",
        "Visits: the number of visit tasks and the time from their creation to done (median).",
    ),
    "alerts": pgettext_lazy(
        "reports",
        "Alerts: the notices to watchers, and the time from the claim (\"I'll handle it\") to"
        " the recorded outcome (median).",
    ),
    "call_minutes": pgettext_lazy(
        "reports",
        "Phone calls: staff call tasks (to the person or a contact) and those done. Call time:"
        " the sum of the call times staff recorded on done call tasks. Calls with no recorded"
        " time are left out of the sum and counted apart. With none recorded: \"Not"
        " recorded\".",
    ),
    "line": pgettext_lazy(
        "reports",
        "LINE: paid pushes (one per recipient) and free replies, counted apart and"
        " compared with the plan's limit. The current month adds the forecast to month end"
        " (the checks still planned). The figures are the whole tenant's.",
    ),
}


@dataclass(frozen=True)
class Month:
    """A calendar month in one time zone: [start, end)."""

    year: int
    month: int
    timezone: str = "Asia/Tokyo"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=ZoneInfo(self.timezone))

    @property
    def end(self) -> datetime:
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return datetime(year, month, 1, tzinfo=ZoneInfo(self.timezone))

    @property
    def label(self) -> str:
        """「2026年12月」, or "December 2026" in English (the active language)."""
        return formats.date_format(date(self.year, self.month, 1), "YEAR_MONTH_FORMAT")

    def days(self) -> list[date]:
        first = self.start.date()
        return [first + timedelta(days=i) for i in range((self.end.date() - first).days)]

    @classmethod
    def of(cls, tenant: Tenant, moment: datetime) -> Month:
        local = moment.astimezone(ZoneInfo(tenant.timezone))
        return cls(local.year, local.month, tenant.timezone)


@dataclass(frozen=True)
class Scope:
    """Whose figures: a tenant, or one of its teams or organizations."""

    tenant: Tenant
    team: Team | None = None
    organization: Organization | None = None

    @property
    def label(self) -> str:
        if self.team is not None:
            return f"{self.tenant.name} / {self.team.name}"
        if self.organization is not None:
            return f"{self.tenant.name} / {self.organization.name}"
        return self.tenant.name

    def persons(self) -> QuerySet[Person]:
        people = Person.objects.filter(tenant=self.tenant)
        if self.team is not None:
            people = people.filter(team_link__team=self.team)
        if self.organization is not None:
            people = people.filter(team_link__team__organization=self.organization)
        return people

    def narrowed(self) -> bool:
        return self.team is not None or self.organization is not None

    def checks(self, month: Month) -> QuerySet[Check]:
        checks = Check.objects.filter(
            tenant=self.tenant, due_at__gte=month.start, due_at__lt=month.end
        )
        if self.narrowed():
            checks = checks.filter(person__in=self.persons())
        return checks

    def tasks(self, month: Month) -> QuerySet[Task]:
        tasks = Task.objects.filter(
            tenant=self.tenant, created_at__gte=month.start, created_at__lt=month.end
        )
        if self.narrowed():
            tasks = tasks.filter(person__in=self.persons())
        return tasks

    def alerts(self, month: Month) -> QuerySet[Alert]:
        alerts = Alert.objects.filter(
            tenant=self.tenant, created_at__gte=month.start, created_at__lt=month.end
        )
        if self.narrowed():
            alerts = alerts.filter(person__in=self.persons())
        return alerts


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p90(values: list[float]) -> float | None:
    """The 90th percentile by nearest rank: the smallest value that at least 90%
    of the values do not exceed (an observed value, never an interpolation)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[math.ceil(0.9 * len(ordered)) - 1]


def _minutes_between(pairs: Any) -> list[float]:
    """Minutes from the first to the second time of each (start, end) pair that
    has both (the queries filter out missing ends; this keeps the types honest)."""
    return [
        (end - start).total_seconds() / 60
        for start, end in pairs
        if start is not None and end is not None
    ]


# ── persons ──────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class Enrolment:
    enrolled: int
    new: int
    active: int  # persons sent at least one check: the month's person-months


def enrolment(scope: Scope, month: Month) -> Enrolment:
    people = scope.persons().filter(created_at__lt=month.end)
    counts = people.aggregate(
        enrolled=Count("id"), new=Count("id", filter=Q(created_at__gte=month.start))
    )
    active = scope.checks(month).filter(step__gte=1).values("person").distinct().count()
    return Enrolment(enrolled=counts["enrolled"], new=counts["new"], active=active)


# ── checks and answers ───────────────────────────────────────────────────────


@dataclass(frozen=True)
class DayCount:
    day: date
    sent: int
    answered: int


@dataclass(frozen=True)
class Answers(AnswerCounts):
    """Sent, cancelled, answered and the answer rate (engine.tallies, the same
    definitions as the dashboard's overview), and the times to answer."""

    median_minutes: float | None
    p90_minutes: float | None
    by_day: list[DayCount] = field(default_factory=list)
    # Answered checks (early answers included) by Check.answer_grade; an answer
    # from before graded answers has no grade and was an OK.
    by_grade: dict[str, int] = field(default_factory=dict)


def answers(scope: Scope, month: Month) -> Answers:
    counts = answer_counts(scope.checks(month))
    sent = went_out(scope.checks(month))
    waits = _minutes_between(
        sent.filter(state=Check.State.ANSWERED, answered_at__isnull=False).values_list(
            "due_at", "answered_at"
        )
    )
    per_day = {
        row["day"]: row
        for row in sent.annotate(day=TruncDate("due_at", tzinfo=ZoneInfo(month.timezone)))
        .values("day")
        .annotate(n=Count("id"), ok=Count("id", filter=Q(state=Check.State.ANSWERED)))
    }
    by_day = [
        DayCount(
            day,
            per_day[day]["n"] if day in per_day else 0,
            per_day[day]["ok"] if day in per_day else 0,
        )
        for day in month.days()
    ]
    by_grade = dict.fromkeys(GRADES, 0)
    graded = scope.checks(month).filter(state=Check.State.ANSWERED).values("answer_grade")
    for row in graded.annotate(n=Count("id")):
        grade = row["answer_grade"] or "ok"
        by_grade[grade] = by_grade.get(grade, 0) + row["n"]
    return Answers(
        sent=counts.sent,
        cancelled=counts.cancelled,
        answered=counts.answered,
        median_minutes=median(waits),
        p90_minutes=p90(waits),
        by_day=by_day,
        by_grade=by_grade,
    )


# ── escalations ──────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class FunnelStage:
    action: str
    nth: int  # 1 for the first step with this action in the policy, 2 for the next …
    count: int

    @property
    def label(self) -> str:
        return step_label(self.action, self.nth)


def _reached_steps(policy: list[dict[str, Any]], step: int, decided: bool) -> list[int]:
    """Indexes of the policy steps that fired for a check now at ``step``: every
    step up to the one that fired last (the engine's one rule for it,
    ``engine.models.last_fired_index``: the last step repeats in place)."""
    fired = last_fired_index(policy, step, decided)
    return [] if fired is None else list(range(fired + 1))


def escalation_funnel(scope: Scope, month: Month) -> list[FunnelStage]:
    """How many checks reached each step of their policy snapshot, in policy order.

    The first stage is every sent check; later stages read only the escalated
    checks (step ≥ 2), which are few, so a month of a large tenant stays cheap."""
    sent = scope.checks(month).filter(step__gte=1)
    total_sent = sent.count()
    escalated = sent.filter(step__gte=2)
    decided = set(
        Task.objects.filter(check_run__in=escalated, kind=Task.Kind.DECIDE).values_list(
            "check_run_id", flat=True
        )
    )
    reached: Counter[tuple[str, int]] = Counter()
    order: dict[tuple[str, int], int] = {}
    for check_id, policy, step in escalated.values_list("id", "policy", "step").iterator(
        chunk_size=2000
    ):
        fired = set(_reached_steps(policy, step, check_id in decided))
        seen: Counter[str] = Counter()
        for index, spec in enumerate(policy):
            seen[spec["action"]] += 1
            key = (spec["action"], seen[spec["action"]])
            order.setdefault(key, index)
            if index > 0 and index in fired:
                reached[key] += 1
    stages = [FunnelStage("send_check", 1, total_sent)]
    for key in sorted(reached, key=lambda k: order[k]):
        stages.append(FunnelStage(key[0], key[1], reached[key]))
    return stages


@dataclass(frozen=True)
class FalseAlarms:
    escalated: int  # checks that went past their first step
    safe: int  # … and ended 「無事」 by a human's word
    person_months: int

    @property
    def per_person_month(self) -> float | None:
        return self.safe / self.person_months if self.person_months else None


def false_alarms(scope: Scope, month: Month, person_months: int) -> FalseAlarms:
    escalated = scope.checks(month).filter(step__gte=2)
    counts = escalated.aggregate(
        escalated=Count("id"),
        safe=Count(
            "id",
            filter=Q(state=Check.State.RESOLVED, close_reason__endswith=SAFE_REASON_SUFFIX),
        ),
    )
    return FalseAlarms(counts["escalated"], counts["safe"], person_months)


# ── visits, alerts and calls ─────────────────────────────────────────────────


@dataclass(frozen=True)
class Visits:
    visits: int
    visits_done: int
    visit_median_hours: float | None
    alerts: int
    alerts_claimed: int
    alerts_resolved: int
    claim_median_minutes: float | None  # created → claimed
    resolve_median_minutes: float | None  # claimed → outcome recorded
    outcomes: dict[str, int] = field(default_factory=dict)


def visits(scope: Scope, month: Month) -> Visits:
    visit_tasks = scope.tasks(month).filter(kind=VISIT_KIND)
    done = list(
        visit_tasks.filter(state=Task.State.DONE, done_at__isnull=False).values_list(
            "created_at", "done_at"
        )
    )
    alerts = list(scope.alerts(month).values("created_at", "claimed_at", "outcome_at", "outcome"))
    claimed = [a for a in alerts if a["claimed_at"] is not None]
    resolved = [a for a in claimed if a["outcome_at"] is not None]
    labels = dict(Alert.Outcome.choices)
    outcomes = Counter(str(labels.get(a["outcome"], a["outcome"])) for a in resolved)
    return Visits(
        visits=visit_tasks.count(),
        visits_done=len(done),
        visit_median_hours=median([m / 60 for m in _minutes_between(done)]),
        alerts=len(alerts),
        alerts_claimed=len(claimed),
        alerts_resolved=len(resolved),
        claim_median_minutes=median(
            _minutes_between((a["created_at"], a["claimed_at"]) for a in claimed)
        ),
        resolve_median_minutes=median(
            _minutes_between((a["claimed_at"], a["outcome_at"]) for a in resolved)
        ),
        outcomes=dict(outcomes),
    )


@dataclass(frozen=True)
class CallMinutes:
    calls: int
    calls_done: int
    recorded: int  # done calls with a duration
    minutes: int | None  # the sum of the recorded durations; None: none recorded (未記録)

    @property
    def unrecorded(self) -> int:
        """Done calls whose duration nobody recorded: the sum leaves them out."""
        return self.calls_done - self.recorded


def call_minutes(scope: Scope, month: Month) -> CallMinutes:
    """Staff call tasks of the month, and the minutes staff recorded for the
    done ones (``Task.duration_minutes``, typed or timed in the call queue)."""
    calls = scope.tasks(month).filter(kind__in=CALL_KINDS)
    counts = calls.aggregate(
        calls=Count("id"),
        done=Count("id", filter=Q(state=Task.State.DONE)),
        recorded=Count(
            "id", filter=Q(state=Task.State.DONE, duration_minutes__isnull=False)
        ),
        total=Sum("duration_minutes", filter=Q(state=Task.State.DONE)),
    )
    recorded = counts["recorded"]
    return CallMinutes(
        counts["calls"],
        counts["done"],
        recorded,
        int(counts["total"]) if recorded else None,
    )


# ── LINE messages ────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class LineMessages:
    paid: int
    free: int
    limit: int | None
    forecast: int | None  # paid by month end; None for a month already over

    @property
    def share_of_plan(self) -> float | None:
        return self.paid / self.limit if self.limit else None


def line_messages(tenant: Tenant, month: Month, now: datetime) -> LineMessages:
    """The tenant's paid pushes and free replies (engine.cost), tenant-wide: the
    plan is the LINE account's. The current month adds the month-end forecast."""
    if now < month.start:
        return LineMessages(0, 0, cost.plan_limit(tenant), 0)
    current = now < month.end
    at = now if current else month.end - timedelta(microseconds=1)
    usage = cost.month_usage(tenant, at, until=None if current else month.end)
    expected = cost.forecast(tenant, now) if current else None
    return LineMessages(usage.paid, usage.free, usage.limit, expected)


# ── the whole report ─────────────────────────────────────────────────────────


@dataclass(frozen=True)
class MonthlyReport:
    scope: Scope
    month: Month
    generated_at: datetime
    enrolment: Enrolment
    answers: Answers
    funnel: list[FunnelStage]
    false_alarms: FalseAlarms
    visits: Visits
    calls: CallMinutes
    line: LineMessages


def monthly_report(scope: Scope, month: Month, now: datetime) -> MonthlyReport:
    people = enrolment(scope, month)
    return MonthlyReport(
        scope=scope,
        month=month,
        generated_at=now,
        enrolment=people,
        answers=answers(scope, month),
        funnel=escalation_funnel(scope, month),
        false_alarms=false_alarms(scope, month, people.active),
        visits=visits(scope, month),
        calls=call_minutes(scope, month),
        line=line_messages(scope.tenant, month, now),
    )
