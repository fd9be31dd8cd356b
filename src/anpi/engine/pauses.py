"""Pauses (るす・入院): no checks on chosen local dates; they resume by themselves.

A pause is a ``people.Pause`` row (``starts_on``..``ends_on``, local dates of
the tenant, both included). ``people.schedule.next_occurrence`` skips paused
dates, so the planner never makes a check for them. This module is the one
place a pause is made or ended, by whoever acts (the person in chat,
``individual.pause_chat``; staff on the person page; staff deciding
「入院・外出と分かった」, ``engine.decisions``).

``pause_person``, in one transaction:

1. Lock the person ``FOR NO KEY UPDATE`` (as engine.early: the planner passes
   them by, advance may still insert their rows). Lock order person → check.
2. Insert the pause with who set it.
3. A pause that covers today stops the running escalation: each open check is
   closed with a compare-and-set (``tasks.close_check``), reason ``paused``;
   its open tasks are cancelled with that reason in their note. A check
   planned for a paused date and not yet sent (step 0) is removed (CAS on
   ``step = 0``), so that ending the pause early lets the planner make it again.
   Whoever the check alarmed hears the truth (engine.allclear): for the
   person's own 「るす」 that the person told us so in LINE; for staff, that
   staff learnt the person is in hospital or away (the staff form says to use
   it only then, as the call queue's 「入院・外出と分かった」).
4. Move ``next_check_at`` to the first unpaused occurrence.

The first check after a pause carries a welcome-back line (``welcome_back_ids``)
instead of a separate message: no extra paid push.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from anpi.people.models import Pause, Person
from anpi.tenants import audit
from anpi.tenants.actors import Actor
from anpi.tenants.models import Tenant

from . import timeline
from .models import Check, Task
from .plan import following_occurrence
from .tasks import close_check

# The longest pause anyone may set in one go (a long hospital stay); staff can
# set another after it.
MAX_PAUSE_DAYS = 180
# A welcome back is said only for a pause that ended this recently.
WELCOME_WINDOW = timedelta(days=31)
PAUSED = "paused"


class PauseError(ValueError):
    """Dates a pause cannot have. ``code``: ``order`` (ends before it starts),
    ``past`` (starts before today), ``too_long`` (over ``MAX_PAUSE_DAYS``)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def local_today(person: Person, now: datetime) -> date:
    """Today's date in the person's tenant's time zone."""
    return now.astimezone(ZoneInfo(person.tenant.timezone)).date()


def check_dates(starts_on: date, ends_on: date, today: date) -> None:
    """Raise PauseError unless ``today <= starts_on <= ends_on`` and the pause
    lasts at most ``MAX_PAUSE_DAYS`` days."""
    if ends_on < starts_on:
        raise PauseError("order")
    if starts_on < today:
        raise PauseError("past")
    if (ends_on - starts_on).days + 1 > MAX_PAUSE_DAYS:
        raise PauseError("too_long")


def who(actor: Actor) -> str:
    """Who paused, for staff (timeline, person page): 本人（LINE） or スタッフ name."""
    if actor.kind == "line":
        return "本人（LINE）"
    if actor.kind == "staff":
        return f"スタッフ {actor.label}"
    return actor.label or "システム"


def _lock(person: Person) -> Person:
    return (
        Person.objects.select_for_update(of=("self",), no_key=True)
        .select_related("tenant")
        .get(pk=person.pk)
    )


@transaction.atomic
def pause_person(
    person: Person,
    starts_on: date,
    ends_on: date,
    actor: Actor,
    now: datetime,
    *,
    reason: str = "",
) -> Pause:
    """Pause ``person``'s checks from ``starts_on`` to ``ends_on`` (local dates,
    both included); see the module's algorithm. Raises PauseError for dates
    ``check_dates`` refuses. Returns the new pause."""
    person = _lock(person)
    today = local_today(person, now)
    check_dates(starts_on, ends_on, today)
    pause = Pause.objects.create(
        tenant_id=person.tenant_id,
        person=person,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=reason[:100],
        set_by_kind=actor.kind,
        set_by_label=who(actor)[:150],
        set_by_user=actor.user,
        created_at=now,
    )
    by = who(actor)
    timeline.record(
        person,
        "paused",
        f"{starts_on:%m/%d}〜{ends_on:%m/%d} 確認を休みます（{by}が設定"
        + (f"、{reason}" if reason else "")
        + "）。そのあと自動で再開",
        now,
        actor=actor,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
    )
    _stop_checks(person, pause, actor, today, now)
    _move_next_check(person, now)
    audit.record(
        person.tenant_id,
        actor,
        "person.pause",
        person,
        now,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
        reason=reason,
    )
    return pause


