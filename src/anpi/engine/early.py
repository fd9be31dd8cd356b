"""Early answers: a 「げんきです」 before the check is due makes that check free.

A person who taps the rich menu's 「げんきです」 (postback ``anpi:genki:0``) or
types an OK says they are fine *now*. When nothing is waiting for an answer and
their next check is due within the policy's ``early_window`` (seconds, a param
of the ``send_check`` step; the individual service's default is 12 h; absent
means 0: no early answers), that occurrence is answered in advance: no check
message is pushed (LINE charges for pushes, not for replies), and the thank-you
goes out as a free reply.

Algorithm (``answer_genki``), in one transaction:

1. Lock the person row (``SELECT … FOR NO KEY UPDATE``: the planner's
   ``FOR UPDATE SKIP LOCKED`` claim passes this person by meanwhile, while
   advance may still insert rows that refer to the person). Lock order
   person → check, as in ``individual.actions.do_block``.
2. An open check due at or before the tap (LINE's ``timestamp``, ``event_at``)
   is waiting for an answer: the tap is an ordinary OK (``answer.answer_ok``),
   nothing is answered in advance.
3. If the occurrence was planned already (an open check due after the tap):
   close it as answered, ``close_reason="early"``, with a compare-and-set on
   ``(version, state='open', step=0)``. ``step=0`` means its send_check has not
   fired: if advance fired it first, the CAS changes no row, the push is out,
   and the tap is an ordinary OK, which — being older than that check — does
   not answer it (the ordering rule: an answer never answers a check sent after
   it). If the CAS wins, advance's own CAS on ``state='open'`` fails and no
   step fires (invariant 5).
4. Otherwise, if ``person.next_check_at`` is within the window: insert that
   occurrence's check already answered (``close_reason="early"``, never due to
   advance: ``next_action_at`` NULL) and move ``next_check_at`` to the
   following occurrence with a compare-and-set on the value read. The unique
   ``(person, due_at)`` keeps one check per occurrence (invariant 1) even if
   a planner got there first; then the tap falls back to 3's outcome.
5. Neither: an ordinary OK (unprompted).

Timeline ``answered_early`` 「早めの げんきです（送信なし）」 on the check.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import F

from anpi.people.models import Person

from . import registry, timeline
from .answer import answer_ok
from .clock import Clock
from .models import Check
from .outbox import enqueue_reply
from .phrases import say
from .plan import following_occurrence, policy_for

EARLY_WINDOW = "early_window"
EARLY_TEXT = "早めの げんきです（送信なし）"

registry.register_purpose("early_thanks", "早めの応答へのお礼", on_reply_refused="drop")


def early_window(policy: Any) -> timedelta:
    """The ``early_window`` of the policy's send_check step; 0 when absent or not
    a whole number of seconds in 0–86,400. A snapshot edited in the database must
    never make a tap raise (the OK would be retried, then quarantined): a bad
    window only means no early answer."""
    steps = policy if isinstance(policy, list) else []
    for step in steps:
        if isinstance(step, dict) and step.get("action") == "send_check":
            params = step.get("params")
            value = params.get(EARLY_WINDOW, 0) if isinstance(params, dict) else 0
            valid = isinstance(value, int) and not isinstance(value, bool)
            return timedelta(seconds=value if valid and 0 <= value <= 86400 else 0)
    return timedelta(0)


def early_thanks_message(
    due_at: datetime, now: datetime, tz: str, language: str | None = None
) -> dict[str, Any]:
    """The free reply: thanks, and which check will not come (in the tenant's
    time), in the person's ``language``."""
    zone = ZoneInfo(tz)
    day, today = due_at.astimezone(zone).date(), now.astimezone(zone).date()
    when = (
        say(language, "early_today")
        if day == today
        else say(language, "early_tomorrow")
        if day == today + timedelta(days=1)
        else say(language, "early_date", month=day.month, day=day.day)
    )
    return {"type": "text", "text": say(language, "early_thanks", when=when)}


