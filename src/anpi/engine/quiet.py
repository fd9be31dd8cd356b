"""Quiet hours (静かな時間帯): no staff calls or contact notifications at night.

A tenant may set quiet hours in its local time zone (``Tenant.quiet_start`` /
``quiet_end``, e.g. 21:00–08:00; a start after the end spans midnight; both
empty or equal: none). A step of an action registered with
``held_in_quiet_hours`` (the staff phone call, the emergency contacts, the
groups' and teams' alerts) that falls due inside them waits for their end,
unless the policy marks the step ``"emergency": true``
(``engine.policies.validate_policy``). The wait is on the timeline.

The person's own questions (send_check, resend, last_notice) are never held:
the person chose the time of their check, and a question that waits would only
delay the ladder by the same hours. Staff decision tasks (decide_task) are not
held either: they wait in the queue, they call nobody.

Everything here reads time from the caller (the engine clock); nothing reads
the system clock.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction

from anpi.tenants import audit
from anpi.tenants.actors import Actor


def quiet_until(start: time | None, end: time | None, tz: str, now: datetime) -> datetime | None:
    """The end of the quiet hours ``now`` (aware) falls in, as an aware datetime
    in ``tz``; None when ``now`` is outside them or there are none.

    ``start``/``end`` are local wall-clock times of ``tz``. ``start < end``: the
    same day (e.g. 12:00–13:00); ``start > end``: across midnight (21:00–08:00).
    """
    if start is None or end is None or start == end:
        return None
    zone = ZoneInfo(tz)
    local = now.astimezone(zone)
    at = local.time().replace(tzinfo=None)
    today = local.date()
    if start < end:
        inside = start <= at < end
        end_day = today
    else:
        inside = at >= start or at < end
        end_day = today + timedelta(days=1) if at >= start else today
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=zone)


def tenant_quiet_until(tenant: Any, now: datetime) -> datetime | None:
    """``quiet_until`` for a ``Tenant`` (its quiet hours and time zone)."""
    return quiet_until(tenant.quiet_start, tenant.quiet_end, tenant.timezone, now)


def held_text(until: datetime, tz: str) -> str:
    """The timeline's words for a held step (staff read them: ordinary Japanese)."""
    return f"静かな時間帯のため {until.astimezone(ZoneInfo(tz)):%H:%M} まで待ちます"


@transaction.atomic
def do_set_quiet_hours(
    tenant: Any, start: time | None, end: time | None, actor: Actor, now: datetime
) -> None:
    """A tenant admin sets (or clears, with two Nones) the quiet hours.

    Raises ValueError when only one of the two is given or they are equal (a
    form shows its own Japanese error first). Running checks read the new hours
    at their next step; nothing already held moves earlier."""
    if (start is None) != (end is None) or (start is not None and start == end):
        raise ValueError("quiet hours need a start and a different end, or neither")
    before = _words(tenant.quiet_start, tenant.quiet_end)
    tenant.quiet_start, tenant.quiet_end = start, end
    tenant.save(update_fields=["quiet_start", "quiet_end"])
    audit.record(
        tenant.pk, actor, "tenant.quiet_hours", tenant, now, before=before, after=_words(start, end)
    )


def _words(start: time | None, end: time | None) -> str:
    if start is None or end is None:
        return "なし"
    return f"{start:%H:%M}–{end:%H:%M}"
