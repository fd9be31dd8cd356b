"""Withdrawing consent (同意の撤回): from LINE, from the settings page, or by staff.

It takes effect at once, in one transaction:

- stops: the person's open consent is closed (the record stays, with the date,
  the way and, for staff, the user); status ``stopped``, no next check; open
  checks are cancelled (``consent_withdrawn``) with their tasks; messages still
  waiting in the outbox for this person or their contacts are expired, so
  contacts are no longer told; health notes (要配慮) are erased, as they may be
  kept only with consent;
- stays: the person row, the timeline, past checks and consent records, until
  ``anpi prune`` erases the personal data ``tenant.erase_after_days`` later
  (engine.retention);
- the person is told what stops and what stays (LINE, やさしい日本語).

Saving the settings form again with the agreement ticked records a new consent
and starts the checks again (``actions.do_save_registration``).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from anpi.engine import timeline
from anpi.engine.models import Check, Outbox
from anpi.engine.outbox import enqueue_push, enqueue_reply
from anpi.people import consent as consents
from anpi.people.models import Person
from anpi.tenants import audit
from anpi.tenants.actors import Actor

from . import messages

VIA_TEXT = {
    "line": "LINEで同意を取り消しました",
    "settings_page": "設定ページで同意を取り消しました",
    "staff": "スタッフが同意の取り消しを記録しました",
}


@transaction.atomic
def do_withdraw_consent(
    person: Person, actor: Actor, now: datetime, *, via: str, reply_token: str = ""
) -> bool:
    """Withdraw ``person``'s consent; ``via`` is ``line``, ``settings_page`` or
    ``staff`` (then ``actor`` is the staff user and an audit row
    ``consent.withdraw`` is written). Returns False if nothing was open to
    withdraw and the person was already stopped (a repeated request)."""
    from anpi.engine.tasks import close_check

    person = Person.objects.select_for_update().select_related("tenant").get(pk=person.pk)
    closed = consents.withdraw_person_consent(
        person, now, via=via, user=actor.user if actor.kind == "staff" else None
    )
    if not closed and person.status == Person.Status.STOPPED:
        return False
    was_active = person.status == Person.Status.ACTIVE
    person.status = Person.Status.STOPPED
    person.next_check_at = None
    person.consent_withdrawn_at = now
    # A new agreement is needed before checks start again (do_follow reads it).
    person.consent_at = None
    person.health_notes = ""
    person.save(
        update_fields=[
            "status",
            "next_check_at",
            "consent_withdrawn_at",
            "consent_at",
            "health_notes",
        ]
    )
    for check in Check.objects.filter(person=person, state=Check.State.OPEN):
        close_check(check, state=Check.State.CANCELLED, reason="consent_withdrawn", now=now)
    Outbox.objects.filter(person=person, state=Outbox.State.PENDING).update(
        state=Outbox.State.EXPIRED, last_error="consent withdrawn"
    )
    timeline.record(
        person,
        "consent_withdrawn",
        VIA_TEXT.get(via, "同意を取り消しました") + "。確認と連絡先への連絡を止めました",
        now,
        actor=actor,
        via=via,
    )
    if actor.kind == "staff":
        audit.record(person.tenant_id, actor, "consent.withdraw", person, now, via=via)
    if person.line_user_id and person.channel_id and (was_active or reply_token):
        message = messages.consent_withdrawn_message(person.tenant.erase_after_days, person.language)
        if reply_token:
            enqueue_reply(
                person=person,
                reply_token=reply_token,
                messages=[message],
                purpose="consent_withdrawn",
                now=now,
            )
        else:
            enqueue_push(
                person=person,
                to=person.line_user_id,
                messages=[message],
                purpose="consent_withdrawn",
                now=now,
            )
    return True


@transaction.atomic
def do_withdraw_by_link(person: Person, now: datetime) -> Person:
    """The settings page's button. The link's nonce is rotated with a
    compare-and-set first (one use, as saving the form): of two submissions
    one wins, the other raises ``LinkError("used")``."""
    import secrets

    from .links import LinkError

    won = Person.objects.filter(pk=person.pk, settings_nonce=person.settings_nonce).update(
        settings_nonce=secrets.token_urlsafe(12)
    )
    if not won:
        raise LinkError("used")
    actor = Actor.line(person.line_user_id, person.name)
    do_withdraw_consent(person, actor, now, via="settings_page")
    return Person.objects.select_related("tenant").get(pk=person.pk)
