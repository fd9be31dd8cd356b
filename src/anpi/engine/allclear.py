"""Whoever was alarmed hears the all-clear (DESIGN.md, "True messages").

When a check closes as safe (the person answered; staff, a contact or a
watcher recorded 無事) or settled (staff learnt the person is in hospital or
away), ``announce`` runs inside that closing transaction:

1. Find the recipients of every alarm the check sent: outbox rows of the check
   whose purpose is a registered alarm (``registry.alarms``: the engine's
   contact alert, the groups' group and team alerts), one per (transport,
   channel, recipient), never one that failed for good.
2. Send each the alarm's all-clear on the channel it was alarmed on (a LINE
   push to the same chat, or an e-mail to the same address), with why in one
   sentence; the reporter of the news is not told their own news.
3. Note on the timeline who was told; then let the services close what they
   opened for the incident (``registry.incident_closed``: alerts close with the
   reason).

The all-clear rows are in the transaction of the close, so they exist iff the
close committed; a second close of the same check cannot happen (the close is a
compare-and-set), so nobody hears it twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import registry, timeline
from .models import Check, Outbox
from .outbox import enqueue_email, enqueue_line
from .phrases import contact_subject, in_contact_languages, say_to_contact

# The close reasons that announce; each has a ``why_<reason>`` line in every
# contacts.toml (engine.phrases). Reasons not listed here do not announce (a
# block, a member who left, a merged check). ``paused``: the person sent
# 「るす」 from their own LINE (engine.pauses). ``unwell`` / ``talk``: graded
# answers (engine.answer): an answer, but not "fine"; the all-clear says what
# was said.
ANNOUNCED_REASONS = ("ok", "staff_safe", "watcher_safe", "contact_safe", "away", "paused", "unwell", "talk")
GRADED = ("unwell", "talk")
ALL_CLEAR_PURPOSE = "all_clear"


def _recipients(check: Check) -> list[Outbox]:
    rows = (
        Outbox.objects.filter(check_run=check, purpose__in=list(registry.alarms))
        .exclude(state=Outbox.State.FAILED)
        .select_related("channel", "contact")
        .order_by("id")
    )
    seen: set[tuple[str, Any, str]] = set()
    found = []
    for row in rows:
        if row.method == "multicast":
            continue
        key = (row.transport, row.channel_id, row.recipient)
        if key not in seen:
            seen.add(key)
            found.append(row)
    return found


def announce(
    check: Check,
    reason: str,
    now: datetime,
    *,
    skip_contact_id: int | None = None,
    skip_chat: str = "",
) -> int:
    """Tell everyone the check alarmed why it is over; close the services'
    alerts. Runs in the closing transaction. ``skip_contact_id`` / ``skip_chat``:
    whoever brought the news, or the chat where the answer was given (it is
    answered there already). Returns how many were told."""
    person = check.person
    told = 0
    if reason in ANNOUNCED_REASONS:
        for row in _recipients(check):
            if skip_contact_id is not None and row.contact_id == skip_contact_id:
                continue
            if skip_chat and row.recipient == skip_chat:
                continue
            alarm = registry.alarms[row.purpose]
            if row.transport == "email":
                enqueue_email(
                    tenant_id=person.tenant_id,
                    to=row.recipient,
                    subject=contact_subject(
                        person.language,
                        "all_clear_subject",
                        tenant=person.tenant.name,
                        name=person.name,
                    ),
                    body=email_text(person, reason),
                    purpose=ALL_CLEAR_PURPOSE,
                    now=now,
                    person=person,
                    contact=row.contact,
                    check=check,
                )
                how = "メール"
            else:
                enqueue_line(
                    channel=row.channel,
                    method="push",
                    to=row.recipient,
                    messages=[
                        alarm.all_clear_for_person(person, reason)
                        if alarm.all_clear_for_person is not None
                        else alarm.all_clear(person.name, reason)
                    ],
                    purpose=ALL_CLEAR_PURPOSE,
                    now=now,
                    person=person,
                    check=check,
                    contact=row.contact,
                )
                how = "LINE"
            who = (
                f"緊急連絡先 {row.contact.name}（{row.contact.relation}）"
                if row.contact is not None
                else alarm.describe(row.channel_id, row.recipient)
            )
            timeline.record(
                person, "all_clear_sent", f"{who}に{how}で無事を連絡", now, check, reason=reason
            )
            told += 1
    for hook in registry.incident_closed:
        hook(person, check, reason, now)
    return told


def email_text(person: Any, reason: str) -> str:
    """The all-clear e-mail to a contact, in the person's contact language(s)."""
    tenant = person.tenant

    def build(language: str) -> str:
        text = say_to_contact(
            language,
            "all_clear_email",
            tenant=tenant.name,
            name=person.name,
            why=say_to_contact(language, f"why_{reason}"),
        )
        if tenant.phone:
            text += "\n" + say_to_contact(
                language, "all_clear_contact_us", tenant=tenant.name, phone=tenant.phone
            )
        return text

    return in_contact_languages(person.language, build) + "\n"


def contact_all_clear(person: Any, reason: str) -> dict[str, Any]:
    """The all-clear LINE text to a contact, in the person's contact language(s)."""
    return {
        "type": "text",
        "text": in_contact_languages(
            person.language,
            lambda language: say_to_contact(
                language,
                "all_clear",
                name=person.name,
                why=say_to_contact(language, f"why_{reason}"),
            ),
        ),
    }


def _contact_all_clear_by_name(person_name: str, reason: str) -> dict[str, Any]:
    return {
        "type": "text",
        "text": say_to_contact(
            "ja", "all_clear", name=person_name, why=say_to_contact("ja", f"why_{reason}")
        ),
    }


def _contact_label(channel_id: Any, recipient: str) -> str:
    return "緊急連絡先"


registry.register_alarm(
    registry.Alarm(
        "notify_contact",
        _contact_all_clear_by_name,
        _contact_label,
        all_clear_for_person=contact_all_clear,
    )
)
registry.register_purpose(ALL_CLEAR_PURPOSE, "無事の連絡", on_reply_refused="push")