def _stop_checks(person: Person, pause: Pause, actor: Actor, today: date, now: datetime) -> None:
    zone = ZoneInfo(person.tenant.timezone)
    # The person telling us in LINE is news from them; staff setting a pause
    # says they learnt the person is away (its why_away line in engine/texts/*/contacts.toml).
    told_as = PAUSED if actor.kind == "line" else "away"
    by = who(actor)
    for check in Check.objects.filter(person=person, state=Check.State.OPEN).order_by("id"):
        due_day = check.due_at.astimezone(zone).date()
        paused_day = pause.starts_on <= due_day <= pause.ends_on
        if check.step == 0 and paused_day and _unplan(check):
            continue
        if not (pause.starts_on <= today or paused_day):
            continue  # a pause that starts later leaves today's incident running
        check.refresh_from_db(fields=["state", "version", "step"])
        check.person = person
        tasks = list(
            Task.objects.filter(check_run=check, state=Task.State.OPEN).values_list("pk", flat=True)
        )
        if not close_check(
            check, state=Check.State.RESOLVED, reason=PAUSED, now=now, announce_as=told_as
        ):
            continue  # answered or closed meanwhile: nothing to stop
        Task.objects.filter(pk__in=tasks).update(note=f"休止のため取り消し（{by}）")
        timeline.record(
            person, "paused_check_closed", f"休止のため確認を終了（{by}）", now, check, actor=actor
        )


def _unplan(check: Check) -> bool:
    """Remove a check planned for a paused date whose question has not gone
    out (step 0), with a compare-and-set on ``(version, step=0, open)``: a
    paused date has no check (the planner would not have made one), and if the
    pause ends early the planner makes it again (invariant 1 holds either way).
    False if send_check fired first: then it is closed like any sent check."""
    deleted, _ = Check.objects.filter(
        pk=check.pk, version=check.version, step=0, state=Check.State.OPEN
    ).delete()
    return bool(deleted)


def _move_next_check(person: Person, now: datetime) -> None:
    if person.status != Person.Status.ACTIVE:
        return
    person.next_check_at = following_occurrence(person, now)
    Person.objects.filter(pk=person.pk).update(next_check_at=person.next_check_at)


def current_pauses(person: Person, now: datetime) -> list[Pause]:
    """The person's pauses that have not ended yet (today or later), earliest first."""
    return list(
        person.pauses.filter(ends_on__gte=local_today(person, now)).order_by("starts_on", "id")
    )


@transaction.atomic
def end_pause(person: Person, actor: Actor, now: datetime) -> int:
    """End every pause of ``person`` that has not ended: checks resume today.

    A pause already under way ends yesterday (``ended_early_at`` is set); one
    that has not begun (or began today) is removed. The timeline and the audit
    log keep who set and who ended it. Returns how many pauses were ended."""
    person = _lock(person)
    today = local_today(person, now)
    ended = 0
    for pause in current_pauses(person, now):
        if pause.starts_on >= today:
            pause.delete()
        else:
            Pause.objects.filter(pk=pause.pk).update(
                ends_on=today - timedelta(days=1), ended_early_at=now
            )
        ended += 1
    if not ended:
        return 0
    timeline.record(
        person, "pause_ended", f"休止を終了（{who(actor)}）: きょうから確認を再開", now, actor=actor
    )
    _move_next_check(person, now)
    audit.record(person.tenant_id, actor, "person.pause_end", person, now, pauses=ended)
    return ended


def welcome_back_ids(checks: Iterable[Check]) -> set[int]:
    """Of ``checks`` (send_check about to fire; ``id``, ``tenant_id``,
    ``person_id``, ``due_at`` loaded), those that are their person's first
    check after a pause ended (within ``WELCOME_WINDOW``): the message says
    おかえりなさい. Two queries for the batch, one more per candidate."""
    checks = list(checks)
    if not checks:
        return set()
    zones = {
        pk: ZoneInfo(tz)
        for pk, tz in Tenant.objects.filter(pk__in={c.tenant_id for c in checks}).values_list(
            "pk", "timezone"
        )
    }
    days = {c.pk: c.due_at.astimezone(zones[c.tenant_id]).date() for c in checks}
    ends: dict[int, list[date]] = {}
    for person_id, ends_on in Pause.objects.filter(
        person_id__in={c.person_id for c in checks},
        ends_on__gte=min(days.values()) - WELCOME_WINDOW,
        ends_on__lt=max(days.values()),
    ).values_list("person_id", "ends_on"):
        ends.setdefault(person_id, []).append(ends_on)
    welcome: set[int] = set()
    for check in checks:
        ended = [d for d in ends.get(check.person_id, []) if d < days[check.pk]]
        if not ended:
            continue
        resumed = datetime.combine(max(ended) + timedelta(days=1), time(0), zones[check.tenant_id])
        earlier = Check.objects.filter(
            person_id=check.person_id, due_at__gte=resumed, due_at__lt=check.due_at
        ).exclude(pk=check.pk)
        if not earlier.exists():
            welcome.add(check.pk)
    return welcome


def pause_rows(person: Person, now: datetime) -> list[dict[str, Any]]:
    """The person page's list: current and coming pauses with who set them."""
    return [
        {"pause": p, "by": p.set_by_label or "—"} for p in current_pauses(person, now)
    ]
