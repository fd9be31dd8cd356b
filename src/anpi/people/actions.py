"""State changes of persons and contacts. Views and workers call these; they do
not save models themselves (one actions layer, as in Zulip)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import transaction

from anpi.engine import messages, timeline
from anpi.engine.models import Check, Task
from anpi.engine.outbox import enqueue_push, enqueue_reply
from anpi.tenants.models import LineChannel

from .links import settings_url
from .models import Contact, Person


def _send(
    person: Person, message: dict[str, Any], purpose: str, now: datetime, reply_token: str
) -> None:
    if reply_token:
        enqueue_reply(
            person=person, reply_token=reply_token, messages=[message], purpose=purpose, now=now
        )
    else:
        enqueue_push(
            person=person, to=person.line_user_id, messages=[message], purpose=purpose, now=now
        )


def following_check_time(person: Person, now: datetime) -> datetime | None:
    from anpi.engine.plan import following_occurrence

    return following_occurrence(person, now)


@transaction.atomic
def do_follow(
    channel: LineChannel,
    line_user_id: str,
    now: datetime,
    *,
    reply_token: str = "",
    display_name: str = "",
) -> Person:
    """A user friended (or unblocked) the account."""
    person, created = Person.objects.select_for_update().get_or_create(
        channel=channel,
        line_user_id=line_user_id,
        defaults={"tenant_id": channel.tenant_id, "display_name": display_name},
    )
    if display_name and person.display_name != display_name:
        person.display_name = display_name
        person.save(update_fields=["display_name"])
    if created or person.status == Person.Status.REGISTERING:
        timeline.record(person, "followed", "LINEで友だち追加", now)
        _send(
            person,
            messages.settings_link_message(settings_url(person), welcome=True),
            "greeting",
            now,
            reply_token,
        )
        return person
    if person.status == Person.Status.BLOCKED:
        registered = person.consent_at is not None and person.schedule() is not None
        person.status = Person.Status.ACTIVE if registered else Person.Status.REGISTERING
        person.blocked_at = None
        person.next_check_at = following_check_time(person, now) if registered else None
        person.save(update_fields=["status", "blocked_at", "next_check_at"])
        timeline.record(person, "unblocked", "ブロックが解除されました。確認を再開します", now)
        if registered:
            _send(person, messages.welcome_back_message(), "greeting", now, reply_token)
        else:
            _send(
                person,
                messages.settings_link_message(settings_url(person), welcome=True),
                "greeting",
                now,
                reply_token,
            )
    return person


@transaction.atomic
def do_block(channel: LineChannel, line_user_id: str, now: datetime) -> Person | None:
    """The user blocked the account: stop checks, keep the record for staff."""
    person = (
        Person.objects.select_for_update()
        .filter(channel=channel, line_user_id=line_user_id)
        .first()
    )
    if person is None:
        return None
    person.status = Person.Status.BLOCKED
    person.blocked_at = now
    person.next_check_at = None
    person.save(update_fields=["status", "blocked_at", "next_check_at"])
    from anpi.engine.answer import _close_check_cas

    for check in Check.objects.filter(person=person, state=Check.State.OPEN):
        _close_check_cas(check, state=Check.State.CANCELLED, reason="blocked", now=now)
    timeline.record(person, "blocked", "LINEでブロックされました。確認を止めました", now)
    return person


@transaction.atomic
def do_send_settings_link(person: Person, now: datetime, reply_token: str = "") -> None:
    _send(
        person,
        messages.settings_link_message(settings_url(person), welcome=False),
        "settings_link",
        now,
        reply_token,
    )


@transaction.atomic
def do_link_contact_line(
    channel: LineChannel, line_user_id: str, code: str, now: datetime, reply_token: str = ""
) -> Contact | None:
    """A contact sent their link code in LINE: future alerts to them go by LINE."""
    contact = (
        Contact.objects.select_related("person")
        .filter(person__channel=channel, link_code=code, confirmed_at__isnull=False)
        .first()
    )
    if contact is None:
        return None
    contact.line_user_id = line_user_id
    contact.link_code = ""
    contact.save(update_fields=["line_user_id", "link_code"])
    timeline.record(
        contact.person, "contact_linked", f"緊急連絡先 {contact.name} がLINEを連携", now
    )
    message = messages.contact_linked_message(contact.person.name)
    if reply_token:
        enqueue_reply(
            person=contact.person,
            reply_token=reply_token,
            messages=[message],
            purpose="contact_linked",
            now=now,
        )
    return contact


def new_link_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def open_task_count(person: Person) -> int:
    return Task.objects.filter(person=person, state=Task.State.OPEN).count()
