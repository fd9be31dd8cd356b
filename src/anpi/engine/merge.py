"""One ongoing incident per person.

When a person's next check comes due while an older check of theirs is still
open (a daily person who missed yesterday), a second escalation ladder would
double the staff calls, the contact alerts and the paid messages. So the new
check does not start a ladder of its own: it is closed as ``merged`` and the
older check carries on. It still asks the question — unless the person is asked
anyway within the hour (the older check's re-send is due, or a question just
went out), because one OK answers every open check (engine.answer).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .models import Check, Outbox

ASK_WINDOW = timedelta(hours=1)
QUESTION_ACTIONS = ("send_check", "resend", "last_notice")
QUESTION_PURPOSES = ("check", "resend", "last_notice")

# Timeline (kind, text) of a new check folded into the ongoing one.
MERGED_SILENT = ("check_merged", "前回の確認が未応答のため、再送信と兼ねます")
MERGED_ASKED = ("check_merged", "前回の確認が未応答のまま: 確認を送り、対応は前回の確認で続けます")


def older_open_checks(due_by_person: dict[int, datetime], now: datetime) -> dict[int, bool]:
    """Persons (of ``due_by_person``: person id → the new check's due_at) who
    have an older open check, mapped to whether they are asked anyway within
    ASK_WINDOW. Read before the new checks' own compare-and-set."""
    asked: dict[int, bool] = {}
    rows = Check.objects.filter(
        person_id__in=list(due_by_person), state=Check.State.OPEN
    ).values_list("person_id", "due_at", "step", "policy", "next_action_at")
    for person_id, due_at, step, policy, next_at in rows:
        if due_at >= due_by_person[person_id]:
            continue
        soon = (
            next_at is not None
            and next_at <= now + ASK_WINDOW
            and step < len(policy)
            and policy[step]["action"] in QUESTION_ACTIONS
        )
        asked[person_id] = asked.get(person_id, False) or soon
    if asked:
        recent = Outbox.objects.filter(
            person_id__in=list(asked),
            purpose__in=QUESTION_PURPOSES,
            created_at__gte=now - ASK_WINDOW,
        ).values_list("person_id", flat=True)
        for person_id in recent:
            asked[person_id] = True
    return asked


def close_merged(check_ids: list[int], now: datetime) -> None:
    """Close new checks folded into an older one (inside their step's transaction)."""
    if check_ids:
        Check.objects.filter(pk__in=check_ids, state=Check.State.OPEN).update(
            state=Check.State.CANCELLED, close_reason="merged", closed_at=now, next_action_at=None
        )
