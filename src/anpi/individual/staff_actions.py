"""Staff acting for a person: enrolment without LINE, schedule changes and the
dashboard's edit page (settings, roster names and emergency contacts).

Staff (dashboard or the JSON API) use the same validation as the person's own
settings page (``settings_form`` limits ``forms.SettingsForm`` to the fields
staff may set) and the same schedule rule (``apply_schedule``, also used by
``actions.do_save_registration``). Each action writes the person's timeline
with the actor and a ``tenants.audit`` row in one transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import translation

from anpi.engine import timeline
from anpi.engine.outbox import enqueue_push
from anpi.people import schedule_words
from anpi.people.actions import create_person
from anpi.people.models import Person
from anpi.tenants import audit
from anpi.tenants.actors import Actor

from . import messages
from .forms import (
    BaseContactFormSet,
    ContactFormSet,
    RosterNamesForm,
    SettingsForm,
    contacts_initial,
    settings_initial,
)

SCHEDULE_FIELDS = ("schedule_kind", "interval_days", "weekdays", "check_time", "skip_holidays")
ENROL_FIELDS = ("nickname", "phone")
# What staff may change on the dashboard's edit page (consent stays the person's).
STAFF_EDIT_FIELDS = (*ENROL_FIELDS, *SCHEDULE_FIELDS)
PROFILE_FIELDS = ("nickname", "phone", "full_name", "name_kana")
# The timeline's words for PROFILE_FIELDS (the bot writes it in Japanese).
PROFILE_WORDS = {
    "nickname": "ニックネーム",
    "phone": "電話番号",
    "full_name": "氏名",
    "name_kana": "フリガナ",
}


class StaffEditRefused(Exception):
    """The person cannot be edited (their personal data was erased)."""


def settings_form(
    data: Mapping[str, Any] | None, fields: Iterable[str], initial: Mapping[str, Any] | None = None
) -> SettingsForm:
    """The settings page's form, bound to ``data`` (None: unbound, showing
    ``initial``), with only ``fields`` (and the page's own rules for them,
    including the schedule's cross-field rule)."""
    form = SettingsForm(data, initial=initial)
    keep = set(fields)
    for name in list(form.fields):
        if name not in keep:
            del form.fields[name]
    return form


def _schedule_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Cleaned form ``data`` as the Person's schedule columns."""
    kind = data["schedule_kind"]
    weekdays = ",".join(str(d) for d in sorted(data.get("weekdays") or []))
    return {
        "schedule_kind": kind,
        "interval_days": data["interval_days"] if kind == Person.ScheduleKind.INTERVAL else 1,
        "weekdays": weekdays if kind == Person.ScheduleKind.WEEKDAYS else "",
        "check_time": data["check_time"],
        "skip_holidays": bool(data.get("skip_holidays")),
    }


def schedule_differs(person: Person, data: Mapping[str, Any]) -> bool:
    """True if cleaned form ``data`` sets another schedule than ``person`` has."""
    return any(getattr(person, k) != v for k, v in _schedule_values(data).items())


def apply_schedule(person: Person, data: Mapping[str, Any], now: datetime) -> list[str]:
    """Set the schedule fields of ``person`` from cleaned form ``data``; returns
    the fields to save. A new or changed rhythm starts today (the tenant's
    date); an unchanged one keeps its anchor, so that "every 3 days" does not
    drift each time something else is edited."""
    values = _schedule_values(data)
    kind, interval_days, weekdays = (
        values["schedule_kind"],
        values["interval_days"],
        values["weekdays"],
    )
    rhythm_changed = (person.schedule_kind, person.interval_days, person.weekdays) != (
        kind,
        interval_days,
        weekdays,
    )
    person.schedule_kind = kind
    person.interval_days = interval_days
    person.weekdays = weekdays
    person.check_time = values["check_time"]
    person.skip_holidays = values["skip_holidays"]
    if rhythm_changed or person.schedule_anchor is None:
        person.schedule_anchor = now.astimezone(ZoneInfo(person.tenant.timezone)).date()
    return [*SCHEDULE_FIELDS, "schedule_anchor"]


def _staff_words(person: Person) -> str:
    return timeline.in_site_language(lambda: schedule_words.for_staff(person))


@transaction.atomic
def do_enrol_person(
    tenant_id: int, data: Mapping[str, Any], actor: Actor, now: datetime, *, via: str = "staff"
) -> Person:
    """A person staff enrol from a paper or Excel list, without LINE yet.

    ``data``: cleaned ``settings_form`` data with ``nickname`` and ``phone``,
    the schedule fields when staff already know when to ask, and optionally
    ``full_name`` / ``name_kana`` (``enrol.PersonNamesForm``) and ``contacts``
    (rows of ``forms.BaseContactFormSet.contacts``; each is asked for consent
    as when the person adds them: an e-mail, or a staff call for phone only).
    ``via``: how staff enrolled (``"staff"``, ``"api"``, ``"csv"``), kept in
    the audit row.

    The person stays ``registering`` (no checks) until they link LINE with the
    code printed on their sheet (``person_link``) and consent on the settings
    page. Raises ``ValueError`` for more than ``MAX_CONTACTS`` contacts."""
    from .code_tries import CODE_FIELDS
    from .contact_actions import save_contacts
    from .person_link import issue_person_code

    person = create_person(
        tenant_id=tenant_id,
        channel=None,
        nickname=data["nickname"],
        phone=data["phone"],
        full_name=data.get("full_name") or "",
        name_kana=data.get("name_kana") or "",
    )
    fields = list(CODE_FIELDS)
    if data.get("schedule_kind"):
        fields += apply_schedule(person, data, now)
    issue_person_code(person, now)
    person.save(update_fields=fields)
    timeline.record(
        person,
        "enrolled",
        f"スタッフが登録（LINE未連携）: {_staff_words(person)}",
        now,
        actor=actor,
    )
    save_contacts(person, list(data.get("contacts") or []), now)
    audit.record(
        tenant_id, actor, "person.enrol", person, now, nickname=person.nickname, via=via
    )
    return person


@transaction.atomic
def do_change_schedule(
    person: Person, data: Mapping[str, Any], actor: Actor, now: datetime
) -> Person:
    """Staff set when checks come (cleaned ``settings_form`` schedule data).

    An active person's next check moves to the new schedule's next occurrence
    and the person is told in LINE; others keep no next check until they
    become active."""
    from .actions import BOT_LANGUAGE, following_check_time, registration_summary

    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("tenant", "channel")
        .get(pk=person.pk)
    )
    before = _staff_words(person)
    fields = apply_schedule(person, data, now)
    if person.status == Person.Status.ACTIVE:
        person.next_check_at = following_check_time(person, now)
        fields.append("next_check_at")
    person.save(update_fields=fields)
    after = _staff_words(person)
    timeline.record(
        person, "schedule_changed", f"確認の予定を変更: {before} → {after}", now, actor=actor
    )
    audit.record(
        person.tenant_id, actor, "person.schedule", person, now, before=before, after=after
    )
    if person.line_user_id and person.channel_id and person.status == Person.Status.ACTIVE:
        with translation.override(BOT_LANGUAGE):
            summary = registration_summary(person)
        enqueue_push(
            person=person,
            to=person.line_user_id,
            messages=[messages.schedule_changed_by_staff_message(summary, person.language)],
            purpose="registered",
            now=now,
        )
    return person


