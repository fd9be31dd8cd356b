"""Answers: a person's OK (staff outcomes are ``engine.tasks.record_task_outcome``).

An answer closes the check with its own compare-and-set on ``version``. If a
step of the same check commits first, the CAS fails, we re-read and try again;
if the answer commits first, the step's CAS fails and it fires nothing
(invariant 5). See docs/engine.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from . import messages, timeline
from .clock import Clock
from .models import Check
from .outbox import enqueue_reply
from .tasks import TaskClosed, cancel_settled_tasks, close_check, record_task_outcome

__all__ = ["TaskClosed", "answer_ok", "record_task_outcome"]

def answer_ok(
    person: Any,
    clock: Clock,
    *,
    reply_token: str = "",
    via: str = "line",
    event_at: datetime | None = None,
    answered_in: str = "",
) -> int:
    """The person says they are fine: close every open check of theirs that was
    due by the time they said it.

    Any OK proves the person is alive, so it answers all open checks, even when
    tapped on an older message. ``event_at`` is when LINE says the OK happened
    (its event timestamp): an OK from before a check's ``due_at`` (a redelivered
    tap from last week) never answers that check. The thank-you goes out as a
    free reply while a reply token is at hand. ``answered_in``: the chat of the
    answer (a group), which is not pushed an all-clear as well. Returns the number of checks
    answered.
    """
    now = clock.now()
    with transaction.atomic():
        answered = 0
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
                check, state=Check.State.ANSWERED, reason="ok", now=now, answered_in=answered_in
            ):
                answered += 1
                timeline.record(
                    person, "answered", "本人が「げんきです」と応答", now, check, via=via
                )
        if not answered:
            timeline.record(
                person, "ok_unprompted", "本人から「げんきです」（確認待ちなし）", now, via=via
            )
            if not later:  # a late, stale OK settles nothing
                cancel_settled_tasks(person.pk, now)
        if reply_token:
            enqueue_reply(
                person=person,
                reply_token=reply_token,
                messages=[messages.thanks_message(person.language)],
                purpose="thanks",
                now=now,
            )
    return answered
