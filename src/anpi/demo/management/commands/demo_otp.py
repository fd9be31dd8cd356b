"""`anpi demo-otp`: print the demo login's current TOTP code (demo only)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Print the current second-factor code of the demo login (only in the demo)."

    def handle(self, *args, **opts):
        from django_otp.oath import TOTP
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from anpi.demo.seed import DEMO_TOTP_KEY_HEX

        if not settings.ANPI_DEMO:
            raise CommandError("demo-otp works only in the demo (`anpi demo-otp`, ANPI_DEMO=1)")
        from django.db import DatabaseError

        try:
            device = TOTPDevice.objects.filter(
                user__username="demo", key=DEMO_TOTP_KEY_HEX, confirmed=True
            ).first()
        except DatabaseError:
            device = None  # no demo database in this folder's var/
        if device is None:
            raise CommandError(
                f"no demo login in {settings.VAR_DIR}: run this in the folder where you ran "
                "`make demo` (or set ANPI_VAR_DIR to its var/ folder), after the demo started"
            )
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
