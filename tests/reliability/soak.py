"""Fault-injection runs: real `anpi worker` processes, PostgreSQL, the LINE simulator.

    python tests/reliability/soak.py --runs 1             # what `make test` runs
    python tests/reliability/soak.py --minutes 10         # `make soak`
    ANPI_SEED=1234 python tests/reliability/soak.py       # replay a run

A run: a population of persons with daily or two-daily schedules, on two
channels (one on the free plan, almost out of messages); several worker
processes and a gunicorn web process against a dedicated database; one clock
file that this driver moves forward (ANPI_CLOCK=file:…). Meanwhile the
simulator injects 429s, 500s before and after accepting, timeouts, slow
answers and lost or doubled webhooks; the driver taps OK like people do (some
late, some never), duplicates and redelivers webhooks out of order, acts as
staff on tasks, kills workers with SIGKILL at random moments, restarts
PostgreSQL once, and freezes one worker for two simulated hours. Afterwards
the six invariants are checked (invariants.py). Exit status 1 on any violation.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "src"), str(Path(__file__).resolve().parent)]


def _throwaway_keys() -> None:
    """Keys for this run and every process it starts (anpi refuses to start
    without them outside the demo and pytest; see anpi.keys)."""
    from anpi.keys import throwaway_keys

    secret, encryption = throwaway_keys()
    os.environ.setdefault("ANPI_SECRET_KEY", secret)
    os.environ.setdefault("ANPI_ENCRYPTION_KEY", encryption)


_throwaway_keys()

JST = ZoneInfo("Asia/Tokyo")
START = datetime(2026, 12, 1, 8, 50, tzinfo=JST)
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/anpi")
DB_NAME = os.environ.get("ANPI_RELIABILITY_DB", "anpi_reliability")

FAULT_RULES = [
    {"endpoint": "push", "status": 429, "probability": 0.04},
    {"endpoint": "push", "status": 500, "probability": 0.04},
    {"endpoint": "push", "status": 500, "afterAccept": True, "probability": 0.05},
    {"endpoint": "push", "timeout": True, "probability": 0.015},
    {"endpoint": "push", "delayMs": 300, "probability": 0.05},
    {"endpoint": "reply", "status": 500, "probability": 0.03},
    {"endpoint": "reply", "delayMs": 200, "probability": 0.05},
    {"endpoint": "webhook", "status": 500, "afterAccept": True, "probability": 0.05},
    {"endpoint": "webhook", "status": 500, "probability": 0.03},
    {"endpoint": "webhook", "delayMs": 150, "probability": 0.05},
]


def log(message: str) -> None:
    print(f"[reliability {time.strftime('%H:%M:%S')}] {message}", flush=True)


def db_url(name: str) -> str:
    u = urlparse(PG_URL)
    return u._replace(path="/" + name).geturl()


def recreate_database() -> None:
    import psycopg

    u = urlparse(PG_URL)
    with psycopg.connect(
        host=u.hostname,
        port=u.port or 5432,
        user=u.username or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")


def restart_postgresql() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    wait_for_postgresql()


def wait_for_postgresql(timeout: float = 60) -> None:
    import psycopg

    u = urlparse(PG_URL)
    deadline = time.monotonic() + timeout
    while True:
        try:
            psycopg.connect(
                host=u.hostname,
                port=u.port or 5432,
                user=u.username or "postgres",
                dbname="postgres",
                connect_timeout=2,
            ).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def retrying(fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Run a driver-side ORM call, riding out a PostgreSQL restart."""
    from django.db import InterfaceError, OperationalError, close_old_connections, connection

    for attempt in range(60):
        try:
            return fn(*args, **kwargs)
        except (OperationalError, InterfaceError):
            if attempt == 59:
                raise
            connection.close()
            close_old_connections()
            time.sleep(0.5)


