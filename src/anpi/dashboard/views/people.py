"""People (利用者): the list with status lights and one person's page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from anpi.engine.clock import get_clock
from anpi.engine.models import Check
from anpi.groups.models import TeamWatcher
from anpi.individual import actions as people_actions
from anpi.people import linkcodes
from anpi.people.models import Contact, Person
from anpi.tenants.access import StaffRequest, scoped, staff_view, tenant_object_or_404

from ..display import (
    CTX,
    LIGHTS,
    PERSON_STATUS,
    contact_consent,
    registration_stuck,
    schedule_words,
)
from ..forms import PeopleFilterForm, TaskOutcomeForm
from ..status import PersonWithStatus, with_status
from .cards import open_tasks, task_cards

PEOPLE_PER_PAGE = 50
TIMELINE_PER_PAGE = 20


def _staff_confirm_action():
    """people.actions.do_confirm_contact_by_staff, once it exists (another change adds it)."""
    return getattr(people_actions, "do_confirm_contact_by_staff", None)


def _row(p: PersonWithStatus, now: datetime) -> dict[str, Any]:
    # A function of its own so that ``p`` keeps its annotations' type: the
    # django-stubs plugin loses them on a Page's items.
    return {
        "person": p,
        "schedule": schedule_words(p),
        "light_label": LIGHTS[p.light],
        "status_label": PERSON_STATUS.get(p.status, p.status),
        "attention": registration_stuck(p, now),
    }


@staff_view
def people_list(request: StaffRequest) -> HttpResponse:
    form = PeopleFilterForm(request.GET or None)
    # Watchers (見守る人) who friended the account are not 利用者: listed apart.
    watchers = TeamWatcher.objects.filter(tenant=request.tenant).select_related("team")
    watcher_ids = TeamWatcher.objects.filter(tenant=request.tenant).exclude(line_user_id="")
    people = with_status(
        scoped(request, Person.objects.all()).exclude(
            Q(line_user_id__in=watcher_ids.values("line_user_id")) & Q(team_link__isnull=True)
        )
    )
    if form.is_valid():
        q = form.cleaned_data["q"].strip()
        if q:
            people = people.filter(
                Q(nickname__icontains=q) | Q(display_name__icontains=q) | Q(phone__icontains=q)
            )
        if form.cleaned_data["light"]:
            people = people.filter(light=form.cleaned_data["light"])
    page = Paginator(people.order_by("nickname", "display_name", "id"), PEOPLE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    now = get_clock().now()
    rows = [_row(p, now) for p in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard/people_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "nav": "people",
            "query": query.urlencode(),
            "watchers": watchers.order_by("team__name", "name"),
        },
    )


def render_person(
    request: StaffRequest,
    person: Person,
    bound: TaskOutcomeForm | None = None,
    task_id: int | None = None,
) -> HttpResponse:
    now = get_clock().now()
    light = with_status(Person.objects.filter(pk=person.pk)).values_list("light", flat=True)[0]
    contacts = []
    for contact in Contact.objects.filter(tenant=request.tenant, person=person).order_by("id"):
        css, label = contact_consent(contact)
        contacts.append({"contact": contact, "consent_class": css, "consent_label": label})
    tasks = open_tasks(request.tenant).filter(person=person)
    checks = Check.objects.filter(
        tenant=request.tenant, person=person, state=Check.State.OPEN
    ).order_by("-due_at")
    timeline = Paginator(
        person.timeline.filter(tenant=request.tenant).order_by("-at", "-id"), TIMELINE_PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "dashboard/person.html",
        {
            "person": person,
            "light": light,
            "light_label": LIGHTS[light],
            "status_label": PERSON_STATUS.get(person.status, person.status),
            "schedule": schedule_words(person),
            "contacts": contacts,
            "can_confirm_contacts": _staff_confirm_action() is not None,
            "cards": task_cards(tasks, now, bound, task_id),
            "open_checks": checks,
            "timeline": timeline,
            "nav": "people",
            "next_url": reverse("dashboard:person", args=[person.pk]),
        },
    )


@staff_view
def person_detail(request: StaffRequest, person_id: int) -> HttpResponse:
    person = tenant_object_or_404(request, Person.objects.all(), pk=person_id)
    return render_person(request, person)


@staff_view
@require_POST
def contact_confirm(request: StaffRequest, contact_id: int) -> HttpResponse:
    """「電話で同意を確認した」: staff confirmed a contact's consent by phone."""
    contact = tenant_object_or_404(request, Contact.objects.select_related("person"), pk=contact_id)
    action = _staff_confirm_action()
    if action is None:
        messages.error(request, pgettext(CTX, "This is not available yet."))
    else:
        contact = action(contact, request.user, get_clock().now())
        text = pgettext(CTX, "Recorded the consent of %(name)s.") % {"name": contact.name}
        if contact.link_code:
            # Read out on the phone so the contact can link their LINE too.
            text += " " + pgettext(CTX, "LINE link code: %(code)s") % {
                "code": linkcodes.display(contact.link_code)
            }
        messages.success(request, text)
    return redirect("dashboard:person", contact.person_id)
