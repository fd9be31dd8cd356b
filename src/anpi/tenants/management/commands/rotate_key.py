"""`anpi rotate-key [--batch-size N] [--max-batches N]`: re-encrypt under a new key.

Set the new key as ANPI_ENCRYPTION_KEY and the old one as ANPI_ENCRYPTION_KEY_OLD
(web and workers too, while it runs). Resumable and idempotent: run it again
after an interruption (``tenants.rotation``). Exits 1 if a value still does not
open with the new key alone at the end.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from anpi.tenants import crypto, rotation


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value under ANPI_ENCRYPTION_KEY (old key: ANPI_ENCRYPTION_KEY_OLD)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--max-batches", type=int, default=None, help="stop after N batches (resume later)"
        )

    def handle(self, *args, **opts):
        if not crypto.old_root():
            self.stdout.write("ANPI_ENCRYPTION_KEY_OLD is not set: re-encrypting under the current key")
        try:
            finished = rotation.rotate(
                batch_size=opts["batch_size"],
                max_batches=opts["max_batches"],
                progress=self.stdout.write,
            )
        except crypto.DecryptionError as exc:
            raise CommandError(f"{exc} (is ANPI_ENCRYPTION_KEY_OLD the previous key?)") from exc
        if not finished:
            return
        left = rotation.values_not_under_current_key()
        if left:
            raise CommandError(f"{len(left)} values still need the old key, e.g. {left[0]}")
        self.stdout.write("every value opens with the new key; remove ANPI_ENCRYPTION_KEY_OLD")
