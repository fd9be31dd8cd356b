"""A person's data as JSON, for a disclosure request (開示請求, APPI art. 33).

``export_person`` gathers everything anpi holds about one person, decrypted:
the profile (with staff notes and health notes), contacts, consents (with
withdrawals), pauses, checks, tasks, the timeline and the messages sent. It
writes the audit row ``person.export`` with the acting staff user, in the same
transaction as the read.

Shape (all times ISO 8601 UTC)::

    {"format": "anpi.person-export/1", "exported_at": ..., "tenant": {...},
     "person": {...}, "contacts": [...], "consents": [...], "pauses": [...],
     "checks": [...], "tasks": [...], "timeline": [...], "messages": [...]}
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from django.db import transaction

from anpi.people import consent as consents
from anpi.people.models import Person
from anpi.tenants import audit
from anpi.tenants.actors import Actor

from .models import Check, Outbox, Task, TimelineEntry

PERSON_FIELDS = (
    "id", "nickname", "display_name", "full_name", "name_kana", "language", "phone",
    "line_user_id", "status", "notes",
    "health_notes", "schedule_kind", "interval_days", "weekdays", "check_time",
    "skip_holidays", "next_check_at", "consent_at", "consent_withdrawn_at",
    "created_at", "blocked_at", "erased_at",
)  # fmt: skip


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _row(obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: _json(getattr(obj, name)) for name in names}


@transaction.atomic
def export_person(person: Person, actor: Actor, now: datetime) -> dict[str, Any]:
    """Everything about ``person`` (module docstring for the shape); audited."""
    tenant = person.tenant
    data = {
        "format": "anpi.person-export/1",
        "exported_at": now.isoformat(),
        "tenant": {"id": tenant.pk, "name": tenant.name},
        "person": _row(person, PERSON_FIELDS),
        "contacts": [
            _row(c, ("id", "name", "relation", "phone", "email", "confirmed_at", "declined_at"))
            for c in person.contacts.order_by("id")
        ],
        "consents": consents.consent_rows(person),
        "pauses": [
            _row(p, ("starts_on", "ends_on", "reason", "set_by_label", "created_at", "ended_early_at"))
            for p in person.pauses.all()
        ],
        "checks": [
            _row(c, ("id", "due_at", "state", "answered_at", "closed_at", "close_reason"))
            for c in Check.objects.filter(person=person).order_by("due_at")
        ],
        "tasks": [
            _row(t, ("id", "kind", "state", "reason", "outcome", "note", "created_at", "done_at"))
            for t in Task.objects.filter(person=person).order_by("created_at")
        ],
        "timeline": [
            _row(e, ("at", "kind", "text"))
            for e in TimelineEntry.objects.filter(person=person).order_by("at", "id")
        ],
        "messages": [
            _row(o, ("created_at", "sent_at", "transport", "purpose", "state", "payload"))
            for o in Outbox.objects.filter(person=person).order_by("created_at", "id")
        ],
    }
    audit.record(person.tenant_id, actor, "person.export", person, now)
    return data