class _Lost(Exception):
    """A compare-and-set lost to the planner: roll the savepoint back."""


def _close_planned(check: Check, now: datetime) -> bool:
    """Close a planned, not yet sent check as answered early (CAS on step 0)."""
    return (
        Check.objects.filter(
            pk=check.pk, version=check.version, state=Check.State.OPEN, step=0
        ).update(
            state=Check.State.ANSWERED,
            close_reason="early",
            answer_grade="ok",  # the menu's only button is 「げんきです」
            answered_at=now,
            closed_at=now,
            next_action_at=None,
            version=F("version") + 1,
        )
        == 1
    )


def _answer_unplanned(person: Person, due: datetime, now: datetime) -> Check | None:
    """Insert the occurrence's check already answered and move ``next_check_at``."""
    try:
        with transaction.atomic():  # a savepoint: a lost race leaves nothing behind
            check = Check.objects.create(
                tenant_id=person.tenant_id,
                person=person,
                due_at=due,
                policy=policy_for(person),
                state=Check.State.ANSWERED,
                close_reason="early",
                answer_grade="ok",
                next_action_at=None,
                created_at=now,
                answered_at=now,
                closed_at=now,
            )
            moved = Person.objects.filter(
                pk=person.pk, status=Person.Status.ACTIVE, next_check_at=due
            ).update(next_check_at=following_occurrence(person, due))
            if moved != 1:
                raise _Lost()
    except (IntegrityError, _Lost):
        return None
    return check


def _answer_in_advance(person_id: int, event_at: datetime, now: datetime) -> Check | None:
    """Steps 1–4 of the module's algorithm: the check answered early, or None."""
    # FOR NO KEY UPDATE: it excludes the planner's FOR UPDATE claim, but not the
    # KEY SHARE lock that inserting an outbox or timeline row of this person takes
    # (a foreign key). A plain FOR UPDATE here deadlocks against advance, which
    # holds the check and inserts such rows while we wait for the check.
    person = (
        Person.objects.select_for_update(of=("self",), no_key=True)
        .select_related("tenant")
        .prefetch_related("pauses")
        .filter(pk=person_id, status=Person.Status.ACTIVE)
        .first()
    )
    if person is None:
        return None
    # Under the lock: a check planned and due by the tap is waiting for an answer.
    if Check.objects.filter(person=person, state=Check.State.OPEN, due_at__lte=event_at).exists():
        return None
    planned = (
        Check.objects.filter(person=person, state=Check.State.OPEN, due_at__gt=event_at)
        .order_by("due_at")
        .first()
    )
    if planned is not None:
        if planned.step != 0 or planned.due_at - event_at > early_window(planned.policy):
            return None
        return planned if _close_planned(planned, now) else None
    due = person.next_check_at
    if due is None or due <= event_at or due - event_at > early_window(policy_for(person)):
        return None
    return _answer_unplanned(person, due, now)


def answer_genki(
    person: Any,
    clock: Clock,
    *,
    reply_token: str = "",
    via: str = "line",
    event_at: datetime | None = None,
) -> Literal["early", "ok"]:
    """The person says 「げんきです」 unprompted (rich menu or typed): answer the
    next occurrence in advance if the rules allow it (module docstring), else an
    ordinary OK (``answer_ok``). Returns ``"early"`` or ``"ok"``."""
    now = clock.now()
    at = event_at or now
    with transaction.atomic():
        early = _answer_in_advance(person.pk, at, now)
        if early is None:
            answer_ok(person, clock, reply_token=reply_token, via=via, event_at=at)
            return "ok"
        timeline.record(
            person,
            "answered_early",
            EARLY_TEXT,
            now,
            early,
            via=via,
            event_at=at.isoformat(),
            due_at=early.due_at.isoformat(),
        )
        if reply_token:
            enqueue_reply(
                person=person,
                reply_token=reply_token,
                messages=[
                    early_thanks_message(
                        early.due_at, now, person.tenant.timezone, person.language
                    )
                ],
                purpose="early_thanks",
                now=now,
                check=early,
            )
    return "early"
