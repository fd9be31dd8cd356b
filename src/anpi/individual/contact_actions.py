"""State changes of emergency contacts: asking for their consent, saving the
rows of the settings form, and their answer (引き受ける / お断りする, or
staff who confirmed it by phone). Part of the individual service's actions
layer (``actions``); views call these, never save contacts themselves.

Nobody is asked before the person has agreed (APPI: personal data goes to a
third party only with consent); a contact counts only once they consented.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import transaction

from anpi.engine import timeline
from anpi.engine.outbox import enqueue_push
from anpi.people import consent as consents
from anpi.people.models import Contact, Person
from anpi.tenants.actors import Actor

from . import code_tries, contact_link, messages
from .forms import MAX_CONTACTS


def contact_confirm_url(contact: Contact) -> str:
    from django.conf import settings
    from django.urls import reverse

    return settings.BASE_URL + reverse("individual:contact-confirm", args=[contact.token])


def _ask_contact_consent(person: Person, contact: Contact, now: datetime) -> None:
    """E-mail the consent link; a phone-only contact waits for a staff call
    (the dashboard lists unconfirmed contacts as 同意確認待ち（電話）)."""
    from anpi.engine.outbox import enqueue_email

    if not contact.email:
        return
    subject, body = messages.contact_request_email(
        person.name,
        person.tenant.name,
        contact.relation,
        contact_confirm_url(contact),
        person.language,
    )
    enqueue_email(
        tenant_id=person.tenant_id,
        to=contact.email,
        subject=subject,
        body=body,
        purpose="contact_confirm",
        now=now,
        person=person,
        contact=contact,
    )


def ask_waiting_contacts(person: Person, now: datetime) -> int:
    """The person has just agreed: ask the contacts staff entered before that
    (``token_issued_at`` None, neither confirmed nor declined). Returns how many."""
    waiting = list(
        Contact.objects.select_for_update().filter(
            person=person,
            token_issued_at__isnull=True,
            confirmed_at__isnull=True,
            declined_at__isnull=True,
        )
    )
    for contact in waiting:
        contact.token_issued_at = now
        contact.save(update_fields=["token_issued_at"])
        how = "メールで確認を依頼" if contact.email else "電話での同意確認待ち"
        timeline.record(
            person,
            "contact_asked",
            f"ご本人が同意したため、緊急連絡先 {contact.name} に{how}",
            now,
            contact=contact.pk,
        )
        _ask_contact_consent(person, contact, now)
    return len(waiting)


def save_contacts(
    person: Person, rows: list[dict[str, Any]], now: datetime, actor: Actor | None = None
) -> list[str]:
    """Apply the contact rows of the settings form (see forms.BaseContactFormSet.contacts).

    A row with an id that is not one of this person's contacts is ignored (a
    tampered form, or a contact removed meanwhile). Changing the phone or
    e-mail of a contact asks for consent again, under a fresh token, because
    it may now reach someone else. ``actor``: staff editing on the person's
    behalf (``staff_actions.do_staff_edit_person``), named on the timeline;
    None for the person's own page. Returns what happened, one of "added",
    "changed", "removed" per contact touched. Raises ValueError past
    ``MAX_CONTACTS`` (the caller's transaction then saves nothing).
    """
    by = "スタッフが" if actor is not None else ""
    done: list[str] = []
    existing = {c.pk: c for c in Contact.objects.select_for_update().filter(person=person)}
    for row in rows:
        contact = existing.get(row["id"]) if row.get("id") else None
        if row.get("id") and contact is None:
            continue
        if row["remove"]:
            if contact is not None:
                consents.withdraw_contact_consent(contact, now, via="removed")
                timeline.record(
                    person,
                    "contact_removed",
                    f"{by}緊急連絡先 {contact.name} を削除",
                    now,
                    actor=actor,
                )
                del existing[contact.pk]
                contact.delete()
                done.append("removed")
            continue
        fields = {k: row[k] for k in ("name", "relation", "phone", "email")}
        if contact is None:
            # Nobody is asked before the person has agreed (APPI: their data goes to
            # a third party only with consent); staff-enrolled persons' contacts wait
            # (token_issued_at None) for ask_waiting_contacts at the person's consent.
            agreed = person.consent_at is not None
            contact = Contact.objects.create(
                tenant_id=person.tenant_id,
                person=person,
                token_issued_at=now if agreed else None,
                **fields,
            )
            existing[contact.pk] = contact
            how = (
                ("メールで確認を依頼" if contact.email else "電話での同意確認待ち")
                if agreed
                else "ご本人の同意のあとで確認を依頼します"
            )
            timeline.record(
                person,
                "contact_added",
                f"{by}緊急連絡先 {contact.name}（{contact.relation}）を追加、{how}",
                now,
                contact=contact.pk,
                actor=actor,
            )
            if agreed:
                _ask_contact_consent(person, contact, now)
            done.append("added")
            continue
        reach_changed = contact.phone != fields["phone"] or contact.email != fields["email"]
        changed = [k for k, v in fields.items() if getattr(contact, k) != v]
        if not changed:
            continue
        for key, value in fields.items():
            setattr(contact, key, value)
        if reach_changed:
            consents.withdraw_contact_consent(contact, now, via="superseded")
            contact.confirmed_at = None
            contact.declined_at = None
            code_tries.clear_code(contact)
            contact.line_user_id = ""
            contact.token = secrets.token_urlsafe(12)
            contact.token_issued_at = now
            changed += ["confirmed_at", "declined_at", "line_user_id", "token", "token_issued_at"]
            changed += code_tries.CODE_FIELDS
        contact.save(update_fields=changed)
        text = f"{by}緊急連絡先 {contact.name} を変更"
        if reach_changed:
            text += "（連絡先が変わったため同意を確認し直します）"
        timeline.record(person, "contact_changed", text, now, contact=contact.pk, actor=actor)
        if reach_changed:
            _ask_contact_consent(person, contact, now)
        done.append("changed")
    if len(existing) > MAX_CONTACTS:
        raise ValueError(f"at most {MAX_CONTACTS} emergency contacts")
    return done


def _tell_person(person: Person, message: dict[str, Any], now: datetime) -> None:
    if person.line_user_id and person.channel_id and person.status == Person.Status.ACTIVE:
        enqueue_push(
            person=person,
            to=person.line_user_id,
            messages=[message],
            purpose="contact_answer",
            now=now,
        )


def _locked(contact: Contact) -> Contact:
    """``contact`` again, row-locked for this transaction, with its person and tenant."""
    return (
        Contact.objects.select_for_update(of=("self",))
        .select_related("person__tenant")
        .get(pk=contact.pk)
    )


def _confirm_contact(contact: Contact, now: datetime) -> bool:
    """Mark confirmed; False if it already was (answering twice changes nothing)."""
    if contact.confirmed_at is not None and contact.declined_at is None:
        return False
    contact.confirmed_at = now
    contact.declined_at = None
    if contact.line_user_id:
        code_tries.clear_code(contact)
    else:
        contact_link.issue_code(contact, now)
    contact.save(update_fields=["confirmed_at", "declined_at", *code_tries.CODE_FIELDS])
    return True


@transaction.atomic
def do_accept_contact(contact: Contact, now: datetime) -> Contact:
    """The contact accepted on the consent page (引き受ける)."""
    contact = _locked(contact)
    if _confirm_contact(contact, now):
        consents.record_contact_consent(contact, now, via="contact_page")
        timeline.record(
            contact.person,
            "contact_accepted",
            f"緊急連絡先 {contact.name}（{contact.relation}）が引き受けました",
            now,
            contact=contact.pk,
        )
        _tell_person(
            contact.person,
            messages.contact_accepted_message(contact.name, contact.person.language),
            now,
        )
    return contact


@transaction.atomic
def do_decline_contact(contact: Contact, now: datetime) -> Contact:
    """The contact declined (お断りする), or withdrew an earlier acceptance."""
    contact = _locked(contact)
    if contact.declined_at is not None:
        return contact
    contact.declined_at = now
    contact.confirmed_at = None
    code_tries.clear_code(contact)
    contact.save(update_fields=["declined_at", "confirmed_at", *code_tries.CODE_FIELDS])
    consents.withdraw_contact_consent(contact, now, via="contact_page")
    timeline.record(
        contact.person,
        "contact_declined",
        f"緊急連絡先 {contact.name}（{contact.relation}）がお断りしました",
        now,
        contact=contact.pk,
    )
    _tell_person(
        contact.person,
        messages.contact_declined_message(contact.name, contact.person.language),
        now,
    )
    return contact


@transaction.atomic
def do_confirm_contact_by_staff(contact: Contact, user: Any, now: datetime) -> Contact:
    """Staff confirmed a (phone-only) contact's consent by telephone.

    The caller checks that ``user`` may act for the contact's tenant. The new
    ``contact.link_code`` (``people.linkcodes.display``) can be read out so
    the contact can link LINE too; it is valid for 24 hours.
    """
    contact = _locked(contact)
    if _confirm_contact(contact, now):
        consents.record_contact_consent(contact, now, via="staff_phone")
        who = getattr(user, "get_username", lambda: str(user))()
        timeline.record(
            contact.person,
            "contact_accepted",
            f"緊急連絡先 {contact.name}（{contact.relation}）の同意を電話で確認（{who}）",
            now,
            contact=contact.pk,
            staff=getattr(user, "pk", None),
        )
        _tell_person(
            contact.person,
            messages.contact_accepted_message(contact.name, contact.person.language),
            now,
        )
    return contact