@transaction.atomic
def do_enrol_people(
    tenant_id: int,
    rows: Iterable[Mapping[str, Any]],
    actor: Actor,
    now: datetime,
    *,
    source: Mapping[str, Any],
) -> list[Person]:
    """Many enrolments at once (a CSV import): each row as ``do_enrol_person``
    (``via="csv"``), all in one transaction, so that an unexpected error saves
    none of them. One ``people.import`` audit row names who imported how many
    persons; ``source`` (file name, encoding, rows skipped …) is kept in it."""
    people = [do_enrol_person(tenant_id, row, actor, now, via="csv") for row in rows]
    audit.record(
        tenant_id,
        actor,
        "people.import",
        None,
        now,
        object_type="Person",
        person_ids=[p.pk for p in people],
        imported=len(people),
        **source,
    )
    return people


class StaffEditForms:
    """The dashboard's edit page for one person, validated by the person's own
    settings page's forms: ``settings`` (``settings_form`` limited to
    ``STAFF_EDIT_FIELDS``), ``contacts`` (the same formset and limit) and
    ``names`` (``forms.RosterNamesForm``, staff only). Unbound (``data`` None)
    they hold the person's current values."""

    def __init__(self, person: Person, data: Mapping[str, Any] | None = None) -> None:
        contact_rows, self.contact_objects = contacts_initial(person)
        self.has_schedule = person.check_time is not None
        if data is None:
            self.settings = settings_form(None, STAFF_EDIT_FIELDS, settings_initial(person))
            self.contacts = cast(
                BaseContactFormSet, ContactFormSet(initial=contact_rows, prefix="contacts")
            )
            self.names = RosterNamesForm(
                initial={"full_name": person.full_name, "name_kana": person.name_kana}
            )
        else:
            # With the page's initial values, so that changed_data says what staff touched.
            self.settings = settings_form(data, STAFF_EDIT_FIELDS, settings_initial(person))
            self.contacts = cast(
                BaseContactFormSet, ContactFormSet(data, initial=contact_rows, prefix="contacts")
            )
            self.names = RosterNamesForm(data)

    def is_valid(self) -> bool:
        # Every form is validated (no short-circuit), so all errors show at once.
        return all([self.settings.is_valid(), self.contacts.is_valid(), self.names.is_valid()])

    def cleaned_data(self) -> dict[str, Any]:
        """The data for ``do_staff_edit_person`` (only after ``is_valid()``)."""
        # A person without a schedule yet (registering) is shown the page's
        # defaults; saving their name must not quietly give them a schedule.
        touched = any(f in self.settings.changed_data for f in SCHEDULE_FIELDS)
        return {
            **self.settings.cleaned_data,
            **self.names.cleaned_data,
            "contacts": self.contacts.contacts(),
            "set_schedule": self.has_schedule or touched,
        }


