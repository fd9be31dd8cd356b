"""People (利用者): the list with status lights and one person's page."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from anpi.engine.clock import get_clock
from anpi.engine.models import Check
from anpi.groups.models import Team, TeamWatcher
from anpi.individual import staff_actions
from anpi.individual.contact_actions import do_confirm_contact_by_staff
from anpi.individual.forms import MAX_CONTACTS
from anpi.people import linkcodes
from anpi.people.consent import current_consent
from anpi.people.models import Consent, Contact, Person
from anpi.tenants.access import StaffRequest, scoped, staff_view, tenant_object_or_404
from anpi.tenants.actors import Actor
from anpi.tenants.audit import audited, note

from ..display import (
    ANSWER_GRADE,
    CTX,
    PERSON_STATUS,
    contact_consent,
    light_label,
    registration_stuck,
    schedule_words,
)
from ..forms import PeopleFilterForm, TaskOutcomeForm
from ..people_query import DEFAULT_SORT, PER_PAGE, PeopleQuery, matching_ids, page_rows
from ..status import PersonWithStatus, with_status
from .cards import open_tasks, task_cards
from .pauses import pause_context
from .privacy import NotesForm

PEOPLE_PER_PAGE = PER_PAGE
# The people list's query string: search, filters, sort and page.
LIST_PARAMS = ("q", "light", "team", "schedule", "answered", "sort", "page")
TIMELINE_PER_PAGE = 20


def _row(p: PersonWithStatus, now: datetime) -> dict[str, Any]:
    # A function of its own so that ``p`` keeps its annotations' type: the
    # django-stubs plugin loses them on a Page's items.
    return {
        "person": p,
        "schedule": schedule_words(p),
        "light_label": light_label(p.light, p.status),
        "status_label": PERSON_STATUS.get(p.status, p.status),
        "attention": registration_stuck(p, now),
    }


@staff_view
@audited("people.list")
def people_list(request: StaffRequest) -> HttpResponse:
    teams = list(
        Team.objects.filter(tenant=request.tenant).order_by("name").values_list("id", "name")
    )
    form = PeopleFilterForm(request.GET or None, teams=teams)
    # Watchers (見守る人) who friended the account are not 利用者: listed apart.
    watchers = TeamWatcher.objects.filter(tenant=request.tenant).select_related("team")
    watcher_ids = TeamWatcher.objects.filter(tenant=request.tenant).exclude(line_user_id="")
    people = scoped(request, Person.objects.all()).exclude(
        Q(line_user_id__in=watcher_ids.values("line_user_id")) & Q(team_link__isnull=True)
    )
    # A value that is not a choice (a team of another tenant, an old bookmark)
    # is left out; the other conditions still apply.
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # cleaned_data then holds the fields that are valid
        data = form.cleaned_data
    wanted = PeopleQuery(
        q=(data.get("q") or "").strip(),
        light=data.get("light") or "",
        team=data.get("team"),
        schedule=data.get("schedule") or "",
        answered=data.get("answered") or "",
        sort=data.get("sort") or DEFAULT_SORT,
    )
    now = get_clock().now()
    # Two steps in SQL: the count and one page of ids (filters and sort), then
    # that page's persons with their lights (people_query).
    ids = matching_ids(people, wanted, now, ZoneInfo(request.tenant.timezone))
    page = Paginator(ids, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    page_ids = cast(QuerySet[Any, Any], page.object_list)  # a slice of ``ids``
    rows = [_row(p, now) for p in page_rows(page_ids, wanted.sort)]
    note(
        request,
        person_ids=[row["person"].pk for row in rows],
        query={k: request.GET.get(k, "") for k in LIST_PARAMS if k in request.GET},
    )
    # The pager's links keep the search, filters and sort (bookmarkable pages).
    query = QueryDict(mutable=True)
    for key in LIST_PARAMS:
        if key != "page" and request.GET.get(key):
            query[key] = request.GET[key]
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
            "light_label": light_label(light, person.status),
            "status_label": PERSON_STATUS.get(person.status, person.status),
            "schedule": schedule_words(person),
            "contacts": contacts,
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
            **pause_context(person, now),
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
    contact = do_confirm_contact_by_staff(contact, request.user, get_clock().now())
    text = pgettext(CTX, "Recorded the consent of %(name)s.") % {"name": contact.name}
    if contact.link_code:
        # Read out on the phone so the contact can link their LINE too.
        text += " " + pgettext(CTX, "LINE link code: %(code)s") % {
            "code": linkcodes.display(contact.link_code)
        }
    messages.success(request, text)
    return redirect("dashboard:person", contact.person_id)


def _contact_rows(edit: staff_actions.StaffEditForms) -> list[dict[str, Any]]:
    """Each contact form with its contact (for the consent label), numbered."""
    by_id = {c.pk: c for c in edit.contact_objects}
    rows = []
    for number, form in enumerate(edit.contacts.forms, start=1):
        raw_id = form["contact_id"].value()
        contact = by_id.get(int(raw_id)) if str(raw_id or "").isdigit() else None
        consent = contact_consent(contact) if contact is not None else None
        rows.append({"form": form, "contact": contact, "consent": consent, "number": number})
    return rows


@staff_view
@require_http_methods(["GET", "POST"])
@audited("person.edit_form", "Person", "person_id")
def person_edit(request: StaffRequest, person_id: int) -> HttpResponse:
    """Staff edit a person's settings, roster names and emergency contacts,
    validated by the person's own settings page's forms and saved by
    ``staff_actions.do_staff_edit_person`` (all or nothing, audited there)."""
    person = tenant_object_or_404(request, Person.objects.select_related("tenant"), pk=person_id)
    if person.erased_at is not None:
        messages.error(request, pgettext(CTX, "This person's personal data was erased."))
        return redirect("dashboard:person", person.pk)
    error = ""
    if request.method == "POST":
        edit = staff_actions.staff_edit_forms(person, request.POST)
        if edit.is_valid():
            try:
                staff_actions.do_staff_edit_person(
                    person, edit.cleaned_data(), Actor.staff(request.user), get_clock().now()
                )
            except staff_actions.StaffEditRefused:
                messages.error(request, pgettext(CTX, "This person's personal data was erased."))
                return redirect("dashboard:person", person.pk)
            except ValueError:
                # More contacts than the limit (one added meanwhile): nothing was saved.
                error = pgettext(CTX, "A person can have at most %(n)s emergency contacts.") % {
                    "n": MAX_CONTACTS
                }
            else:
                note(request, skip=True)  # the action wrote "person.edit"
                messages.success(request, pgettext(CTX, "Saved the changes."))
                return redirect("dashboard:person", person.pk)
    else:
        edit = staff_actions.staff_edit_forms(person)
    note(request, person_ids=[person.pk], contact_ids=[c.pk for c in edit.contact_objects])
    has_errors = bool(
        error
        or edit.settings.errors
        or edit.names.errors
        or any(edit.contacts.errors)
        or edit.contacts.non_form_errors()
    )
    return render(
        request,
        "dashboard/person_edit.html",
        {
            "person": person,
            "edit": edit,
            "contact_rows": _contact_rows(edit),
            "error": error,
            "has_errors": has_errors,
            "nav": "people",
        },
    )
