"""``anpi worker``: one engine worker process (plan, advance, ingest, deliver).

Run any number of them against PostgreSQL; on SQLite run one (docs/engine.md).
The clock comes from ``ANPI_CLOCK`` (real time unless told otherwise).
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand

from anpi.engine.clock import get_clock
from anpi.engine.worker import run_forever, run_once


class Command(BaseCommand):
    help = "Run an engine worker: plan checks, fire due steps, ingest webhooks, deliver."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--once", action="store_true", help="one pass, then exit")
        parser.add_argument("--name", default="", help="name in the heartbeat table")
        parser.add_argument(
            "--idle-sleep", type=float, default=0.2, help="seconds to rest when idle"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        clock = get_clock()
        if options["once"]:
            done = run_once(clock)
            self.stdout.write(
                f"planned {done.planned}, advanced {done.advanced}, "
                f"ingested {done.ingested}, delivered {done.delivered}"
            )
            return
        stop = threading.Event()

        def graceful(signum: int, frame: Any) -> None:
            stop.set()

        signal.signal(signal.SIGTERM, graceful)
        signal.signal(signal.SIGINT, graceful)
        self.stdout.write(f"anpi worker {options['name'] or ''} running with {clock!r}")
        run_forever(clock, stop=stop, idle_sleep=options["idle_sleep"], name=options["name"])
