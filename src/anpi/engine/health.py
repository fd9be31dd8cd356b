"""Is the platform itself alive? Used by /healthz and `anpi health`."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import connection

from .clock import get_clock
from .models import Check, Inbox, Outbox, WorkerHeartbeat

STALE_WORKER = timedelta(minutes=2)
OVERDUE_STEP = timedelta(minutes=5)
STUCK_OUTBOX = timedelta(minutes=15)


def health_report() -> dict[str, Any]:
    now = get_clock().now()
    try:
        connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "database": f"unreachable: {exc}"}
    live = WorkerHeartbeat.objects.filter(beat_at__gte=now - STALE_WORKER).count()
    stale = WorkerHeartbeat.objects.filter(beat_at__lt=now - STALE_WORKER).count()
    overdue = Check.objects.filter(state="open", next_action_at__lt=now - OVERDUE_STEP).count()
    stuck = Outbox.objects.filter(
        state__in=["pending", "sending"], next_attempt_at__lt=now - STUCK_OUTBOX
    ).count()
    backlog = Inbox.objects.filter(processed_at__isnull=True).count()
    problems = []
    if overdue:
        problems.append(f"{overdue} checks overdue for their next step")
    if stuck:
        problems.append(f"{stuck} outbox rows stuck")
    return {
        "ok": not problems,
        "database": "ok",
        "workers": {"live": live, "stale": stale},
        "checks_overdue": overdue,
        "outbox_stuck": stuck,
        "inbox_backlog": backlog,
        "problems": problems,
    }
