"""``/api/checks`` and ``/api/alerts``: read-only views of the engine's work.

Both are personal data (who did not answer, what a watcher found), so every
read is audited (``api.checks.list``, ``api.check.read``, ``api.alerts.list``,
``api.alert.read``).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from datetime import date as Day
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Query, Router

from anpi.engine.models import Check
from anpi.groups.models import Alert

from .auth import audit_read, object_or_404, scoped, token_of
from .paging import PageNumber, PageSize, page_of
from .schemas import MAX_ID, AlertOut, AlertsPage, CheckOut, ChecksPage, ObjectId

router = Router()


def check_out(check: Check) -> dict[str, Any]:
    return {
        "id": check.pk,
        "person_id": check.person_id,
        "due_at": check.due_at,
        "state": check.state,
        "step": check.step,
        "current_action": check.current_action(),
        "next_action_at": check.next_action_at,
        "answered_at": check.answered_at,
        "closed_at": check.closed_at,
        "close_reason": check.close_reason,
        "answer_grade": check.answer_grade,
        "created_at": check.created_at,
    }


def alert_out(alert: Alert) -> dict[str, Any]:
    return {
        "id": alert.pk,
        "person_id": alert.person_id,
        "check_id": alert.check_run_id,
        "team_id": alert.team_id,
        "group_id": alert.group_id,
        "state": alert.state,
        "rounds": alert.rounds,
        "claimed_by_name": alert.claimed_by_name,
        "claimed_at": alert.claimed_at,
        "outcome": alert.outcome,
        "note": alert.note,
        "outcome_at": alert.outcome_at,
        "created_at": alert.created_at,
    }


def local_day(request: HttpRequest, day: date) -> tuple[datetime, datetime]:
    """[start, end) of ``day`` in the token's tenant's time zone."""
    zone = ZoneInfo(token_of(request).tenant.timezone)
    start = datetime.combine(day, time(0), tzinfo=zone)
    return start, start + timedelta(days=1)


@router.get("/checks", response=ChecksPage, tags=["checks"], summary="List checks")
def list_checks(
    request: HttpRequest,
    person: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Only this person's.")] = None,
    date: Annotated[
        Day | None, Query(description="Due on this local date (tenant's zone).")
    ] = None,
    state: Literal["open", "answered", "resolved", "cancelled"] | None = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    """Checks, newest due first."""
    checks = scoped(request, Check.objects.all())
    if person is not None:
        checks = checks.filter(person_id=person)
    if date is not None:
        start, end = local_day(request, date)
        checks = checks.filter(due_at__gte=start, due_at__lt=end)
    if state:
        checks = checks.filter(state=state)
    count, items = page_of(checks.order_by("-due_at", "-id"), page, page_size)
    audit_read(request, "api.checks.list", ids=[c.pk for c in items])
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [check_out(c) for c in items],
    }


@router.get("/checks/{check_id}", response=CheckOut, tags=["checks"], summary="One check")
def get_check(request: HttpRequest, check_id: ObjectId) -> dict[str, Any]:
    check = object_or_404(request, Check.objects.all(), pk=check_id)
    audit_read(request, "api.check.read", check)
    return check_out(check)


@router.get("/alerts", response=AlertsPage, tags=["alerts"], summary="List alerts")
def list_alerts(
    request: HttpRequest,
    state: Literal["open", "claimed", "resolved", "closed"] | None = None,
    person: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    """Group and team alerts (つながり, 安否通知), newest first."""
    alerts = scoped(request, Alert.objects.all())
    if state:
        alerts = alerts.filter(state=state)
    if person is not None:
        alerts = alerts.filter(person_id=person)
    count, items = page_of(alerts.order_by("-created_at", "-id"), page, page_size)
    audit_read(request, "api.alerts.list", ids=[a.pk for a in items])
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [alert_out(a) for a in items],
    }


@router.get("/alerts/{alert_id}", response=AlertOut, tags=["alerts"], summary="One alert")
def get_alert(request: HttpRequest, alert_id: ObjectId) -> dict[str, Any]:
    alert = object_or_404(request, Alert.objects.all(), pk=alert_id)
    audit_read(request, "api.alert.read", alert)
    return alert_out(alert)
