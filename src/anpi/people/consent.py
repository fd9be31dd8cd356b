"""Consent records (APPI): what a person or a contact agreed to, and withdrawals.

The only writer of ``Consent`` rows. Services call these inside their own
``do_*`` action (which writes the timeline and, for staff, the audit row).

Shapes: ``purposes`` and ``recipients`` are lists of ``Consent.Purpose`` /
``Consent.Recipient`` values (strings). Times are aware UTC datetimes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings

from .models import Consent, Contact, Person

P = Consent.Purpose
R = Consent.Recipient

# Words a person types in LINE to withdraw (normalised: see is_withdraw_text).
WITHDRAW_TEXTS = frozenset(
    {
        "どういてっかい",
        "同意撤回",
        "同意を撤回",
        "同意を撤回する",
        "同意をとりけす",
        "同意を取り消す",
        "同意取り消し",
        "同意取消",
        "どういをとりけす",
        "どういをとりけします",
        "同意を取り消します",
        "同意を撤回します",
    }
)


def is_withdraw_text(text: str) -> bool:
    """「どうい てっかい」「同意を取り消す」 and close variants, in any width, with
    spaces or a trailing 。/！."""
    from .textnorm import normalize_input

    compact = "".join(normalize_input(text or "").split()).rstrip("。.!！")
    return compact in WITHDRAW_TEXTS


def service_purposes(tenant_kind: str, *, health: bool) -> tuple[list[str], list[str]]:
    """(purposes, recipients) that ticking the settings form's agreement means.

    Every service: 安否確認 and 緊急連絡先への連絡, told to staff and contacts. A
    municipal tenant also shares with 民生委員 and the team of watchers and reports
    to the city. ``health``: the separate checkbox for health notes (要配慮).
    """
    purposes = [P.SAFETY_CHECK.value, P.NOTIFY_CONTACTS.value]
    recipients = [R.STAFF.value, R.CONTACTS.value]
    if tenant_kind == "municipal":
        purposes += [P.SHARE_WATCHERS.value, P.CITY_REPORT.value]
        recipients += [R.MINSEI.value, R.TEAM.value, R.CITY.value]
    if health:
        purposes.append(P.HEALTH_NOTES.value)
    return purposes, recipients


def current_consent(person: Person) -> Consent | None:
    """The person's open consent (not withdrawn), or None."""
    return (
        Consent.objects.filter(person=person, for_contact=False, withdrawn_at=None)
        .order_by("-given_at", "-id")
        .first()
    )


def has_purpose(person: Person, purpose: str) -> bool:
    consent = current_consent(person)
    return consent is not None and purpose in consent.purposes


def record_person_consent(
    person: Person, purposes: list[str], recipients: list[str], now: datetime, *, via: str
) -> tuple[Consent, bool]:
    """Record what the person agreed to; returns (consent, changed).

    The same purposes, recipients and terms version as the open consent change
    nothing (saving the settings again is not a new agreement). Anything else
    closes the open one (``withdrawn_via="superseded"``) and makes a new row.
    """
    version = settings.TERMS_VERSION
    open_one = current_consent(person)
    if (
        open_one is not None
        and sorted(open_one.purposes) == sorted(purposes)
        and sorted(open_one.recipients) == sorted(recipients)
        and open_one.terms_version == version
    ):
        return open_one, False
    if open_one is not None:
        _close(Consent.objects.filter(pk=open_one.pk), now, "superseded", None)
    consent = Consent.objects.create(
        tenant_id=person.tenant_id,
        person=person,
        purposes=list(purposes),
        recipients=list(recipients),
        terms_version=version,
        given_at=now,
        given_via=via,
    )
    return consent, True


def record_contact_consent(contact: Contact, now: datetime, *, via: str) -> Consent:
    """The contact agreed to be told (緊急連絡先として知らせを受ける); ``via`` is
    ``contact_page`` or ``staff_phone``. An open one is kept as it is."""
    existing = Consent.objects.filter(contact=contact, withdrawn_at=None).first()
    if existing is not None:
        return existing
    return Consent.objects.create(
        tenant_id=contact.tenant_id,
        person_id=contact.person_id,
        for_contact=True,
        contact=contact,
        purposes=[P.BE_CONTACTED.value],
        recipients=[R.STAFF.value],
        terms_version=settings.TERMS_VERSION,
        given_at=now,
        given_via=via,
    )


def withdraw_contact_consent(contact: Contact, now: datetime, *, via: str) -> int:
    """The contact declined or withdrew; returns the number of rows closed."""
    return _close(Consent.objects.filter(contact=contact, withdrawn_at=None), now, via, None)


def withdraw_person_consent(person: Person, now: datetime, *, via: str, user: Any = None) -> int:
    """Close the person's open consent (the rows stay, with the date, the way
    and the staff user). Returns the number of rows closed (0 if none open)."""
    rows = Consent.objects.filter(person=person, for_contact=False, withdrawn_at=None)
    return _close(rows, now, via, user)


def _close(rows: Any, now: datetime, via: str, user: Any) -> int:
    return rows.update(
        withdrawn_at=now, withdrawn_via=via, withdrawn_by=user if user is not None else None
    )


def consent_rows(person: Person) -> list[dict[str, Any]]:
    """Every consent of the person and their contacts, oldest first, as JSON
    (for the 開示請求 export and the person page)."""
    return [
        {
            "for_contact": c.for_contact,
            "contact_id": c.contact_id,
            "purposes": c.purposes,
            "recipients": c.recipients,
            "terms_version": c.terms_version,
            "given_at": c.given_at.isoformat(),
            "given_via": c.given_via,
            "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
            "withdrawn_via": c.withdrawn_via,
        }
        for c in Consent.objects.filter(person=person).order_by("given_at", "id")
    ]
