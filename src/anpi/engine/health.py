"""Who watches the watcher: is the platform itself alive?

``health_report`` is what /healthz and ``anpi health`` print. ``track_incident``
turns a bad report into an incident (dashboard banner, one e-mail to each
tenant's staff) and closes it when the report is good again. /healthz,
``anpi health`` (run it from cron) and every worker call it, so "no live
worker" is noticed even when no worker is left to notice it; the dashboard's
``health_banner`` shows the open incident.
``ping_heartbeat_url`` is the outward dead man's switch (``ANPI_HEARTBEAT_URL``):
an outside monitor alarms when the pings stop.
"""

from __future__ import annotations

import logging
import urllib.request
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import Min

from .clock import Clock, get_clock
from .models import Check, HealthIncident, Inbox, Outbox, WorkerHeartbeat
from .quarantine import open_counts
from .quota import exhausted_channels

log = logging.getLogger(__name__)

STALE_WORKER = timedelta(minutes=2)
OVERDUE_STEP = timedelta(minutes=5)
STUCK_OUTBOX = timedelta(minutes=15)
STUCK_INBOX = timedelta(minutes=2)


def _scale(clock: Clock) -> float:
    """Thresholds are meant in real time: under a demo clock running N times
    faster, N virtual minutes pass between two passes of a healthy worker."""
    return max(1.0, float(getattr(clock, "speed", 1.0)))


def health_report(clock: Clock | None = None) -> dict[str, Any]:
    clock = clock or get_clock()
    now = clock.now()
    scale = _scale(clock)
    stale_worker, overdue_step = STALE_WORKER * scale, OVERDUE_STEP * scale
    stuck_outbox, stuck_inbox = STUCK_OUTBOX * scale, STUCK_INBOX * scale
    try:
        connection.ensure_connection()
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "database": f"unreachable: {exc}", "problems": ["database"]}
    beats = list(WorkerHeartbeat.objects.values_list("name", "beat_at"))
    live = [name for name, at in beats if at >= now - stale_worker]
    stale = sorted(name for name, at in beats if at < now - stale_worker)
    # check_due_idx: open checks by next_action_at.
    overdue = Check.objects.filter(state="open", next_action_at__lt=now - overdue_step).count()
    # outbox_due_idx: rows waiting to be (re)sent.
    waiting = Outbox.objects.filter(state__in=["pending", "sending"])
    outbox_backlog = waiting.filter(next_attempt_at__lte=now).count()
    stuck = waiting.filter(next_attempt_at__lt=now - stuck_outbox).count()
    # inbox_todo_idx: events not processed yet.
    todo = Inbox.objects.filter(processed_at__isnull=True)
    inbox = todo.aggregate(oldest=Min("received_at"))
    inbox_backlog = todo.count()
    oldest = inbox["oldest"]
    inbox_age = (now - oldest).total_seconds() if oldest else 0.0
    quarantined = open_counts()
    at_limit = exhausted_channels()
    problems = []
    if quarantined:
        detail = ", ".join(f"{kind} {n}" for kind, n in sorted(quarantined.items()))
        problems.append(f"{sum(quarantined.values())} rows quarantined ({detail})")
    if at_limit:
        problems.append("LINE monthly message limit reached: " + ", ".join(at_limit))
    if not live:
        problems.append("no live worker" + (f" (stale: {', '.join(stale)})" if stale else ""))
    if overdue:
        problems.append(f"{overdue} checks overdue for their next step")
    if stuck:
        problems.append(f"{stuck} outbox rows stuck")
    if oldest and now - oldest > stuck_inbox:
        problems.append(f"{inbox_backlog} webhook events waiting, oldest {inbox_age:.0f} s")
    return {
        "ok": not problems,
        "database": "ok",
        "at": now.isoformat(),
        "workers": {"live": len(live), "stale": len(stale), "stale_names": stale},
        "checks_overdue": overdue,
        "outbox_backlog": outbox_backlog,
        "outbox_stuck": stuck,
        "inbox_backlog": inbox_backlog,
        "inbox_oldest_seconds": round(inbox_age, 1),
        "quarantined": quarantined,
        "line_monthly_limit": at_limit,
        "problems": problems,
    }


def _tell_staff(subject: str, body: str) -> None:
    from anpi.tenants.models import Tenant

    addresses = sorted(
        set(Tenant.objects.exclude(staff_email="").values_list("staff_email", flat=True))
    )
    for address in addresses:
        try:
            # Directly, not through the outbox: the outbox needs a live worker.
            send_mail(subject, body, None, [address])
        except Exception:  # noqa: BLE001 - a mail server down must not hide the report
            log.exception("could not e-mail %s about the platform's health", address)


def track_incident(report: dict[str, Any], now: datetime | None = None) -> HealthIncident | None:
    """Open an incident for a bad report, close it for a good one. Returns the open one.

    The staff hear of an incident once when it opens and once when it ends,
    not on every pass that sees it.
    """
    now = now or get_clock().now()
    problems = list(report.get("problems", []))
    current = HealthIncident.objects.filter(is_open=True).first()
    if problems and current is None:
        try:
            with transaction.atomic():
                current = HealthIncident.objects.create(opened_at=now, problems=problems)
        except IntegrityError:
            return HealthIncident.objects.filter(is_open=True).first()  # another process won
        _tell_staff(
            "【anpi】見守りシステムに異常があります",
            "anpi が自分自身の異常を検知しました。安否確認が遅れている可能性があります。\n\n"
            + "\n".join(f"- {p}" for p in problems)
            + "\n\nダッシュボードと `anpi health` で状況を確認してください。",
        )
        return current
    if problems and current is not None:
        HealthIncident.objects.filter(pk=current.pk, is_open=True).update(problems=problems)
        current.problems = problems
        return current
    if not problems and current is not None:
        if HealthIncident.objects.filter(pk=current.pk, is_open=True).update(
            is_open=None, closed_at=now
        ):
            _tell_staff(
                "【anpi】見守りシステムは復旧しました",
                f"{current.opened_at:%Y-%m-%d %H:%M} UTC からの異常は解消しました。",
            )
    return None


def health_banner(request: Any) -> dict[str, Any]:
    """Template context processor: ``anpi_health_incident`` for signed-in staff.

    It only reads the open incident (one row, if any); incidents are opened by
    whoever computes the report: /healthz, ``anpi health`` from cron, and the
    workers themselves (docs/operations.md).
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    try:
        incident = HealthIncident.objects.filter(is_open=True).first()
        # Staff must not depend on cron to learn that no worker runs: one
        # indexed lookup on the heartbeat table answers it on every page.
        clock = get_clock()
        stale_after = STALE_WORKER * _scale(clock)
        no_worker = not WorkerHeartbeat.objects.filter(
            beat_at__gte=clock.now() - stale_after
        ).exists()
    except Exception:  # noqa: BLE001 - the banner must never break a page
        log.exception("health banner failed")
        return {}
    return {"anpi_health_incident": incident, "anpi_no_live_worker": no_worker}


def ping_heartbeat_url(timeout: float = 10.0) -> bool:
    """GET ``ANPI_HEARTBEAT_URL`` (e.g. a healthchecks.io check). Returns success."""
    url = getattr(settings, "ANPI_HEARTBEAT_URL", "")
    if not url:
        return False
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - operator's URL
            return 200 <= resp.status < 300
    except Exception as exc:  # noqa: BLE001
        log.warning("heartbeat URL %s failed: %s", url, exc)
        return False
