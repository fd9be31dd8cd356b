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
from dataclasses import dataclass

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


def run_once(clock: Clock, transport_for: TransportFactory = default_transport) -> Pass:
    """One pass over every job. Ingest first so that answers beat due steps."""
    result = Pass()
    result.ingested = process_inbox_batch(clock)
    result.planned = plan_due_checks(clock)
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


def run_forever(
    clock: Clock, stop: threading.Event | None = None, idle_sleep: float = 0.2, name: str = ""
) -> None:
    from django.db import close_old_connections

    stop = stop or threading.Event()
    name = name or f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"
    last_beat = 0.0
    while not stop.is_set():
        close_old_connections()
        try:
            if time.monotonic() - last_beat > 10:
                heartbeat(name, clock)
                last_beat = time.monotonic()
            one = run_once(clock)
        except Exception:  # noqa: BLE001 - a worker must outlive a bad pass (e.g. DB restart)
            log.exception("worker pass failed; retrying")
            stop.wait(1.0)
            continue
        if not one.busy:
            stop.wait(idle_sleep)
