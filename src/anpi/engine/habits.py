"""Habitual tappers: people who answer the check within minutes most days are
asked, once, to tap the rich menu's 「げんきです」 before the check instead.

The check push is paid; an early answer from the menu makes that day's check
free (engine.early: no push at all). Someone who answers every morning within
minutes of the push could as well answer before it. The ask rides on the free
reply to their OK (a reply carries up to five messages and costs nothing), so
asking costs nothing either.

``ask_to_use_menu`` says yes when all of these hold (the constants below):

1. the tenant asks at all (``Tenant.menu_hint_days`` > 0) and the person's
   channel has the 「げんきです」 menu (else the advice would be untrue);
2. the answered check's policy allows early answers (``early_window`` > 0);
3. of the person's last ``HABIT_CHECKS`` answered checks, at least
   ``HABIT_MIN`` were answered within ``HABIT_MINUTES`` of being due;
4. the person was not asked in the last ``menu_hint_days`` days (timeline
   entry ``menu_hint``, recorded here so that the ask is not repeated).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from . import timeline
from .models import Check, TimelineEntry

HABIT_CHECKS = 7
HABIT_MIN = 5
HABIT_MINUTES = 30
HINT_KIND = "menu_hint"


def is_habitual(person_id: int) -> bool:
    """At least ``HABIT_MIN`` of the person's last ``HABIT_CHECKS`` answered
    checks (answered from the check message, not early) came within
    ``HABIT_MINUTES`` minutes of ``due_at`` (when the check is sent)."""
    recent = list(
        Check.objects.filter(person_id=person_id, state=Check.State.ANSWERED, close_reason="ok")
        .exclude(answered_at__isnull=True)
        .order_by("-due_at")
        .values_list("due_at", "answered_at")[:HABIT_CHECKS]
    )
    soon = timedelta(minutes=HABIT_MINUTES)
    quick = sum(1 for due, answered in recent if answered is not None and answered - due <= soon)
    return quick >= HABIT_MIN


def ask_to_use_menu(person: Any, check: Check, now: datetime) -> bool:
    """Whether the reply to this OK should carry the menu hint (module
    docstring); when it should, the ask is recorded on the timeline in the
    caller's transaction (the answer's), so it happens once per
    ``menu_hint_days``. ``check``: the check the OK just answered."""
    from .early import early_window  # engine.early imports engine.answer, which imports us

    tenant = person.tenant
    days = tenant.menu_hint_days
    if not days or person.channel_id is None or not person.channel.rich_menu_id:
        return False
    if not early_window(check.policy):
        return False
    if TimelineEntry.objects.filter(
        person=person, kind=HINT_KIND, at__gt=now - timedelta(days=days)
    ).exists():
        return False
    if not is_habitual(person.pk):
        return False
    timeline.record(
        person,
        HINT_KIND,
        "毎日すぐ応答されるため、確認の前にメニューの「げんきです」を押す案内をお礼の返信に添えました（無料）",
        now,
        check,
    )
    return True
