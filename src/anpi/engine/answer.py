"""Answers: a person's OK (staff outcomes are ``engine.tasks.record_task_outcome``).

An answer closes the check with its own compare-and-set on ``version``. If a
step of the same check commits first, the CAS fails, we re-read and try again;
if the answer commits first, the step's CAS fails and it fires nothing
(invariant 5). See docs/engine.md.

Graded answers: the check message offers 「げんきです」 (grade ``ok``) and, smaller,
「すこし ぐあいが わるい」 (``unwell``) and 「はなしたい」 (``talk``). All three prove
the person is there, so all three close the check the same way (the ladder
stops); the grade is kept on ``Check.answer_grade``. ``unwell`` and ``talk``
also open one staff follow-up task (``Task.Kind.FOLLOW_UP``), not an emergency:
it hangs on an answered check, so advance never expires it into a step; past
its deadline it stays in the call queue as overdue until staff record an
outcome (docs/engine.md, "Graded answers").
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from . import habits, messages, timeline
from .clock import Clock
from .models import Check, Task
from .outbox import enqueue_reply
from .tasks import TaskClosed, cancel_settled_tasks, close_check, open_task, record_task_outcome

__all__ = ["TaskClosed", "answer_ok", "record_task_outcome"]

# What the person said, as the timeline and the staff see it.
SAID = {"ok": "げんきです", "unwell": "少し具合が悪い", "talk": "話したい"}
# The follow-up's deadline when a policy does not say (send_check's
# ``follow_up_deadline``, seconds): staff have a day to get in touch.
FOLLOW_UP_DEADLINE = 24 * 3600
# What engine.steps declares for it (policy validation): 1 hour to 7 days.
FOLLOW_UP_RANGE = (3600, 7 * 24 * 3600)


def follow_up_deadline(policy: list[dict[str, Any]]) -> timedelta:
    """How long staff have for a follow-up: ``follow_up_deadline`` (seconds) of
    the policy's send_check step, else ``FOLLOW_UP_DEADLINE``.
    A snapshot edited in the database must never make a tap raise (the answer
    would be retried, then quarantined): a value that is not a whole number of
    seconds in the allowed range means the default."""
    first = policy[0] if isinstance(policy, list) and policy else {}
    params = first.get("params") if isinstance(first, dict) else None
    value = params.get("follow_up_deadline") if isinstance(params, dict) else None
    low, high = FOLLOW_UP_RANGE
    if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
        return timedelta(seconds=value)
    return timedelta(seconds=FOLLOW_UP_DEADLINE)


def open_follow_up(person: Any, check: Check, grade: str, now: datetime) -> Task:
    """Open the staff follow-up of a graded answer on ``check`` (the one the
    person answered, or their latest), unless one is open already: a second
    tap asks for the same call, not a second one. Runs in the answer's
    transaction."""
    existing = Task.objects.filter(
        person=person, kind=Task.Kind.FOLLOW_UP, state=Task.State.OPEN
    ).first()
    if existing is not None:
        timeline.record(
            person,
            "follow_up_repeated",
            f"本人が再び「{SAID[grade]}」と応答（フォローアップは作成済み）",
            now,
            check,
            task=existing.pk,
            grade=grade,
        )
        return existing
    return open_task(
        check,
        Task.Kind.FOLLOW_UP,
        now,
        follow_up_deadline(check.policy),
        f"本人が「{SAID[grade]}」と応答",  # the kind says 緊急ではありません
    )

def answer_ok(
    person: Any,
    clock: Clock,
    *,
    reply_token: str = "",
    via: str = "line",
    event_at: datetime | None = None,
    answered_in: str = "",
    grade: str = "ok",
) -> int:
    """The person says they are fine: close every open check of theirs that was
    due by the time they said it.

    ``grade`` (``messages.GRADES``): "ok", or "unwell" / "talk" from the
    smaller buttons, which answer the same way and open one staff follow-up
    (module docstring); the reply thanks in words that fit. Raises ValueError
    for another grade.

    Any OK proves the person is alive, so it answers all open checks, even when
    tapped on an older message. ``event_at`` is when LINE says the OK happened
    (its event timestamp): an OK from before a check's ``due_at`` (a redelivered
    tap from last week) never answers that check. The thank-you goes out as a
    free reply while a reply token is at hand. ``answered_in``: the chat of the
    answer (a group), which is not pushed an all-clear as well. Returns the number of checks
    answered.
    """
    if grade not in messages.GRADES:
        raise ValueError(f"unknown grade {grade!r}")
    now = clock.now()
    with transaction.atomic():
        answered = 0
        last: Check | None = None
        open_checks = Check.objects.filter(person=person, state=Check.State.OPEN)
        later = 0
        if event_at is not None:
            later = open_checks.filter(due_at__gt=event_at).count()
            if later:
                timeline.record(
                    person,
                    "stale_answer",
                    "この確認より前の「げんきです」（遅れて届いたもの）のため、応答に数えません",
                    now,
                    via=via,
                    event_at=event_at.isoformat(),
                )
            open_checks = open_checks.filter(due_at__lte=event_at)
        for check in open_checks:
            if close_check(
                check,
                state=Check.State.ANSWERED,
                reason="ok",
                now=now,
                answered_in=answered_in,
                grade=grade,
            ):
                answered += 1
                last = check
                timeline.record(
                    person,
                    "answered",
                    f"本人が「{SAID[grade]}」と応答",
                    now,
                    check,
                    via=via,
                    grade=grade,
                )
        if not answered:
            timeline.record(
                person,
                "ok_unprompted",
                f"本人から「{SAID[grade]}」（確認待ちなし）",
                now,
                via=via,
                grade=grade,
            )
            if not later:  # a late, stale OK settles nothing
                cancel_settled_tasks(person.pk, now)
        if grade != "ok":
            # The person asked for a call even when no check waited (an old message).
            # A stale tap answers nothing: hang the follow-up on the latest
            # closed check, never on an open one whose ladder runs on.
            checks = Check.objects.filter(person=person).order_by("-due_at")
            on = last or checks.exclude(state=Check.State.OPEN).first() or checks.first()
            if on is not None:
                open_follow_up(person, on, grade, now)
        if reply_token:
            replies = [messages.thanks_message(person.language, grade)]
            if grade == "ok" and last is not None and habits.ask_to_use_menu(person, last, now):
                replies.append(messages.early_hint_message(person.language))  # the same free reply
            enqueue_reply(
                person=person,
                reply_token=reply_token,
                messages=replies,
                purpose="thanks",
                now=now,
            )
    return answered