class Fleet:
    """The worker processes: start, SIGKILL, SIGSTOP/SIGCONT, stop."""

    def __init__(self, env: dict[str, str], logdir: Path) -> None:
        self.env, self.logdir = env, logdir
        self.procs: dict[str, subprocess.Popen] = {}
        self.serial = 0

    def start(self) -> str:
        self.serial += 1
        name = f"w{self.serial}"
        out = open(self.logdir / f"{name}.log", "w")
        self.procs[name] = subprocess.Popen(
            [sys.executable, "-m", "anpi.cli", "worker", "--name", name, "--idle-sleep", "0.05"],
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        return name

    def kill9(self, rng: random.Random) -> str:
        name = rng.choice(sorted(self.procs))
        self.procs.pop(name).send_signal(signal.SIGKILL)
        return name

    def stop_all(self) -> None:
        for proc in self.procs.values():
            proc.send_signal(signal.SIGCONT)
            proc.send_signal(signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


class Run:
    def __init__(
        self, seed: int, persons: int, workers: int, days: float, pg_restart: bool
    ) -> None:
        self.seed, self.rng = seed, random.Random(seed)
        self.n_persons, self.n_workers, self.days = persons, workers, days
        self.pg_restart = pg_restart
        self.counts: dict[str, int] = {}
        self.now = START.astimezone(UTC)
        self.snapshots: dict[int, tuple[int, int, int, int]] = {}
        self.pending_taps: list[tuple[datetime, str, str]] = []
        self.later_redeliveries: list[tuple[datetime, str]] = []
        self.seen_deliveries = 0
        self.persona: dict[str, str] = {}

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    # set-up ------------------------------------------------------------------------------
    def set_time(self, when: datetime) -> None:
        from anpi.engine.clock import FileClock

        self.now = when
        FileClock.write(self.clock_file, when)

    def populate(self, sim: Any, web_url: str) -> None:
        from anpi.engine.plan import following_occurrence
        from anpi.people.models import Contact, Person
        from anpi.tenants.models import LineChannel, Tenant

        control = sim.control
        self.channels = []
        for i, plan in enumerate(("unlimited", "free")):
            tenant = Tenant.objects.create(name=f"NPO{i}", slug=f"npo{i}")
            ch = LineChannel(tenant=tenant, name=f"ch{i}", api_host=sim.url)
            ch.channel_secret = f"secret-{self.seed}-{i}"
            ch.access_token = f"token-{self.seed}-{i}"
            ch.save()
            made = control.add_channel(ch.channel_secret, ch.access_token, plan=plan)
            ch.bot_user_id = made["botUserId"]
            ch.save(update_fields=["bot_user_id"])
            if plan == "free":  # a few messages left this month: the quota runs out mid-run
                control.update_channel(ch.bot_user_id, usage=200 - max(5, self.n_persons // 10))
            self.channels.append(ch)
        for n in range(self.n_persons):
            ch = self.channels[0] if n % 4 else self.channels[1]
            uid = control.add_user(f"person{n}")
            control.follow(uid, ch.bot_user_id)  # no webhook URL yet: registered below
            draw = self.rng.random()
            self.persona[uid] = "prompt" if draw < 0.65 else "late" if draw < 0.85 else "silent"
            person = Person.objects.create(
                tenant=ch.tenant,
                channel=ch,
                line_user_id=uid,
                nickname=f"p{n}",
                phone="+819012345678",
                status="active",
                schedule_kind="interval",
                interval_days=self.rng.choice([1, 1, 1, 2]),
                check_time=datetime(2000, 1, 1, 9, self.rng.randrange(0, 50, 5)).time(),
                schedule_anchor=START.date(),
                consent_at=self.now,
            )
            person.next_check_at = following_occurrence(person, START)
            person.save(update_fields=["next_check_at"])
            if n % 3 == 0:
                contact_uid = control.add_user(f"contact{n}")
                control.follow(contact_uid, ch.bot_user_id)
                Contact.objects.create(
                    tenant=ch.tenant,
                    person=person,
                    name=f"c{n}",
                    relation="friend",
                    line_user_id=contact_uid,
                    confirmed_at=self.now,
                )
            elif n % 3 == 1:
                Contact.objects.create(
                    tenant=ch.tenant,
                    person=person,
                    name=f"c{n}",
                    relation="child",
                    email=f"c{n}@example.org",
                    confirmed_at=self.now,
                )
        for ch in self.channels:
            control.update_channel(ch.bot_user_id, webhook_url=web_url + ch.webhook_path())

    # people and staff --------------------------------------------------------------------
    def notice_deliveries(self, control: Any) -> None:
        """Schedule each person's tap on a check message, by persona."""
        from invariants import PERSON_PURPOSES, retry_key

        from anpi.engine.models import Outbox

        fresh = control.call("GET", "/_sim/deliveries", query={"offset": self.seen_deliveries})
        self.seen_deliveries += len(fresh)
        if not fresh:
            return
        purposes = {
            retry_key(ch, pk): purpose
            for pk, ch, purpose in Outbox.objects.filter(
                purpose__in=PERSON_PURPOSES, method__in=("push", "multicast")
            ).values_list("id", "channel_id", "purpose")
        }
        for d in fresh:
            persona = self.persona.get(d["recipient"])
            purpose = purposes.get(d.get("retryKey") or "")
            if persona is None or purpose is None:
                continue
            if persona == "silent" or (persona == "late" and purpose == "check"):
                continue  # a late person answers only the re-send
            delay = timedelta(minutes=self.rng.randint(1, 180))
            self.pending_taps.append((self.now + delay, d["recipient"], d["messageId"]))

    def tap_due(self, control: Any) -> None:
        from anpi.linesim.testing import SimControlError

        due = [t for t in self.pending_taps if t[0] <= self.now]
        self.pending_taps = [t for t in self.pending_taps if t[0] > self.now]
        for _, uid, message_id in due:
            try:
                answer = control.tap(uid, "げんきです", message_id=message_id)
            except SimControlError as exc:  # e.g. the message had no button any more
                self.count("taps refused by the phone")
                log(f"tap refused: {exc}")
                continue
            self.count("taps")
            hook = answer.get("webhook") or {}
            event_id = hook.get("webhookEventId")
            if not event_id:
                continue
            if hook.get("status") != 200:
                # LINE's redelivery: a failed webhook comes again later.
                self.later_redeliveries.append((self.now + timedelta(minutes=1), event_id))
                self.count("webhooks failed, redelivered later")
            elif self.rng.random() < 0.15:
                control.duplicate(event_id)
                self.count("duplicate webhooks")
            elif self.rng.random() < 0.15:
                # Out of order: the same event again after newer ones.
                later = self.now + timedelta(minutes=self.rng.randint(5, 120))
                self.later_redeliveries.append((later, event_id))

    def redeliver_due(self, control: Any) -> None:
        due = [r for r in self.later_redeliveries if r[0] <= self.now]
        self.later_redeliveries = [r for r in self.later_redeliveries if r[0] > self.now]
        for _, event_id in due:
            control.redeliver(event_id)
            self.count("redeliveries (out of order)")

    def staff_work(self) -> None:
        from anpi.engine.answer import TaskClosed, record_task_outcome
        from anpi.engine.clock import get_clock
        from anpi.engine.models import Task

        for task_id in list(Task.objects.filter(state="open").values_list("id", flat=True)):
            if self.rng.random() < 0.2:
                outcome = self.rng.choice(["safe", "unreachable"])
                try:
                    record_task_outcome(task_id, outcome, get_clock())
                    self.count("staff outcomes")
                except TaskClosed:
                    pass

    def snapshot_closed(self) -> None:
        from invariants import snapshot

        from anpi.engine.models import Check

        closed = Check.objects.exclude(state="open").exclude(pk__in=list(self.snapshots))
        for check_id in closed.values_list("id", flat=True):
            self.snapshots[check_id] = snapshot(check_id)

    def backlog(self) -> int:
        from django.db.models import Q

        from anpi.engine.models import Check, Inbox, Outbox
        from anpi.people.models import Person

        due = Q(state="pending") | Q(state="sending", leased_until__lt=self.now)
        return (
            Check.objects.filter(state="open", next_action_at__lte=self.now).count()
            + Outbox.objects.filter(due, next_attempt_at__lte=self.now).count()
            + Inbox.objects.filter(processed_at__isnull=True, attempts__lt=5).count()
            + Person.objects.filter(status="active", next_check_at__lte=self.now).count()
        )

    def settle(self, limit: float) -> bool:
        """Wait (real time) until the workers caught up with the present."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if retrying(self.backlog) == 0:
                return True
            time.sleep(0.05)
        return False

    # the run ------------------------------------------------------------------------------
    def execute(self, workdir: Path) -> list[str]:
        import django
        from aiosmtpd.controller import Controller

        self.clock_file = str(workdir / "clock")
        self.set_time(self.now)
        smtp = Controller(_Sink(), hostname="127.0.0.1", port=_free_port())
        smtp.start()
        env = dict(
            os.environ,
            ANPI_DATABASE_URL=db_url(DB_NAME),
            ANPI_CLOCK=f"file:{self.clock_file}",
            ANPI_LINE_TIMEOUT="2",
            ANPI_EMAIL_PORT=str(smtp.port),
            ANPI_LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT / "src"),
        )
        os.environ.update(
            {k: env[k] for k in ("ANPI_DATABASE_URL", "ANPI_CLOCK", "ANPI_EMAIL_PORT")}
        )
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anpi.settings")
        recreate_database()
        django.setup()
        from django.core.management import call_command

        from anpi.linesim.config import SimConfig
        from anpi.linesim.testing import SimulatorThread

        call_command("migrate", verbosity=0)
        port = _free_port()
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "anpi.wsgi:application",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "2",
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=open(workdir / "web.log", "w"),
            stderr=subprocess.STDOUT,
        )
        fleet = Fleet(env, workdir)
        # LINE and anpi share one time: the simulator stamps events (taps) with
        # the driver's clock, or every tap would look older than its check.
        config = SimConfig(timeout_fault_seconds=3.0, clock=lambda: self.now.timestamp())
        sim = SimulatorThread(config).start()
        try:
            _wait_http(f"http://127.0.0.1:{port}/healthz")
            self.populate(sim, f"http://127.0.0.1:{port}")
            for _ in range(self.n_workers):
                fleet.start()
            sim.control.set_faults(FAULT_RULES, seed=self.seed)
            self.drive(sim, fleet)
            for rule in sim.control.call("GET", "/_sim/faults")["rules"]:
                what = (
                    rule["endpoint"]
                    + " "
                    + (
                        "timeout"
                        if rule["timeout"]
                        else f"{rule['status']}{' after accept' if rule['afterAccept'] else ''}"
                        if rule["status"]
                        else f"slow {rule['delayMs']} ms"
                    )
                )
                self.count(f"simulator fault: {what}", rule["fired"])
            sim.control.clear_faults()
            self.quiesce(sim, fleet)
            self.tally(sim)
            return self.check(sim)
        finally:
            fleet.stop_all()
            web.terminate()
            web.wait(15)
            sim.stop()
            smtp.stop()
            from django.db import connections

            connections.close_all()

    def tick(self, sim: Any, minutes: int) -> None:
        self.set_time(self.now + timedelta(minutes=minutes))
        retrying(self.notice_deliveries, sim.control)
        self.tap_due(sim.control)
        self.redeliver_due(sim.control)
        retrying(self.staff_work)
        if not self.settle(2.0):
            self.count("ticks the workers did not finish in 2 s")
        retrying(self.snapshot_closed)

    def drive(self, sim: Any, fleet: Fleet) -> None:
        end = self.now + timedelta(days=self.days)
        restart_at = self.now + timedelta(days=self.days * 0.4)
        freeze_at = self.now + timedelta(days=self.days * 0.6)
        restarted = frozen = False
        while self.now < end:
            local = self.now.astimezone(JST)
            busy_hour = 9 <= local.hour < 12
            self.tick(sim, 5 if busy_hour else 30)
            if self.rng.random() < 0.08:
                # SIGKILL lands wherever the worker is: plan, advance, deliver or ingest.
                self.set_time(self.now + timedelta(minutes=1))
                time.sleep(self.rng.uniform(0.0, 0.3))
                name = fleet.kill9(self.rng)
                fleet.start()
                self.count("workers killed with SIGKILL")
                log(f"SIGKILL {name} at {self.now.astimezone(JST):%m-%d %H:%M}")
            if self.pg_restart and not restarted and self.now >= restart_at:
                restarted = True
                log("restarting PostgreSQL")
                restart_postgresql()
                self.count("PostgreSQL restarts")
            if not frozen and self.now >= freeze_at:
                frozen = True
                name = sorted(fleet.procs)[0]
                proc = fleet.procs[name]
                self.set_time(self.now + timedelta(minutes=1))
                time.sleep(self.rng.uniform(0.0, 0.2))
                proc.send_signal(signal.SIGSTOP)
                log(f"froze {name} for two simulated hours")
                for _ in range(8):
                    self.tick(sim, 15)
                proc.send_signal(signal.SIGCONT)
                self.count("workers stopped for 2 simulated hours")

    def quiesce(self, sim: Any, fleet: Fleet) -> None:
        """No more faults: let the platform catch up, then check the result."""
        for _ in range(40):
            self.tick(sim, 1)
            if not self.pending_taps and not self.later_redeliveries and self.settle(5.0):
                break
        else:
            log("WARNING: the platform did not settle")
        fleet.stop_all()

    def tally(self, sim: Any) -> None:
        from anpi.engine.models import Check, Outbox, Task

        self.count("checks", Check.objects.count())
        self.count("checks answered", Check.objects.filter(state="answered").count())
        self.count("staff tasks opened", Task.objects.count())
        self.count(
            "outbox rows failed (quota, 4xx) -> human",
            Outbox.objects.filter(state="failed").count(),
        )
        self.count("messages on phones", len(sim.control.deliveries()))
        quota = [r for r in sim.control.requests() if r.get("status") == 429 and not r.get("fault")]
        self.count("429 from the simulator's own limits (rate, monthly quota)", len(quota))

    def check(self, sim: Any) -> list[str]:
        import invariants as inv

        deliveries = sim.control.deliveries()
        dropped = sim.control.dropped()
        webhooks = sim.control.webhooks()
        return (
            inv.answers_were_tried(self.counts.get("taps", 0))
            + inv.occurrences_exactly_once(START)
            + inv.open_checks_have_a_next_action(self.now)
            + inv.messages_once_none_lost(deliveries, dropped)
            + inv.accepted_events_processed(webhooks)
            + inv.nothing_after_answer(self.snapshots)
            + inv.side_effects_once()
        )


class _Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "250 OK"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float = 30) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return  # 503 from /healthz is an answer: the server is up
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--minutes", type=float, default=0, help="repeat runs for this long")
    parser.add_argument("--persons", type=int, default=60)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--days", type=float, default=2.5, help="simulated days per run")
    parser.add_argument("--no-pg-restart", action="store_true")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    seed = (
        args.seed
        if args.seed is not None
        else int(os.environ.get("ANPI_SEED") or random.randrange(1, 10**6))
    )
    started = time.monotonic()
    runs, violations, totals = 0, [], {}
    while True:
        run_seed = seed + runs
        log(f"run {runs + 1}: seed {run_seed} (replay: ANPI_SEED={run_seed} --runs 1)")
        run = Run(run_seed, args.persons, args.workers, args.days, not args.no_pg_restart)
        with tempfile.TemporaryDirectory(prefix="anpi-reliability-") as tmp:
            found = run.execute(Path(tmp))
            if found:
                keep = Path(tempfile.mkdtemp(prefix="anpi-reliability-logs-"))
                for f in Path(tmp).glob("*.log"):
                    f.rename(keep / f.name)
                log(f"worker and web logs kept in {keep}")
        runs += 1
        violations += found
        for key, n in run.counts.items():
            totals[key] = totals.get(key, 0) + n
        for v in found[:50]:
            log(f"VIOLATION (seed {run_seed}): {v}")
        elapsed = (time.monotonic() - started) / 60
        if runs >= args.runs and elapsed >= args.minutes:
            break
    print("\n== reliability summary")
    print(f"runs: {runs} (first seed {seed}, {((time.monotonic() - started) / 60):.1f} min)")
    print("faults and events injected:")
    for key in sorted(totals):
        print(f"  {key}: {totals[key]}")
    print(f"invariant violations: {len(violations)}")
    for n in range(1, 7):
        hits = [v for v in violations if v.startswith(f"I{n} ")]
        print(f"  invariant {n}: {len(hits)}" + (f"  e.g. {hits[-1]}" if hits else ""))
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
