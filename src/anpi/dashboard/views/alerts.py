"""The alerts board (アラート): every open alert of the tenant across the three
services, with claim, assign (admins) and outcome.

The views only read and validate; every change is an action with the staff
user as the actor (``engine.assignment`` for an incident's staff tasks,
``groups.staff_alerts`` for group and team alerts, ``engine.tasks`` /
``engine.decisions`` through the call queue's own views for a task's outcome),
and each action writes its audit row and timeline entry itself. Objects of
another tenant are a plain 404; assigning is for admins (others: 403).
"""

from __future__ import annotations

from django.contrib import messages
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from anpi.engine import assignment
from anpi.engine.clock import get_clock
from anpi.engine.models import Check
from anpi.groups import staff_alerts
from anpi.groups.models import Alert
from anpi.tenants.access import StaffRequest, admin_view, staff_view
from anpi.tenants.actors import Actor
from anpi.tenants.audit import audited, note

from ..alert_forms import CTX, AlertOutcomeForm, AssignForm, BoardFilterForm
from ..alerts_board import board_rows, filter_rows
from .queue import _next_url


@staff_view
@audited("alerts.view")
def alerts_board(request: StaffRequest) -> HttpResponse:
    """GET: the board, filtered by ``service``, ``team`` and ``who`` (mine /
    unclaimed). Audited with the persons it showed."""
    now = get_clock().now()
    filters = BoardFilterForm(request.GET or None, tenant=request.tenant)
    rows = board_rows(request.tenant, request.user, now)
    if filters.is_valid():
        data = filters.cleaned_data
        team = data.get("team")
        rows = filter_rows(
            rows,
            service=data.get("service") or "",
            team_id=team.pk if team is not None else None,
            who=data.get("who") or "",
        )
    note(request, person_ids=sorted({row.person.pk for row in rows}), query=request.GET.urlencode())
    return render(
        request,
        "dashboard/alerts.html",
        {
            "nav": "alerts",
            "rows": rows,
            "filters": filters,
            "assign_form": AssignForm(tenant=request.tenant),
            "outcome_form": AlertOutcomeForm(),
            "is_admin": request.membership.role == "admin",
            "next_url": request.get_full_path(),
            "now": now,
        },
    )


def _back(request: StaffRequest) -> HttpResponse:
    return redirect(_next_url(request, request.POST.get("next") or reverse("dashboard:alerts")))


def _refused(request: StaffRequest, form: Form) -> HttpResponse:
    """Bad input: each error as a message on the board, nothing saved."""
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return _back(request)


def _taken(request: StaffRequest, holder: str) -> None:
    messages.warning(
        request, pgettext(CTX, "%(name)s is already handling this alert.") % {"name": holder}
    )


@staff_view
@require_POST
def incident_claim(request: StaffRequest, check_id: int) -> HttpResponse:
    """「自分が対応する」 on an incident: take its open staff tasks."""
    try:
        result = assignment.claim_incident_tasks(
            check_id, request.tenant.pk, Actor.staff(request.user), get_clock().now()
        )
    except Check.DoesNotExist:
        raise Http404 from None
    if result.word == "taken":
        _taken(request, assignment.staff_name(result.holder))
    elif result.word == "no_task":
        messages.warning(request, pgettext(CTX, "There is no open staff task to take right now."))
    else:
        messages.success(request, pgettext(CTX, "You are handling this alert."))
    return _back(request)


@admin_view
@require_POST
def incident_assign(request: StaffRequest, check_id: int) -> HttpResponse:
    """An admin gives an incident's open staff tasks to a colleague."""
    if not Check.objects.filter(pk=check_id, tenant=request.tenant).exists():
        raise Http404
    form = AssignForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        return _refused(request, form)
    assignee = form.cleaned_data["assignee"]
    changed = assignment.assign_incident_tasks(
        check_id, request.tenant.pk, assignee, Actor.staff(request.user), get_clock().now()
    )
    if changed:
        messages.success(
            request,
            pgettext(CTX, "Assigned to %(name)s.") % {"name": assignment.staff_name(assignee)},
        )
    else:
        messages.warning(request, pgettext(CTX, "There is no open staff task to assign right now."))
    return _back(request)


def _alert_result(request: StaffRequest, result: staff_alerts.AlertResult) -> None:
    if result.word in ("taken", "not_holder"):
        _taken(request, result.holder)
    elif result.word == "closed":
        messages.warning(request, pgettext(CTX, "This alert is already closed."))


@staff_view
@require_POST
def alert_claim(request: StaffRequest, alert_id: int) -> HttpResponse:
    """「自分が対応する」 on a group or team alert (first claim wins, LINE or board)."""
    try:
        result = staff_alerts.do_claim_alert(
            alert_id, request.tenant.pk, Actor.staff(request.user), get_clock().now()
        )
    except Alert.DoesNotExist:
        raise Http404 from None
    _alert_result(request, result)
    if result.word in ("claimed", "already_yours"):
        messages.success(request, pgettext(CTX, "You are handling this alert."))
    return _back(request)


@admin_view
@require_POST
def alert_assign(request: StaffRequest, alert_id: int) -> HttpResponse:
    """An admin gives a group or team alert to a colleague."""
    if not Alert.objects.filter(pk=alert_id, tenant=request.tenant).exists():
        raise Http404
    form = AssignForm(request.POST, tenant=request.tenant)
    if not form.is_valid():
        return _refused(request, form)
    result = staff_alerts.do_assign_alert(
        alert_id,
        request.tenant.pk,
        form.cleaned_data["assignee"],
        Actor.staff(request.user),
        get_clock().now(),
    )
    _alert_result(request, result)
    if result.word == "claimed":
        messages.success(request, pgettext(CTX, "Assigned to %(name)s.") % {"name": result.holder})
    return _back(request)


@staff_view
@require_POST
def alert_outcome(request: StaffRequest, alert_id: int) -> HttpResponse:
    """The holder of a group or team alert records what they found."""
    if not Alert.objects.filter(pk=alert_id, tenant=request.tenant).exists():
        raise Http404
    form = AlertOutcomeForm(request.POST)
    if not form.is_valid():
        return _refused(request, form)
    result = staff_alerts.do_record_alert_outcome(
        alert_id,
        request.tenant.pk,
        form.cleaned_data["outcome"],
        form.cleaned_data["note"],
        Actor.staff(request.user),
        get_clock().now(),
    )
    _alert_result(request, result)
    if result.word == "recorded":
        messages.success(request, pgettext(CTX, "Recorded the outcome."))
    return _back(request)
