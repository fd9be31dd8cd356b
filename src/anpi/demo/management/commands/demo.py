"""`anpi demo`: everything in one process on SQLite — simulator, web, worker, mail sink."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from datetime import UTC, datetime

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from anpi.engine.clock import AcceleratedClock, RealClock, set_clock


class Command(BaseCommand):
    help = "Run the embedded demo: LINE simulator, dashboard and worker, with seeded data."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000, help="dashboard port")
        parser.add_argument("--sim-port", type=int, default=8001, help="phone simulator port")
        parser.add_argument("--mail-port", type=int, default=8025, help="local SMTP sink port")
        parser.add_argument(
            "--speed",
            type=float,
            default=1.0,
            help=(
                "clock speed: 1440 runs a day a minute, so the whole ladder shows in minutes; "
                "60 runs an hour a minute, slow enough to practise the staff's calls"
            ),
        )
        parser.add_argument("--keep", action="store_true", help="keep the existing demo database")
        parser.add_argument("--no-serve", action="store_true", help="seed, print the URLs and exit")

    def handle(self, *args, **opts):
        if not settings.ANPI_DEMO:
            raise CommandError("run the demo as `anpi demo` (it sets ANPI_DEMO=1 and its own keys)")
        from anpi.demo import seed as seed_module
        from anpi.demo.servers import put_simulator_on_clock, start_mail_sink, start_web
        from anpi.engine.worker import run_forever
        from anpi.linesim.testing import SimulatorThread

        host = opts["host"]
        for option, what in (("port", "dashboard"), ("sim_port", "phone simulator"), ("mail_port", "mail")):
            if _in_use(host, opts[option]):
                flag = "--" + option.replace("_", "-")
                raise CommandError(
                    f"port {opts[option]} ({what}) is already in use: stop the program using it "
                    f"(another `anpi demo`?) or choose another port with {flag}=N"
                )
        db = settings.DATABASES["default"]
        if not opts["keep"] and db["ENGINE"].endswith("sqlite3") and os.path.exists(db["NAME"]):
            from django.db import connections

            connections.close_all()
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db["NAME"] + suffix):
                    os.remove(db["NAME"] + suffix)
        call_command("migrate", verbosity=0)

        web_url = f"http://{host}:{opts['port']}"
        settings.BASE_URL = web_url
        settings.EMAIL_HOST, settings.EMAIL_PORT = host, opts["mail_port"]
        mail = start_mail_sink(host, opts["mail_port"])
        sim = SimulatorThread(host=host, port=opts["sim_port"]).start()
        web = start_web(host, opts["port"])

        from django.contrib.auth.models import User

        from anpi.demo.groups import seed_groups_demo

        started = datetime.now(UTC)
        info = seed_module.seed_demo(sim.control, web_url, sim.url, started)
        groups = seed_groups_demo(
            sim.control,
            web_url,
            sim.url,
            started,
            peer_channel=info.channel,
            user=User.objects.get(username=info.username),
        )
        clock = AcceleratedClock(opts["speed"]) if opts["speed"] != 1 else RealClock()
        set_clock(clock)
        # The simulated LINE platform lives on the demo's clock, as LINE and anpi
        # share one time in production: event timestamps (which anpi orders and
        # dates answers by) and the phone page follow it. A reply token still
        # lives about a real minute, so that replies work at any speed.
        put_simulator_on_clock(sim.config, clock, float(opts["speed"]))

        self.stdout.write(self.style.SUCCESS("\nanpi demo is running"))
        self.stdout.write(
            f"  Dashboard:        {web_url}/   (login: {info.username} / {info.password})"
        )
        self.stdout.write(
            f"  Second factor:    TOTP key {info.totp_secret} (demo only); the current code:\n"
            "                    .venv/bin/anpi demo-otp"
        )
        self.stdout.write(f"  Phone simulator:  {sim.url}/")
        self.stdout.write(f"  E-mails sent:     {web_url}/demo/mail/")
        self.stdout.write(f"  Health:           {web_url}/healthz  and  {sim.url}/healthz")
        self.stdout.write(f"  Clock:            {clock!r}")
        self.stdout.write(
            f"  Tenants:          {info.tenant.name} (個人見守り + つながり group) and "
            f"{groups.city.name} (安否通知, team {groups.team.name}); switch in the dashboard header"
        )
        for note in groups.notes:
            self.stdout.write(f"  - {note}")
        self.stdout.write(
            "  In the phone simulator: add a user, follow the account, open the settings link,\n"
            "  wait for the check (or run with --speed 1440) and tap 「げんきです」.\n"
            "  To practise the staff's work at a humane pace: --speed 60 (an hour a minute).\n"
            "  Press Ctrl+C to stop.\n"
        )
        if opts["no_serve"]:
            web.shutdown()
            sim.stop()
            mail.stop()
            return

        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        worker = threading.Thread(
            target=run_forever,
            args=(clock, stop),
            kwargs={"idle_sleep": 0.1, "name": "demo-worker"},
            daemon=True,
        )
        worker.start()
        try:
            while not stop.is_set():
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        stop.set()
        worker.join(5)
        web.shutdown()
        sim.stop()
        mail.stop()


def _in_use(host: str, port: int) -> bool:
    """Whether ``port`` on ``host`` is taken (checked before anything starts, so
    that a second demo gets one line instead of a traceback from a thread)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False
