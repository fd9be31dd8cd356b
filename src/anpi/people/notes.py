"""Staff notes on a person, and the health notes kept only with consent.

``notes`` is free text for staff (encrypted at rest). ``health_notes`` holds
health and disability information, 要配慮個人情報 under APPI: it is stored only
while the person's open consent includes ``health_notes`` (the settings form's
separate checkbox) and shown only to tenant admins and operators (the dashboard's
``staff_view``; watchers have no dashboard and their LINE messages never carry it).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from anpi.tenants import audit
from anpi.tenants.actors import Actor

from .consent import has_purpose
from .models import Consent, Person


class HealthConsentMissing(ValueError):
    """Health notes were given for a person who has not consented to them."""


@transaction.atomic
def do_save_notes(
    person: Person, actor: Actor, now: datetime, *, notes: str, health_notes: str
) -> Person:
    """Save both notes; raises ``HealthConsentMissing`` (and saves nothing) when
    ``health_notes`` is not empty without the person's consent. Audited as
    ``person.notes`` (which notes changed, never their text)."""
    person = Person.objects.select_for_update().get(pk=person.pk)
    if health_notes.strip() and not has_purpose(person, Consent.Purpose.HEALTH_NOTES):
        raise HealthConsentMissing("no consent to keep health notes")
    changed = [
        name
        for name, value in (("notes", notes), ("health_notes", health_notes))
        if getattr(person, name) != value
    ]
    if not changed:
        return person
    person.notes = notes
    person.health_notes = health_notes
    person.save(update_fields=changed)
    audit.record(person.tenant_id, actor, "person.notes", person, now, changed=changed)
    return person
