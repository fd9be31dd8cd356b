"""`anpi prune`: erase what the retention periods say is due (run from cron, e.g. daily).

Per tenant: persons blocked or withdrawn more than ``erase_after_days`` ago
lose their personal data (statistics stay); processed webhook bodies older
than ``inbox_keep_days`` are reduced to ids and type (``engine.retention``).
Idempotent and batched; the time is the engine clock's.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from anpi.engine.clock import get_clock
from anpi.engine.retention import prune


class Command(BaseCommand):
    help = "Erase personal data and prune webhook bodies past the tenants' retention periods."

    def handle(self, *args, **opts):
        totals = prune(get_clock().now(), progress=self.stdout.write)
        self.stdout.write(
            f"pruned: {totals['erased']} persons erased, {totals['inbox']} webhook bodies stubbed"
        )
