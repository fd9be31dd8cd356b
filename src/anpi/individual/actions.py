"""State changes of persons and contacts. Views and workers call these; they do
not save models themselves (one actions layer, as in Zulip)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import translation
from django.utils.translation import pgettext

from anpi.engine import timeline
from anpi.engine.models import Check, Task
from anpi.engine.outbox import enqueue_push, enqueue_reply
from anpi.people import consent as consents
from anpi.people import schedule_words
from anpi.people.actions import lock_or_create_line_person
from anpi.people.models import Contact, Person
from anpi.tenants.actors import Actor
from anpi.tenants.models import LineChannel

from . import code_tries, contact_link, messages
from .follow_language import adopt_line_language
from .links import settings_url
from .richmenu import sync_person_menu_after_commit


def send_to_person(
    person: Person, message: dict[str, Any], purpose: str, now: datetime, reply_token: str
) -> None:
    """A free reply while ``reply_token`` is at hand, else a push."""
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


def _stale(person: Person, event_ms: int | None, kind: str, now: datetime) -> bool:
    """True if a follow/unfollow happened before the last one applied (LINE's
    order, not arrival order: a redelivery arrives late). Notes it on the
    timeline; otherwise records ``event_ms`` as the last applied."""
    if event_ms is None:
        return False
    last = person.follow_event_ms
    if last is not None and event_ms < last:
        timeline.record(
            person,
            "stale_event",
            f"古い{kind}イベント（遅れて届いたもの）のため、反映しませんでした",
            now,
            event_ms=event_ms,
            applied_ms=last,
        )
        return True
    person.follow_event_ms = event_ms
    person.save(update_fields=["follow_event_ms"])
    return False


@transaction.atomic
def do_follow(
    channel: LineChannel,
    line_user_id: str,
    now: datetime,
    *,
    reply_token: str = "",
    display_name: str = "",
    line_language: str = "",
    event_ms: int | None = None,
) -> Person:
    """A user friended (or unblocked) the account. ``event_ms``: LINE's event
    timestamp; a follow older than the last follow/unfollow applied changes
    nothing (docs/engine.md, the ordering rule). ``line_language``: the
    language of the user's LINE app (the profile's BCP 47 tag, "" if LINE did
    not say); a registering person who never chose a language is greeted,
    and spoken to from then on, in it when anpi speaks it (follow_language)."""
    person, created = lock_or_create_line_person(channel, line_user_id, display_name)
    if _stale(person, event_ms, "友だち追加", now):
        return person
    if display_name and person.display_name != display_name:
        person.display_name = display_name
        person.save(update_fields=["display_name"])
    if created or person.status == Person.Status.REGISTERING:
        adopt_line_language(person, line_language, now)
        timeline.record(person, "followed", "LINEで友だち追加", now)
        send_to_person(person, _greeting(channel, person), "greeting", now, reply_token)
        return person
    if person.status == Person.Status.BLOCKED:
        registered = person.consent_at is not None and person.schedule() is not None
        person.status = Person.Status.ACTIVE if registered else Person.Status.REGISTERING
        person.blocked_at = None
        person.next_check_at = following_check_time(person, now) if registered else None
        person.save(update_fields=["status", "blocked_at", "next_check_at"])
        timeline.record(person, "unblocked", "ブロックが解除されました。確認を再開します", now)
        if registered:
            send_to_person(
                person, messages.welcome_back_message(person.language), "greeting", now, reply_token
            )
        else:
            adopt_line_language(person, line_language, now)
            send_to_person(
                person,
                messages.settings_link_message(
                    settings_url(person), welcome=True, language=person.language
                ),
                "greeting",
                now,
                reply_token,
            )
    return person


def _greeting(channel: LineChannel, person: Person) -> dict[str, Any]:
    """The first message to someone who friended the account, in their language:
    a city's account asks for an invite code; otherwise the settings link."""
    if channel.tenant.kind == "municipal":
        return messages.invite_code_greeting(person.language)
    return messages.settings_link_message(
        settings_url(person), welcome=True, language=person.language
    )


@transaction.atomic
def do_block(
    channel: LineChannel, line_user_id: str, now: datetime, *, event_ms: int | None = None
) -> Person | None:
    """The user blocked the account: stop checks, keep the record for staff.
    An unfollow older than the last follow applied changes nothing."""
    person = (
        Person.objects.select_for_update()
        .filter(channel=channel, line_user_id=line_user_id)
        .first()
    )
    if person is None:
        return None
    if _stale(person, event_ms, "ブロック", now):
        return person
    person.status = Person.Status.BLOCKED
    person.blocked_at = now
    person.next_check_at = None
    person.save(update_fields=["status", "blocked_at", "next_check_at"])
    from anpi.engine.tasks import close_check

    for check in Check.objects.filter(person=person, state=Check.State.OPEN):
        close_check(check, state=Check.State.CANCELLED, reason="blocked", now=now)
    timeline.record(person, "blocked", "LINEでブロックされました。確認を止めました", now)
    return person


@transaction.atomic
def do_send_settings_link(person: Person, now: datetime, reply_token: str = "") -> None:
    send_to_person(
        person,
        messages.settings_link_message(
            settings_url(person), welcome=False, language=person.language
        ),
        "settings_link",
        now,
        reply_token,
    )


def open_task_count(person: Person) -> int:
    return Task.objects.filter(person=person, state=Task.State.OPEN).count()


# --- Registration through the mobile settings page (individual.views) ---------------

