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
from anpi.people.consent import current_consent
from anpi.people.lookups import looks_like_phone, phone_q
from anpi.people.models import Consent, Contact, Person
from anpi.tenants.access import StaffRequest, scoped, staff_view, tenant_object_or_404
from anpi.tenants.audit import audited, note

from ..display import (
    ANSWER_GRADE,
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
from .privacy import NotesForm

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
@audited("people.list")
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
            # Phone numbers are encrypted: only an exact match on the whole
            # normalised number is possible (people.lookups), never a part of it.
            match = Q(nickname__icontains=q) | Q(display_name__icontains=q)
            if looks_like_phone(q):
                match |= phone_q(q)
            people = people.filter(match)
        if form.cleaned_data["light"]:
            people = people.filter(light=form.cleaned_data["light"])
    page = Paginator(people.order_by("nickname", "display_name", "id"), PEOPLE_PER_PAGE).get_page(
        request.GET.get("page")
    )
    now = get_clock().now()
    rows = [_row(p, now) for p in page]
    note(
        request,
        person_ids=[row["person"].pk for row in rows],
        query={k: request.GET.get(k, "") for k in ("q", "light", "page") if k in request.GET},
    )
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
    contacts: list[dict[str, Any]] = []
    for contact in Contact.objects.filter(tenant=request.tenant, person=person).order_by("id"):
        css, label = contact_consent(contact)
        contacts.append({"contact": contact, "consent_class": css, "consent_label": label})
    tasks = open_tasks(request.tenant).filter(person=person)
    note(request, person_ids=[person.pk], contact_ids=[c["contact"].pk for c in contacts])
    checks = Check.objects.filter(
        tenant=request.tenant, person=person, state=Check.State.OPEN
    ).order_by("-due_at")
    last_answer = (
        Check.objects.filter(tenant=request.tenant, person=person, state=Check.State.ANSWERED)
        .order_by("-answered_at")
        .only("answered_at", "answer_grade")
        .first()
    )
    consent = current_consent(person)
    purpose_labels = dict(Consent.Purpose.choices)
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
            "last_answer": last_answer,
            # Answers from before graded answers have no grade: they were OKs.
            "last_answer_grade": ANSWER_GRADE.get(last_answer.answer_grade or "ok", "")
            if last_answer
            else "",
            "timeline": timeline,
            "nav": "people",
            "next_url": reverse("dashboard:person", args=[person.pk]),
            "consent": consent,
            "consent_purposes": [purpose_labels.get(p, p) for p in consent.purposes]
            if consent
            else [],
            "health_allowed": consent is not None and "health_notes" in consent.purposes,
            "is_admin": request.membership.role == "admin",
            "notes_form": NotesForm(
                initial={"notes": person.notes, "health_notes": person.health_notes}
            ),
        },
    )


@staff_view
@audited("person.view", "Person", "person_id")
def person_detail(request: StaffRequest, person_id: int) -> HttpResponse:
    person = tenant_object_or_404(request, Person.objects.all(), pk=person_id)
    return render_person(request, person)


@staff_view
@require_POST
@audited("contact.confirm", "Contact", "contact_id")
def contact_confirm(request: StaffRequest, contact_id: int) -> HttpResponse:
    """「電話で同意を確認した」: staff confirmed a contact's consent by phone."""
    contact = tenant_object_or_404(request, Contact.objects.select_related("person"), pk=contact_id)
    note(request, person_ids=[contact.person_id])
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
