"""An emergency contact links their LINE account with their link code
(rules and limits: ``people.linkcodes``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.db import transaction

from anpi.engine import timeline
from anpi.engine.outbox import enqueue_line
from anpi.people import linkcodes
from anpi.people.models import Contact, Person
from anpi.tenants.models import LineChannel

from . import messages
from .code_tries import CODE_FIELDS, clear_code, count_wrong_secret, record_try, user_locked_out

LinkResult = Literal["linked", "wrong", "locked"]


def issue_code(contact: Contact, now: datetime) -> None:
    """Give ``contact`` a fresh code valid for ``linkcodes.CODE_LIFETIME``
    (the caller saves ``link_code``, ``link_code_expires_at``, ``link_code_failures``)."""
    contact.link_code = linkcodes.new_code(contact.pk)
    contact.link_code_expires_at = now + linkcodes.CODE_LIFETIME
    contact.link_code_failures = 0


def _reply(
    channel: LineChannel, to: str, reply_token: str, text: str, purpose: str, now: datetime
) -> None:
    if reply_token:
        enqueue_line(
            channel=channel,
            method="reply",
            to=to,
            reply_token=reply_token,
            messages=[{"type": "text", "text": text}],
            purpose=purpose,
            now=now,
        )


@transaction.atomic
def do_link_contact_line(
    channel: LineChannel, line_user_id: str, text: str, now: datetime, reply_token: str = ""
) -> LinkResult | None:
    """A LINE user sent something that may be a contact's link code.

    Returns None if ``text`` is not a code at all (the conversation goes on),
    ``"locked"`` if this user got too many codes wrong in the last hour,
    ``"wrong"`` for a wrong, used or expired code, ``"linked"`` when the
    contact is now reached by LINE. Every try is recorded for the limits.
    """
    parsed = linkcodes.parse(text)
    if parsed is None:
        return None
    contact_id, secret = parsed
    if user_locked_out(channel, line_user_id, now):
        _reply(channel, line_user_id, reply_token, messages.LINK_LOCKED_TEXT, "contact_linked", now)
        return "locked"
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("person")
        .filter(pk=contact_id, person__channel=channel, confirmed_at__isnull=False)
        .exclude(link_code="")
        .first()
    )
    ok = (
        contact is not None
        and contact.link_code_expires_at is not None
        and now <= contact.link_code_expires_at
        and linkcodes.secret_matches(contact.link_code, secret)
    )
    record_try(channel, line_user_id, now, ok)
    if contact is None or not ok:
        if contact is not None:
            _count_failure(contact, now)
        _reply(channel, line_user_id, reply_token, messages.LINK_WRONG_TEXT, "contact_linked", now)
        return "wrong"
    contact.line_user_id = line_user_id
    clear_code(contact)
    contact.save(update_fields=["line_user_id", *CODE_FIELDS])
    timeline.record(
        contact.person, "contact_linked", f"緊急連絡先 {contact.name} がLINEを連携", now
    )
    _stop_registering(channel, line_user_id, contact, now)
    message = messages.contact_linked_message(contact.person.name, contact.person.language)
    if reply_token:
        enqueue_line(
            channel=channel,
            method="reply",
            to=line_user_id,
            reply_token=reply_token,
            messages=[message],
            purpose="contact_linked",
            now=now,
            person=contact.person,
        )
    return "linked"


def _count_failure(contact: Contact, now: datetime) -> None:
    """A wrong secret for this contact's id: after ``MAX_CONTACT_FAILURES`` the
    code is revoked, and staff see why on the person's timeline."""
    if not count_wrong_secret(contact):
        return
    timeline.record(
        contact.person,
        "contact_code_revoked",
        f"緊急連絡先 {contact.name} のLINE連携コードが{linkcodes.MAX_CONTACT_FAILURES}回まちがえられたため"
        "無効にしました。本人確認のうえ、スタッフが新しいコードを発行してください",
        now,
        contact=contact.pk,
    )


def _stop_registering(
    channel: LineChannel, line_user_id: str, contact: Contact, now: datetime
) -> None:
    """Someone who friended the account only to be a contact is not a watched
    person waiting to register: mark their own record stopped."""
    person = (
        Person.objects.select_for_update()
        .filter(channel=channel, line_user_id=line_user_id, status=Person.Status.REGISTERING)
        .first()
    )
    if person is None:
        return
    Person.objects.filter(pk=person.pk).update(status=Person.Status.STOPPED)
    timeline.record(
        person,
        "became_contact",
        f"{contact.person.name}さんの緊急連絡先としてLINEを連携（見守り対象外）",
        now,
    )