MAX_CONTACTS = 3
# The bot writes LINE messages and the timeline in Japanese, whatever language
# the settings page was shown in.
BOT_LANGUAGE = "ja"


def registration_summary(person: Person) -> str:
    """A short summary of when checks come, e.g. 「まいにち 9:00 に ききます」,
    then holidays and the next check's date.

    In the active language: やさしい日本語 msgids, English from ``locale/en``.
    """
    from zoneinfo import ZoneInfo

    parts = schedule_words.person_parts(person)
    if parts is None:
        return ""
    when, at = parts
    lines = [pgettext("summary", "%(when)s %(at)s に ききます。") % {"when": when, "at": at}]
    if person.skip_holidays:
        lines.append(pgettext("summary", "しゅくじつは おやすみです。"))
    if person.next_check_at is not None:
        local = person.next_check_at.astimezone(ZoneInfo(person.tenant.timezone))
        lines.append(
            pgettext("summary", "つぎは %(month)sがつ %(day)sにち %(at)s です。")
            % {"month": local.month, "day": local.day, "at": schedule_words.clock_time(local)}
        )
    return "\n".join(lines)


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


def consent_summary(person: Person) -> str:
    """「同意を記録（安否確認、…／規約 2026-12）」 for the timeline."""
    from anpi.people.models import Consent

    current = consents.current_consent(person)
    if current is None:
        return "同意なし"
    labels = dict(Consent.Purpose.choices)
    with translation.override(BOT_LANGUAGE):
        names = "、".join(str(labels.get(p, p)) for p in current.purposes)
    return f"同意を記録（{names}／規約 {current.terms_version}）"


def _record_consent(person: Person, health: bool, now: datetime) -> bool:
    """The settings form's agreement as a consent record; health notes are
    erased when their separate consent is not (or no longer) given."""
    purposes, recipients = consents.service_purposes(person.tenant.kind, health=health)
    _, changed = consents.record_person_consent(
        person, purposes, recipients, now, via="settings_page"
    )
    if not health:
        person.health_notes = ""
    return changed


@transaction.atomic
def do_save_registration(person: Person, data: dict[str, Any], now: datetime) -> Person:
    """Save the mobile settings form: all of it, or (on any error) nothing.

    ``data`` holds nickname, phone (E.164), schedule_kind, interval_days,
    weekdays (list of 0=Mon … 6=Sun), check_time, skip_holidays and contacts
    (rows of forms.BaseContactFormSet.contacts). ``person`` must be the one
    loaded from the settings link: its ``settings_nonce`` is rotated with a
    compare-and-set first, so of two submissions of one link exactly one wins
    and the other raises LinkError("used").
    """
    from .links import LinkError
    from .staff_actions import apply_schedule

    won = Person.objects.filter(pk=person.pk, settings_nonce=person.settings_nonce).update(
        settings_nonce=secrets.token_urlsafe(12)
    )
    if not won:
        raise LinkError("used")
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("tenant", "channel")
        .get(pk=person.pk)
    )
    person.nickname = data["nickname"]
    person.phone = data["phone"]
    language_changed = bool(data.get("language")) and data["language"] != person.language
    if data.get("language"):
        person.language = data["language"]
    # A new or changed rhythm starts today; an unchanged one keeps its anchor so
    # that "every 3 days" does not drift each time the person edits a contact.
    apply_schedule(person, data, now)
    first_time = person.consent_at is None
    if first_time:
        person.consent_at = now
    person.consent_withdrawn_at = None
    consent_changed = _record_consent(person, bool(data.get("agree_health")), now)
    # Someone who blocked the account cannot get checks; an old link saved
    # meanwhile keeps the settings, and do_follow resumes when they unblock.
    if person.status != Person.Status.BLOCKED:
        person.status = Person.Status.ACTIVE
        person.next_check_at = following_check_time(person, now)
    person.save(
        update_fields=[
            "nickname",
            "phone",
            "language",
            "schedule_kind",
            "interval_days",
            "weekdays",
            "check_time",
            "skip_holidays",
            "schedule_anchor",
            "consent_at",
            "consent_withdrawn_at",
            "health_notes",
            "status",
            "next_check_at",
        ]
    )
    if consent_changed:
        timeline.record(person, "consent", consent_summary(person), now)
    if language_changed:
        # The rich menu in the new language: linked over HTTP after the commit.
        sync_person_menu_after_commit(person)
    save_contacts(person, data.get("contacts") or [], now)
    if first_time:
        ask_waiting_contacts(person, now)
    with translation.override(BOT_LANGUAGE):
        summary = registration_summary(person)
    timeline.record(person, "registered", "設定を保存", now, summary=summary, first=first_time)
    if person.line_user_id and person.channel_id and person.status == Person.Status.ACTIVE:
        # The schedule's words exist in easy Japanese and English (locale/en).
        with translation.override("en" if person.language == "en" else BOT_LANGUAGE):
            said = registration_summary(person)
        enqueue_push(
            person=person,
            to=person.line_user_id,
            messages=[messages.registered_message(said, person.language)],
            purpose="registered",
            now=now,
        )
    return person


def _tell_person(person: Person, message: dict[str, Any], now: datetime) -> None:
    if person.line_user_id and person.channel_id and person.status == Person.Status.ACTIVE:
        enqueue_push(
            person=person,
            to=person.line_user_id,
            messages=[message],
            purpose="contact_answer",
            now=now,
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
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("person__tenant")
        .get(pk=contact.pk)
    )
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
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("person__tenant")
        .get(pk=contact.pk)
    )
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
    contact = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("person__tenant")
        .get(pk=contact.pk)
    )
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
