"""The call queue (コールキュー) and the outcome buttons of a task."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from anpi.engine import decisions
from anpi.engine.clock import get_clock
from anpi.engine.models import Task
from anpi.engine.tasks import CALL_KINDS, TaskClosed, record_task_outcome
from anpi.tenants.access import StaffRequest, report_view, staff_view, tenant_object_or_404
from anpi.tenants.audit import audited, note

from ..display import CTX, OUTCOME, TASK_STATE, user_label
from ..forms import DecisionForm, TaskOutcomeForm
from .cards import open_tasks, task_cards

QUEUE_LIMIT = 200
# How far back the queue lists calls that expired untouched (期限切れ・未対応).
MISSED_WINDOW = timedelta(days=7)


def missed_calls(tenant, now):
    """Call tasks that expired untouched recently: a failure of the service."""
    return (
        Task.objects.filter(
            tenant=tenant,
            kind__in=CALL_KINDS,
            state=Task.State.EXPIRED,
            done_at__gte=now - MISSED_WINDOW,
        )
        .select_related("person", "contact")
        .order_by("-done_at")
    )


def render_queue(
    request: StaffRequest, bound: TaskOutcomeForm | None = None, task_id: int | None = None
) -> HttpResponse:
    now = get_clock().now()
    queue = open_tasks(request.tenant)
    # Emergencies first; follow-ups of graded answers (少し不調 / 話したい) apart
    # below them: the person answered, so they are never mixed with the calls
    # about people who did not.
    tasks = list(queue.exclude(kind=Task.Kind.FOLLOW_UP)[:QUEUE_LIMIT])
    follow_ups = list(queue.filter(kind=Task.Kind.FOLLOW_UP)[:QUEUE_LIMIT])
    note(
        request,
        person_ids=sorted({t.person_id for t in tasks + follow_ups}),
        task_ids=[t.pk for t in tasks + follow_ups],
    )
    return render(
        request,
        "dashboard/queue.html",
        {
            "cards": task_cards(tasks, now, bound, task_id),
            "follow_ups": task_cards(follow_ups, now, bound, task_id),
            "missed": list(missed_calls(request.tenant, now)[:QUEUE_LIMIT]),
            "now": now,
            "nav": "queue",
            "next_url": reverse("dashboard:home"),
        },
    )


@report_view
def home(request: StaffRequest) -> HttpResponse:
    """The landing page (``/``, where login and the second factor lead): the call
    queue for staff, the pilot report for a viewer (閲覧のみ), who may not open
    the queue. The queue keeps its own ``staff_view``: this only chooses."""
    if not request.membership.sees_people:
        return redirect("reports:monthly")
    return call_queue(request)


@staff_view
@audited("queue.view")
def call_queue(request: StaffRequest) -> HttpResponse:
    return render_queue(request)


def _next_url(request: HttpRequest, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("dashboard:home")


@staff_view
@require_POST
@audited("task.outcome", "Task", "task_id")
def task_outcome(request: StaffRequest, task_id: int) -> HttpResponse:
    """Record 「無事」/「つながらない」/「その他」 for a task, with the call's
    duration in minutes when staff gave it (kept in the audit row too); POST,
    then redirect. Bad input re-renders the page with the error, nothing saved."""
    task = tenant_object_or_404(request, Task.objects.select_related("person"), pk=task_id)
    form = TaskOutcomeForm(request.POST)
    next_url = _next_url(request, request.POST.get("next", ""))
    note(request, person_ids=[task.person_id], outcome=request.POST.get("outcome", "")[:20])
    if not form.is_valid():
        note(request, saved=False)
        person_url = reverse("dashboard:person", args=[task.person_id])
        if next_url.startswith(person_url):
            from .people import render_person

            return render_person(request, task.person, bound=form, task_id=task.pk)
        return render_queue(request, bound=form, task_id=task.pk)

    outcome = form.cleaned_data["outcome"]
    minutes = form.cleaned_data["duration_minutes"]
    note(request, duration_minutes=minutes)
    try:
        record_task_outcome(
            task.pk,
            outcome,
            get_clock(),
            note=form.cleaned_data["note"],
            user=request.user,
            duration_minutes=minutes,
        )
    except TaskClosed:
        note(request, saved=False)
        task.refresh_from_db()
        if task.state == Task.State.DONE:
            text = pgettext(CTX, "This task is already done (handled by %(name)s).") % {
                "name": user_label(task.done_by)
            }
        else:
            text = pgettext(CTX, "This task is already closed (%(state)s).") % {
                "state": TASK_STATE.get(task.state, task.state)
            }
        messages.warning(request, text)
        return redirect(next_url)
    messages.success(
        request,
        pgettext(CTX, "Recorded for %(person)s: %(outcome)s")
        % {"person": task.person.name, "outcome": OUTCOME[outcome]},
    )
    return redirect(next_url)


@staff_view
@require_POST
def task_decision(request: StaffRequest, task_id: int) -> HttpResponse:
    """「次の対応を決める」 or a visit's result (engine.decisions); POST, then redirect."""
    task = tenant_object_or_404(request, Task.objects.select_related("person"), pk=task_id)
    form = DecisionForm(request.POST)
    next_url = _next_url(request, request.POST.get("next", ""))
    # "Visit by" is typed in the tenant's local time.
    with timezone.override(ZoneInfo(request.tenant.timezone)):
        valid = form.is_valid()
    if not valid:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(next_url)
    data = form.cleaned_data
    try:
        decisions.record_decision(
            task.pk,
            data["choice"],
            get_clock(),
            user=request.user,
            note=data["note"],
            visitor=data.get("visitor") or "",
            visit_by=data.get("visit_by"),
            away_until=data.get("away_until"),
        )
    except TaskClosed:
        messages.warning(request, pgettext(CTX, "This task is already closed (%(state)s).") % {
            "state": TASK_STATE.get("done", "done")
        })
        return redirect(next_url)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect(next_url)
    messages.success(
        request,
        pgettext(CTX, "Recorded for %(person)s: %(outcome)s")
        % {"person": task.person.name, "outcome": decisions.LABELS[data["choice"]]},
    )
    return redirect(next_url)
