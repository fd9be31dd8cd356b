"""``/api/people``: list, detail, staff enrolment without LINE, schedule.

Writes go through ``individual.staff_actions`` with the token's ``Actor`` and
are validated by the person's own settings form (``settings_form``), so the
API accepts exactly what the settings page accepts.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Status

from anpi.engine.clock import get_clock
from anpi.individual import staff_actions
from anpi.people import schedule_words
from anpi.people.models import Contact, Person

from .auth import actor_of, audit_read, object_or_404, scoped, token_of
from .paging import PageNumber, PageSize, page_of
from .problems import VALIDATION, Problematic, form_errors
from .schemas import (
    ContactOut,
    ObjectId,
    PeoplePage,
    PersonCreate,
    PersonDetail,
    PersonOut,
    PersonStatus,
    ScheduleIn,
    ScheduleOut,
)

router = Router(tags=["people"])


def schedule_out(person: Person) -> ScheduleOut | None:
    if person.check_time is None:
        return None
    return ScheduleOut(
        kind=person.schedule_kind,
        interval_days=person.interval_days,
        weekdays=schedule_words.weekdays_of(person),
        check_time=person.check_time.strftime("%H:%M"),
        skip_holidays=person.skip_holidays,
        anchor=person.schedule_anchor,
        summary=schedule_words.for_staff(person),
    )


def person_out(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "nickname": person.nickname,
        "display_name": person.display_name,
        "status": person.status,
        "phone": person.phone,
        "line_linked": bool(person.line_user_id),
        "consent_at": person.consent_at,
        "next_check_at": person.next_check_at,
        "created_at": person.created_at,
        "schedule": schedule_out(person),
    }


def _consent(contact: Contact) -> Literal["confirmed", "declined", "waiting"]:
    if contact.declined_at is not None:
        return "declined"
    return "confirmed" if contact.confirmed_at is not None else "waiting"


def _form_data(schedule: ScheduleIn) -> dict[str, Any]:
    """A ``ScheduleIn`` as the settings form's fields."""
    return {
        "schedule_kind": schedule.kind,
        "interval_days": str(schedule.interval_days),
        "weekdays": [str(d) for d in schedule.weekdays],
        "check_time": schedule.check_time,
        "skip_holidays": schedule.skip_holidays,
    }


def _validated(data: dict[str, Any], fields: tuple[str, ...], prefix: str) -> dict[str, Any]:
    form = staff_actions.settings_form(data, fields)
    if not form.is_valid():
        errors = form_errors(form, prefix)
        # The form's names are the settings page's; the API calls the kind "kind".
        for error in errors:
            error["field"] = error["field"].replace(".schedule_kind", ".kind")
        raise Problematic(
            422, "The settings page's rules refuse this input.", type=VALIDATION, errors=errors
        )
    return form.cleaned_data


@router.get("/people", response=PeoplePage, summary="List people")
def list_people(
    request: HttpRequest,
    status: Annotated[PersonStatus | None, Query(description="Only people in this status.")] = None,
    page: PageNumber = 1,
    page_size: PageSize = 50,
) -> dict[str, Any]:
    """People of the token's tenant, by id. Audited (``api.people.list``)."""
    people = scoped(request, Person.objects.all())
    if status:
        people = people.filter(status=status)
    count, items = page_of(people.order_by("id"), page, page_size)
    audit_read(request, "api.people.list", ids=[p.pk for p in items])
    return {
        "count": count,
        "page": page,
        "page_size": page_size,
        "items": [person_out(p) for p in items],
    }


@router.post("/people", response={201: PersonOut}, summary="Enrol a person without LINE")
def create_person(request: HttpRequest, body: PersonCreate) -> Status:
    """Staff enrolment from a paper or Excel list. The person is
    ``registering`` until they link LINE with their own QR code."""
    fields: tuple[str, ...] = staff_actions.ENROL_FIELDS
    data: dict[str, Any] = {"nickname": body.nickname, "phone": body.phone}
    if body.schedule is not None:
        fields += staff_actions.SCHEDULE_FIELDS
        data.update(_form_data(body.schedule))
    cleaned = _validated(data, fields, "body")
    person = staff_actions.do_enrol_person(
        token_of(request).tenant_id, cleaned, actor_of(request), get_clock().now()
    )
    return Status(201, person_out(person))


@router.get("/people/{person_id}", response=PersonDetail, summary="One person")
def get_person(request: HttpRequest, person_id: ObjectId) -> dict[str, Any]:
    """A person with their schedule and emergency contacts' consent.
    Audited (``api.person.read``)."""
    person = object_or_404(request, Person.objects.all(), pk=person_id)
    contacts = [
        ContactOut(id=c.pk, name=c.name, relation=c.relation, consent=_consent(c))
        for c in person.contacts.order_by("id")
    ]
    audit_read(request, "api.person.read", person)
    return {**person_out(person), "contacts": contacts}


@router.get(
    "/people/{person_id}/schedule", response={200: ScheduleOut, 204: None}, summary="A schedule"
)
def get_schedule(request: HttpRequest, person_id: ObjectId) -> Any:
    """When checks come; 204 when the person has no schedule yet."""
    person = object_or_404(request, Person.objects.all(), pk=person_id)
    schedule = schedule_out(person)
    return Status(200, schedule) if schedule is not None else Status(204, None)


@router.put("/people/{person_id}/schedule", response=PersonOut, summary="Change a schedule")
def put_schedule(request: HttpRequest, body: ScheduleIn, person_id: ObjectId) -> dict[str, Any]:
    """Replace when checks come. An active person's next check moves to the
    new schedule and they are told in LINE."""
    person = object_or_404(request, Person.objects.all(), pk=person_id)
    cleaned = _validated(_form_data(body), staff_actions.SCHEDULE_FIELDS, "body")
    person = staff_actions.do_change_schedule(person, cleaned, actor_of(request), get_clock().now())
    return person_out(person)
