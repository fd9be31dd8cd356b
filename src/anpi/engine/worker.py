"""The worker loop: plan, advance, ingest, deliver — round and round.

Every part is safe to run in any number of processes against PostgreSQL (see
docs/engine.md); on SQLite one worker is the supported setup.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from . import registry
from .advance import advance_due_checks
from .clock import Clock
from .deliver import TransportFactory, default_transport, deliver_outbox_batch
from .ingest import process_inbox_batch
from .models import WorkerHeartbeat
from .plan import plan_due_checks

log = logging.getLogger(__name__)


@dataclass
class Pass:
    planned: int = 0
    advanced: int = 0
    ingested: int = 0
    delivered: int = 0

    @property
    def busy(self) -> bool:
        return bool(self.planned or self.advanced or self.ingested or self.delivered)


def plan_all(clock: Clock) -> int:
    """The engine's planner and every service's (``registry.planners``)."""
    return plan_due_checks(clock) + sum(plan(clock) for plan in registry.planners)


def run_once(clock: Clock, transport_for: TransportFactory = default_transport) -> Pass:
    """One pass over every job. Ingest first so that answers beat due steps."""
    result = Pass()
    result.ingested = process_inbox_batch(clock)
    result.planned = plan_all(clock)
    result.advanced = advance_due_checks(clock)
    result.delivered = deliver_outbox_batch(clock, transport_for=transport_for)
    return result


def run_until_idle(
    clock: Clock, transport_for: TransportFactory = default_transport, max_passes: int = 100
) -> Pass:
    """Repeat passes until nothing is left to do now (tests and demos)."""
    total = Pass()
    for _ in range(max_passes):
        one = run_once(clock, transport_for)
        total.planned += one.planned
        total.advanced += one.advanced
        total.ingested += one.ingested
        total.delivered += one.delivered
        if not one.busy:
            return total
    raise RuntimeError("worker did not become idle")


def heartbeat(name: str, clock: Clock) -> None:
    now = clock.now()
    WorkerHeartbeat.objects.update_or_create(
        name=name,
        defaults={"pid": os.getpid(), "host": socket.gethostname(), "beat_at": now},
        create_defaults={
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "beat_at": now,
            "started_at": now,
        },
    )


HEARTBEAT_EVERY = 10.0  # real seconds between heartbeat rows
HEARTBEAT_VIRTUAL = 30.0  # ...or virtual seconds, when the clock runs fast
HEALTH_EVERY = 60.0  # real seconds between health checks (incidents)
COST_EVERY = 3600.0  # real seconds between cost checks (engine.cost)


class _Periodic:
    """Something to do every ``every`` real seconds (the loop's pacing only)."""

    def __init__(self, every: float) -> None:
        self.every = every
        self.last = float("-inf")

    def due(self) -> bool:
        if time.monotonic() - self.last >= self.every:
            self.last = time.monotonic()
            return True
        return False


def _ping_in_background() -> None:
    from .health import ping_heartbeat_url

    threading.Thread(target=ping_heartbeat_url, name="anpi-heartbeat-url", daemon=True).start()


INGEST_IDLE_SLEEP = 0.05  # real seconds: an OK tap waits at most this long for ingest


def _job_loop(job: str, step: Callable[[], int], stop: threading.Event, idle: float) -> None:
    """Run one job (ingest or deliver) in its own thread until ``stop``: its own
    database connection, its own pace. Safe because every job is already safe
    to run in any number of processes at once (docs/engine.md)."""
    from django.db import close_old_connections, connection

    try:
        while not stop.is_set():
            close_old_connections()
            try:
                busy = step()
            except Exception:  # noqa: BLE001 - outlive a bad pass (e.g. a DB restart)
                log.exception("worker %s pass failed; retrying", job)
                stop.wait(1.0)
                continue
            if not busy:
                stop.wait(idle)
    finally:
        connection.close()


def start_job_threads(clock: Clock, stop: threading.Event, idle_sleep: float) -> list:
    """Ingest and deliver each get a thread, so that an OK tap is never queued
    behind a batch of sends (tap → answered) and sends never wait for advance."""
    jobs = [
        ("ingest", lambda: process_inbox_batch(clock), min(idle_sleep, INGEST_IDLE_SLEEP)),
        ("deliver", lambda: deliver_outbox_batch(clock), idle_sleep),
    ]
    threads = [
        threading.Thread(
            target=_job_loop, args=(job, step, stop, idle), name=f"anpi-{job}", daemon=True
        )
        for job, step, idle in jobs
    ]
    for thread in threads:
        thread.start()
    return threads


def run_forever(
    clock: Clock, stop: threading.Event | None = None, idle_sleep: float = 0.2, name: str = ""
) -> None:
    """Run until ``stop`` is set: ingest and deliver in threads of their own
    (``start_job_threads``), plan and advance in this one; a failed pass (e.g.
    the database restarting) is logged and retried a second later.

    Besides the passes: a heartbeat row (``anpi health``), a health check that
    opens or closes incidents, and a GET of ``ANPI_HEARTBEAT_URL`` every
    ``ANPI_HEARTBEAT_INTERVAL`` seconds after a pass that succeeded.
    """
    from django.conf import settings
    from django.db import close_old_connections

    from .health import health_report, track_incident

    stop = stop or threading.Event()
    name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    beat = _Periodic(HEARTBEAT_EVERY)
    health = _Periodic(HEALTH_EVERY)
    costs = _Periodic(COST_EVERY)
    ping = _Periodic(getattr(settings, "ANPI_HEARTBEAT_INTERVAL", 60.0))
    last_virtual_beat = None
    threads = start_job_threads(clock, stop, idle_sleep)
    while not stop.is_set():
        close_old_connections()
        try:
            now = clock.now()
            virtual_due = (
                last_virtual_beat is None
                or (now - last_virtual_beat).total_seconds() > HEARTBEAT_VIRTUAL
            )
            if beat.due() or virtual_due:
                heartbeat(name, clock)
                last_virtual_beat = now
            one = Pass(planned=plan_all(clock), advanced=advance_due_checks(clock))
            if health.due():
                track_incident(health_report(clock), clock.now())
            if costs.due():
                from .cost import check_costs

                check_costs(clock.now())
        except Exception:  # noqa: BLE001 - a worker must outlive a bad pass (e.g. DB restart)
            log.exception("worker pass failed; retrying")
            stop.wait(1.0)
            continue
        if getattr(settings, "ANPI_HEARTBEAT_URL", "") and ping.due():
            _ping_in_background()
        if not one.busy:
            stop.wait(idle_sleep)
    for thread in threads:
        thread.join(30)
