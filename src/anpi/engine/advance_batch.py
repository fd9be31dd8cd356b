"""Set-based advance for the hot steps: many checks' push steps in one transaction.

The steps that only push one message to the person (``steps.PUSH_STEPS``:
send_check, resend, last_notice) are the bulk of the work — every check starts
with send_check, every unanswered one gets a resend — so they are fired for up
to ``CHUNK`` checks per transaction instead of one transaction per check.

Algorithm (``fire_push_steps``), one transaction per chunk:

1. Lock the chunk's checks that are still open and due (``FOR UPDATE SKIP
   LOCKED OF check`` on PostgreSQL: a row locked by an answer or another
   worker is left for later; SQLite's IMMEDIATE transaction is exclusive).
2. Compare-and-set, grouped by (step, version, next delay): ``UPDATE check SET
   step = s + 1, version = v + 1, next_action_at = now + after WHERE id IN (…)
   AND state = 'open' AND step = s AND version = v``. The rows are locked by us,
   so every row must change; if one does not, the chunk rolls back and its
   checks go the per-check way (engine.advance.advance_check).
3. Expire the chunk's tasks whose deadline passed (``tasks.expire_overdue_tasks``:
   a timeline entry each, and staff e-mailed for a call nobody made).
4. send_check keeps the one-incident rule of engine.merge: a person with an
   older open check gets the question only if not asked anyway within the
   hour, and the new check is closed as merged.
   The first check after a pause (engine.pauses.welcome_back_ids, one
   query for the chunk) carries おかえりなさい, as a personal push.
   Push steps are never held by quiet hours (engine.quiet): the person
   chose the time of their check.
5. ``bulk_create`` the outbox rows (with a ``coalesce_key`` when the message is
   identical for everyone, engine.multicast) and the timeline entries.
   ``steps.person_push_row`` keeps the one rule of steps.py: a person
   without LINE gets a staff phone task instead.

Everything commits with the CAS or not at all (invariants 5 and 6), exactly as
the per-check path; only the number of checks per transaction differs.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import F

from anpi.people.models import Person

from . import merge, pauses
from .cost import identical_tenants
from .models import Check, Outbox, TimelineEntry
from .steps import PUSH_STEPS, WELCOME_BACK, cost_guarded, person_push_row, step_text
from .tasks import expire_overdue_tasks

CHUNK = 1000

log = logging.getLogger(__name__)


class _LostRace(Exception):
    """A locked row did not take the CAS: roll the chunk back, go per check."""


def is_push_step(step: int, policy: list[dict[str, Any]]) -> bool:
    """True if step ``step`` of ``policy`` can be fired by ``fire_push_steps``."""
    return step < len(policy) - 1 and policy[step]["action"] in PUSH_STEPS


def fire_push_steps(check_ids: list[int], now: datetime) -> tuple[int, list[int]]:
    """Fire the due push step of each check. Returns (steps fired, ids to retry
    one by one because their chunk lost a race)."""
    fired, leftover = 0, []
    for start in range(0, len(check_ids), CHUNK):
        chunk = check_ids[start : start + CHUNK]
        try:
            fired += _fire_chunk(chunk, now)
        except _LostRace:
            leftover += chunk
        except Exception:  # noqa: BLE001 - one bad check must not stop the chunk
            # e.g. a policy whose 'after' overflows: roll back, go one by one, where
            # engine.advance quarantines the check that raises and fires the rest.
            log.exception("push chunk of %s checks failed; retrying one by one", len(chunk))
            leftover += chunk
    return fired, leftover


def _lock_due(ids: list[int], now: datetime) -> list[Check]:
    qs = Check.objects.filter(pk__in=ids, state=Check.State.OPEN, next_action_at__lte=now)
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    fields = ("id", "tenant_id", "person_id", "due_at", "step", "version", "policy")
    return [c for c in qs.only(*fields).order_by("id") if is_push_step(c.step, c.policy)]


def _cas(checks: list[Check], now: datetime) -> None:
    groups: dict[tuple[int, int, int], list[int]] = defaultdict(list)
    for c in checks:
        groups[(c.step, c.version, c.policy[c.step + 1]["after"])].append(c.pk)
    for (step, version, after), ids in groups.items():
        won = Check.objects.filter(
            pk__in=ids, state=Check.State.OPEN, step=step, version=version
        ).update(
            step=step + 1,
            version=F("version") + 1,
            next_action_at=now + timedelta(seconds=after),
        )
        if won != len(ids):
            raise _LostRace


def _fire_chunk(ids: list[int], now: datetime) -> int:
    with transaction.atomic():
        checks = _lock_due(ids, now)
        if not checks:
            return 0
        # Read before our own CAS moves these checks (engine.merge).
        older = merge.older_open_checks(
            {c.person_id: c.due_at for c in checks if c.policy[c.step]["action"] == "send_check"},
            now,
        )
        _cas(checks, now)
        won = [c.pk for c in checks]
        expire_overdue_tasks(won, now)
        # The push rule's fields, the name, and what picks the words: the
        # person's language and the tenant's time zone (the greeting's day).
        people = (
            Person.objects.select_related("tenant")
            .only(
                "id", "tenant_id", "channel_id", "line_user_id", "nickname", "display_name",
                "language", "tenant__timezone",
            )
            .in_bulk({c.person_id for c in checks})
        )
        # The first check after a pause says welcome back (engine.pauses).
        welcome = pauses.welcome_back_ids(
            c for c in checks if c.policy[c.step]["action"] == "send_check"
        )
        switched = identical_tenants({c.tenant_id for c in checks}, now)
        merged: list[int] = []
        outbox: list[Outbox] = []
        entries: list[TimelineEntry] = []
        for check in checks:
            check.person = people[check.person_id]
            step = check.policy[check.step]
            action, params = step["action"], step.get("params", {})
            if action == "send_check" and check.person_id in older:
                merged.append(check.pk)
                if older[check.person_id]:  # asked anyway within the hour
                    entries.append(_entry(check, *merge.MERGED_SILENT, now))
                    continue
                entries.append(_entry(check, *merge.MERGED_ASKED, now))
            spec = PUSH_STEPS[action]
            setattr(check, WELCOME_BACK, check.pk in welcome)
            params = cost_guarded(action, params, check.tenant_id in switched)
            message, identical = spec.message(check, params)
            row = person_push_row(check, message, spec.purpose, now, coalesce=identical)
            if row is not None:
                outbox.append(row)
            entries.append(_entry(check, spec.kind, step_text(spec, params), now))
        Outbox.objects.bulk_create(outbox, batch_size=1000)
        TimelineEntry.objects.bulk_create(entries, batch_size=1000)
        merge.close_merged(merged, now)
    return len(checks)


def _entry(check: Check, kind: str, text: str, now: datetime) -> TimelineEntry:
    return TimelineEntry(
        tenant_id=check.tenant_id,
        person_id=check.person_id,
        check_run_id=check.pk,
        at=now,
        kind=kind,
        text=text,
        data={},
    )
