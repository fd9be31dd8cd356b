"""``anpi health``: print the health report; exit 1 when something is wrong.

Run it from cron or a monitoring agent: besides printing, it opens an incident
(dashboard banner, one e-mail to each tenant's staff) when the platform is
unhealthy, and closes it when all is well again.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

from anpi.engine.health import health_report, track_incident


class Command(BaseCommand):
    help = "Report stale workers, backlog, overdue checks and stuck outbox rows."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--json", action="store_true", help="print JSON")
        parser.add_argument(
            "--no-notify", action="store_true", help="only report; open no incident"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = health_report()
        if not options["no_notify"] and report.get("database") == "ok":
            track_incident(report)
        if options["json"]:
            self.stdout.write(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        else:
            self.stdout.write("OK" if report["ok"] else "UNHEALTHY")
            for key in ("database", "workers", "checks_overdue", "outbox_stuck", "inbox_backlog"):
                if key in report:
                    self.stdout.write(f"  {key}: {report[key]}")
            for problem in report.get("problems", []):
                self.stdout.write(f"  problem: {problem}")
        if not report["ok"]:
            raise SystemExit(1)