def staff_edit_forms(person: Person, data: Mapping[str, Any] | None = None) -> StaffEditForms:
    """The edit page's forms for ``person``, bound to ``data`` (a POST) or not."""
    return StaffEditForms(person, data)


@transaction.atomic
def do_staff_edit_person(
    person: Person, data: Mapping[str, Any], actor: Actor, now: datetime
) -> Person:
    """Staff change a person's settings, roster names and contacts: all of it
    or (on any error) nothing, in one transaction.

    ``data``: ``StaffEditForms.cleaned_data()`` — nickname, phone (E.164),
    the schedule fields, full_name, name_kana (katakana), contacts (rows of
    ``forms.BaseContactFormSet.contacts``) and set_schedule (False: leave the
    schedule as it is; default True). Writes, each with ``actor``:

    - the profile fields that changed, a ``staff_edited`` timeline entry naming
      them and a ``person.edit`` audit row (field names, never values);
    - a changed schedule through ``do_change_schedule`` (its own timeline
      entry and audit row; an active person is told in LINE);
    - contacts through ``contact_actions.save_contacts``: a new or re-addressed
      contact counts only after consenting (an e-mail link, or staff record a
      phone-only contact's consent with ``do_confirm_contact_by_staff``).

    Raises StaffEditRefused for an erased person, ValueError past the contact
    limit (nothing saved).
    """
    from .contact_actions import save_contacts

    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("tenant", "channel")
        .get(pk=person.pk)
    )
    if person.erased_at is not None:
        raise StaffEditRefused("erased")
    changed = [f for f in PROFILE_FIELDS if getattr(person, f) != data[f]]
    for field in changed:
        setattr(person, field, data[field])
    if changed:
        person.save(update_fields=changed)
    if data.get("set_schedule", True) and schedule_differs(person, data):
        person = do_change_schedule(person, data, actor, now)
    contacts = save_contacts(person, list(data.get("contacts") or []), now, actor=actor)
    if changed:
        words = "、".join(PROFILE_WORDS[f] for f in changed)
        timeline.record(person, "staff_edited", f"スタッフが変更: {words}", now, actor=actor)
    if changed or contacts:
        audit.record(
            person.tenant_id,
            actor,
            "person.edit",
            person,
            now,
            fields=changed,
            contacts={kind: contacts.count(kind) for kind in sorted(set(contacts))},
        )
    return person
