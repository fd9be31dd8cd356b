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
from anpi.people.models import Person
from anpi.tenants.models import LineChannel

from . import messages
from .contact_actions import ask_waiting_contacts, save_contacts
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
