"""A person staff enrolled without LINE links their own LINE account.

Staff enrol the person (dashboard registration or CSV import,
``staff_actions.do_enrol_person``); the person gets a printed sheet with their
own QR code: it opens the account's chat with 「とうろく 1234-K7QX-2MPA」
typed in (``oa_message_url``). They friend the account (``do_follow`` makes a
``registering`` record for the LINE user, as for anyone), then send the code:
``do_link_person_line`` moves the LINE user onto the enrolled person and
replies with the settings link, where the person checks what staff wrote and
gives consent as usual (``actions.do_save_registration``). Until then the
person stays ``registering`` and gets no checks.

The code follows ``people.linkcodes`` (unguessable, expiring after
``PERSON_CODE_LIFETIME``, single use, ``MAX_USER_FAILURES`` wrong codes per
LINE user an hour across both kinds of code, revoked after
``MAX_CONTACT_FAILURES`` wrong secrets for one person).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any, Literal

from django.db import transaction

from anpi.channels.line.oamessage import oa_message_url
from anpi.engine import timeline
from anpi.engine.outbox import enqueue_line
from anpi.people import linkcodes
from anpi.people.models import Person
from anpi.tenants import audit
from anpi.tenants.actors import Actor
from anpi.tenants.models import LineChannel

from . import messages
from .code_tries import CODE_FIELDS, clear_code, count_wrong_secret, record_try, user_locked_out
from .links import settings_url

PersonLinkResult = Literal["linked", "wrong", "locked", "taken"]


def _nonce() -> str:
    return secrets.token_urlsafe(12)


def issue_person_code(person: Person, now: datetime) -> None:
    """Give ``person`` a fresh code valid for ``PERSON_CODE_LIFETIME`` (the
    caller saves ``CODE_FIELDS``); an older code stops working."""
    person.link_code = linkcodes.new_code(person.pk)
    person.link_code_expires_at = now + linkcodes.PERSON_CODE_LIFETIME
    person.link_code_failures = 0


def code_is_valid(person: Person, now: datetime) -> bool:
    """Whether ``person`` has a code that can still be sent (not used, not
    expired, not revoked), no LINE yet and is still registering (an erased or
    withdrawn person's code links nobody)."""
    return (
        bool(person.link_code)
        and not person.line_user_id
        and person.status == Person.Status.REGISTERING
        and person.link_code_expires_at is not None
        and now <= person.link_code_expires_at
    )


def line_link(channel: LineChannel | None, person: Person) -> str:
    """The person's QR link (``line.me/R/oaMessage`` with their code typed in),
    or "" when the account's basic ID is unknown or there is no code."""
    if channel is None or not person.link_code:
        return ""
    return oa_message_url(channel.basic_id, linkcodes.person_code_text(person.link_code))


@transaction.atomic
def do_issue_person_code(person: Person, actor: Actor, now: datetime) -> Person:
    """Staff print a new sheet: a fresh code replaces the old one (lost sheet,
    expired or revoked code). Raises ``ValueError`` if the person has linked
    LINE already (a code would have nothing to do)."""
    person = Person.objects.select_for_update(of=("self",)).get(pk=person.pk)
    if person.line_user_id:
        raise ValueError("the person has linked LINE already")
    issue_person_code(person, now)
    person.save(update_fields=CODE_FIELDS)
    timeline.record(person, "link_code_issued", "LINE登録用のコードを発行", now, actor=actor)
    audit.record(person.tenant_id, actor, "person.link_code", person, now)
    return person


def _reply(
    channel: LineChannel,
    to: str,
    reply_token: str,
    message: dict[str, Any],
    now: datetime,
    person: Person | None = None,
) -> None:
    if reply_token:
        enqueue_line(
            channel=channel,
            method="reply",
            to=to,
            reply_token=reply_token,
            messages=[message],
            purpose="person_linked",
            now=now,
            person=person,
        )


def _text(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


@transaction.atomic
def do_link_person_line(
    channel: LineChannel, line_user_id: str, text: str, now: datetime, reply_token: str = ""
) -> PersonLinkResult | None:
    """A LINE user sent something that may be a person's own code.

    Returns None if ``text`` is not such a code (the conversation goes on);
    ``"locked"`` after too many wrong codes from this user in the last hour;
    ``"wrong"`` for a wrong, used, expired or revoked code; ``"taken"`` when
    this LINE user is already a registered person (the code stays valid, staff
    sort it out); ``"linked"`` when the enrolled person is now this LINE user.

    Steps: (1) the failure limit; (2) lock the enrolled person of the code in
    the channel's tenant, still without LINE; (3) record the attempt; (4) lock
    the LINE user's own ``registering`` record made by the follow, free its
    LINE user id (stopped, kept for the timeline, its greeting's settings link
    revoked) so that the unique (channel, line_user_id) key can move, and
    carry its follow order over;
    (5) link, clear the code, reply with the settings link.
    """
    parsed = linkcodes.parse_person(text)
    if parsed is None:
        return None
    person_id, secret = parsed
    if user_locked_out(channel, line_user_id, now):
        _reply(channel, line_user_id, reply_token, _text(messages.LINK_LOCKED_TEXT), now)
        return "locked"
    person = (
        Person.objects.select_for_update(of=("self",))
        .filter(
            pk=person_id,
            tenant_id=channel.tenant_id,
            line_user_id="",
            status=Person.Status.REGISTERING,
        )
        .exclude(link_code="")
        .first()
    )
    ok = (
        person is not None
        and code_is_valid(person, now)
        and linkcodes.secret_matches(person.link_code, secret)
    )
    record_try(channel, line_user_id, now, ok)
    if person is None or not ok:
        if person is not None:
            _count_failure(person, now)
        _reply(channel, line_user_id, reply_token, _text(messages.PERSON_LINK_WRONG_TEXT), now)
        return "wrong"
    own = (
        Person.objects.select_for_update(of=("self",))
        .filter(channel=channel, line_user_id=line_user_id)
        .first()
    )
    if own is not None and (
        own.consent_at is not None
        or own.status not in (Person.Status.REGISTERING, Person.Status.STOPPED)
    ):
        _reply(channel, line_user_id, reply_token, _text(messages.PERSON_LINK_TAKEN_TEXT), now)
        return "taken"
    display_name = own.display_name if own is not None else ""
    follow_ms = own.follow_event_ms if own is not None else None
    if own is not None:
        # A new settings nonce kills the greeting's settings link of that record:
        # saved, it would make an active person whom no LINE message can reach.
        Person.objects.filter(pk=own.pk).update(
            line_user_id="", status=Person.Status.STOPPED, settings_nonce=_nonce()
        )
        timeline.record(
            own,
            "line_moved",
            f"スタッフが登録した利用者 #{person.pk} として LINE を連携（この記録は使いません）",
            now,
        )
    person.channel = channel
    person.line_user_id = line_user_id
    person.display_name = display_name
    person.follow_event_ms = follow_ms
    clear_code(person)
    person.save(
        update_fields=["channel", "line_user_id", "display_name", "follow_event_ms", *CODE_FIELDS]
    )
    timeline.record(
        person,
        "line_linked",
        "本人がQRコードでLINEを連携。設定と同意を待っています",
        now,
        actor=Actor.line(line_user_id, display_name),
    )
    _reply(
        channel,
        line_user_id,
        reply_token,
        messages.person_linked_message(settings_url(person)),
        now,
        person,
    )
    return "linked"


def _count_failure(person: Person, now: datetime) -> None:
    """A wrong secret for this person's id: after ``MAX_CONTACT_FAILURES`` the
    code is revoked, and staff see why on the person's timeline."""
    if not count_wrong_secret(person):
        return
    timeline.record(
        person,
        "link_code_revoked",
        f"LINE登録用のコードが{linkcodes.MAX_CONTACT_FAILURES}回まちがえられたため無効にしました。"
        "スタッフが新しいコードを印刷してください",
        now,
    )
