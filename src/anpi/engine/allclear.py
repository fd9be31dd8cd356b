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

# close_reason → the sentence every all-clear gives. Reasons not listed here do
# not announce (a block, a member who left, a merged check).
WHY = {
    "ok": "ご本人から「げんきです」と応答がありました。",
    "staff_safe": "スタッフがご本人と話し、無事を確認しました。",
    "watcher_safe": "見守る人が訪ねて、無事を確認しました。",
    "contact_safe": "緊急連絡先の方から、無事だと連絡がありました。",
    "away": "入院・外出中と分かりました（安否確認はしばらくお休みします）。",
    # Graded answers (engine.answer): an answer, but not "fine"; say what was said.
    "unwell": "ご本人から「少し具合が悪い」と応答がありました。スタッフがご本人に連絡します。",
    "talk": "ご本人から「話したい」と応答がありました。スタッフがご本人に連絡します。",
}
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
    why = WHY.get(reason)
    told = 0
    if why is not None:
        for row in _recipients(check):
            if skip_contact_id is not None and row.contact_id == skip_contact_id:
                continue
            if skip_chat and row.recipient == skip_chat:
                continue
            alarm = registry.alarms[row.purpose]
            if row.transport == "email":
                tenant = person.tenant
                enqueue_email(
                    tenant_id=person.tenant_id,
                    to=row.recipient,
                    subject=f"【{tenant.name}】{person.name}さんの安否が確認できました",
                    body=email_text(person.name, why, tenant),
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
                    messages=[alarm.all_clear(person.name, reason)],
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


def email_text(person_name: str, why: str, tenant: Any) -> str:
    phone = f"\nお問い合わせ: {tenant.name}（電話 {tenant.phone}）" if tenant.phone else ""
    return (
        f"【{tenant.name}】{person_name}さんの安否が確認できました。\n"
        f"{why}\nご心配をおかけしました。ご協力ありがとうございました。{phone}\n"
    )


def contact_all_clear(person_name: str, reason: str) -> dict[str, Any]:
    return {
        "type": "text",
        "text": f"{person_name}さんの安否が確認できました。\n{WHY[reason]}\nご協力ありがとうございました。",
    }


def _contact_label(channel_id: Any, recipient: str) -> str:
    return "緊急連絡先"


registry.register_alarm(registry.Alarm("notify_contact", contact_all_clear, _contact_label))
registry.register_purpose(ALL_CLEAR_PURPOSE, "無事の連絡", on_reply_refused="push")
