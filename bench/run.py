"""anpi benchmark harness (`make bench`): the engine against the LINE simulator
with LINE's real per-channel rate limits, through the official SDK.

    python bench/run.py --db postgres --n 20000
    python bench/run.py --db sqlite --n 20000

Writes bench/results/latest.json (and latest-<db>.json): every figure is
{"value", "unit", "n"}. Only measured numbers are written; a figure this
harness does not measure yet is absent from the file and listed as "missing".
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/anpi")


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def figure(value: float, unit: str, n: int) -> dict[str, Any]:
    return {"value": round(value, 3), "unit": unit, "n": n}


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of a running process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def setup_database(kind: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / 'bench.sqlite3'}"
    from urllib.parse import urlparse

    import psycopg

    u = urlparse(PG_URL)
    with psycopg.connect(
        host=u.hostname,
        port=u.port or 5432,
        user=u.username or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute("DROP DATABASE IF EXISTS anpi_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE anpi_bench")
    return u._replace(path="/anpi_bench").geturl()


class Bench:
    def __init__(self, n: int, workers: int, db: str, workdir: Path) -> None:
        self.n, self.n_workers, self.db, self.workdir = n, workers, db, workdir
        self.results: dict[str, Any] = {}
        self.worker_rss = 0.0
        self.web_rss = 0.0

    def start(self) -> None:
        import django

        url = setup_database(self.db, self.workdir)
        self.env = dict(
            os.environ,
            ANPI_DATABASE_URL=url,
            ANPI_LOG_LEVEL="WARNING",
            PYTHONPATH=str(ROOT / "src"),
            DJANGO_SETTINGS_MODULE="anpi.settings",
        )
        os.environ.update(ANPI_DATABASE_URL=url, DJANGO_SETTINGS_MODULE="anpi.settings")
        django.setup()
        from django.core.management import call_command

        from anpi.linesim.testing import SimulatorThread

        call_command("migrate", verbosity=0)
        self.sim = SimulatorThread().start()  # default config: LINE's real rate limits

    def seed(self) -> None:
        """N persons on one channel (standard plan), all due at the same minute."""
        from anpi.people.models import Person
        from anpi.tenants.models import LineChannel, Tenant

        tenant = Tenant.objects.create(name="bench", slug="bench")
        ch = LineChannel(tenant=tenant, name="bench", api_host=self.sim.url)
        ch.channel_secret, ch.access_token = "bench-secret", "bench-token"
        ch.save()
        made = self.sim.control.add_channel(ch.channel_secret, ch.access_token, plan="unlimited")
        ch.bot_user_id = made["botUserId"]
        ch.save(update_fields=["bot_user_id"])
        self.channel = ch
        progress(f"creating {self.n} LINE users and persons")
        sim_state = self.sim.sim.state
        from anpi.linesim.state import User, new_user_id

        uids = []
        with sim_state.lock:  # direct: the control API would take minutes for 100k users
            for i in range(self.n):
                user = User(user_id=new_user_id(), display_name=f"u{i}")
                user.friendship[ch.bot_user_id] = "friend"
                sim_state.users[user.user_id] = user
                uids.append(user.user_id)
        self.now = datetime.now(UTC).replace(second=0, microsecond=0)
        Person.objects.bulk_create(
            [
                Person(
                    tenant=tenant,
                    channel=ch,
                    line_user_id=uid,
                    nickname=f"p{i}",
                    status="active",
                    schedule_kind="interval",
                    interval_days=1,
                    check_time=self.now.time(),
                    schedule_anchor=self.now.date(),
                    next_check_at=self.now,
                    consent_at=self.now,
                )
                for i, uid in enumerate(uids)
            ],
            batch_size=2000,
        )

    def workers(self) -> list[subprocess.Popen]:
        return [
            subprocess.Popen(
                [sys.executable, "-m", "anpi.cli", "worker", "--name", f"b{i}"],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=open(self.workdir / f"w{i}.log", "w"),
            )
            for i in range(self.n_workers)
        ]

    def stop(self, procs: list[subprocess.Popen]) -> None:
        for proc in procs:
            try:
                self.worker_rss = max(self.worker_rss, rss_mb(proc.pid))
            except OSError:
                pass
            proc.terminate()
        for proc in procs:
            proc.wait(30)

    def dispatch_push(self) -> None:
        started = time.monotonic()
        procs = self.workers()
        last = 0
        while True:
            delivered = len(self.sim.sim.state.deliveries)
            if delivered >= self.n:
                break
            if delivered != last and delivered // max(1, self.n // 10) != last // max(
                1, self.n // 10
            ):
                progress(f"dispatch: {delivered}/{self.n} accepted")
            last = delivered
            for proc in procs:
                self.worker_rss = max(self.worker_rss, rss_mb(proc.pid))
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        self.stop(procs)
        self.results["dispatch_push_seconds"] = figure(elapsed, "s", self.n)
        self.results["dispatch_push_floor_seconds"] = figure(self.n / 2000, "s", self.n)

    def escalate(self) -> None:
        """Every check's next step (the re-send) made due now: time to fire them all."""
        from anpi.engine.models import Check, TimelineEntry

        due = datetime.now(UTC)
        Check.objects.filter(state="open").update(next_action_at=due)
        started = time.monotonic()
        procs = self.workers()
        while TimelineEntry.objects.filter(kind="resent").count() < self.n:
            for proc in procs:
                self.worker_rss = max(self.worker_rss, rss_mb(proc.pid))
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        self.stop(procs)
        lags = [
            (at - due).total_seconds() * 1000
            for at in TimelineEntry.objects.filter(kind="resent").values_list("at", flat=True)
        ]
        self.results["escalate_seconds"] = figure(elapsed, "s", self.n)
        self.results["escalate_lag_p99_ms"] = figure(p(lags, 0.99), "ms", self.n)

    def webhook_and_taps(self, rate: int = 500, seconds: float = 10.0) -> None:
        """Signed OK taps POSTed at a steady rate to gunicorn; latency of each POST,
        and the time from POST to the check being answered in the database."""
        from anpi.engine.models import Check
        from anpi.people.models import Person

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
                "8",
                "--log-level",
                "warning",
            ],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "web.log", "w"),
        )
        procs = self.workers()
        _wait(f"http://127.0.0.1:{port}/healthz")
        url = f"http://127.0.0.1:{port}{self.channel.webhook_path()}"
        open_checks = list(
            Check.objects.filter(state="open").values_list("id", "person_id")[: int(rate * seconds)]
        )
        users = dict(Person.objects.values_list("id", "line_user_id"))
        latencies: list[float] = []
        sent_at: dict[int, float] = {}
        lock = threading.Lock()

        def post(check_id: int, person_id: int, i: int) -> None:
            event = {
                "type": "postback",
                "mode": "active",
                "timestamp": int(time.time() * 1000),
                "source": {"type": "user", "userId": users[person_id]},
                "webhookEventId": f"01BENCH{i:019d}",
                "deliveryContext": {"isRedelivery": False},
                "replyToken": f"bench{i}",
                "postback": {"data": f"anpi:ok:{check_id}"},
            }
            body = json.dumps({"destination": self.channel.bot_user_id, "events": [event]}).encode()
            sig = base64.b64encode(
                hmac.new(b"bench-secret", body, hashlib.sha256).digest()
            ).decode()
            req = urllib.request.Request(
                url,
                data=body,
                headers={"Content-Type": "application/json", "X-Line-Signature": sig},
            )
            t0 = time.monotonic()
            urllib.request.urlopen(req, timeout=10).close()
            with lock:
                latencies.append((time.monotonic() - t0) * 1000)
                sent_at[check_id] = t0

        progress(f"webhook: {len(open_checks)} OK taps at {rate}/s")
        threads = []
        start = time.monotonic()
        for i, (check_id, person_id) in enumerate(open_checks):
            delay = start + i / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            t = threading.Thread(target=post, args=(check_id, person_id, i))
            t.start()
            threads.append(t)
        answered_at: dict[int, float] = {}
        ids = [c for c, _ in open_checks]
        deadline = time.monotonic() + 120
        while len(answered_at) < len(ids) and time.monotonic() < deadline:
            now = time.monotonic()
            for cid in (
                Check.objects.filter(pk__in=ids, state="answered")
                .exclude(pk__in=list(answered_at))
                .values_list("id", flat=True)
            ):
                answered_at[cid] = now
            time.sleep(0.05)
        for t in threads:
            t.join()
        self.web_rss = max(rss_mb(web.pid), *(rss_mb(c) for c in _children(web.pid)))
        self.stop(procs)
        web.terminate()
        web.wait(15)
        self.results["webhook_p50_ms"] = figure(p(latencies, 0.5), "ms", len(latencies))
        self.results["webhook_p99_ms"] = figure(p(latencies, 0.99), "ms", len(latencies))
        lag = [(answered_at[c] - sent_at[c]) * 1000 for c in answered_at if c in sent_at]
        if lag:
            self.results["tap_to_answered_p99_ms"] = figure(p(lag, 0.99), "ms", len(lag))


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(url: str) -> None:
    import urllib.error

    for _ in range(150):
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)


KEYS = [
    "dispatch_push_seconds",
    "dispatch_push_floor_seconds",
    "dispatch_multicast_seconds",
    "dispatch_multicast_floor_seconds",
    "webhook_p50_ms",
    "webhook_p99_ms",
    "tap_to_answered_p99_ms",
    "tap_to_reply_p99_ms",
    "escalate_seconds",
    "escalate_lag_p99_ms",
    "worker_peak_rss_mb",
    "web_peak_rss_mb",
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=int(os.environ.get("N", "20000")))
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args()
    workers = args.workers or (1 if args.db == "sqlite" else 2)
    with tempfile.TemporaryDirectory(prefix="anpi-bench-") as tmp:
        bench = Bench(args.n, workers, args.db, Path(tmp))
        bench.start()
        bench.seed()
        progress(f"{args.db}: {args.n} persons, {workers} worker(s)")
        bench.dispatch_push()
        progress("escalation")
        bench.escalate()
        bench.webhook_and_taps()
        bench.sim.stop()
    r = bench.results
    r["worker_peak_rss_mb"] = figure(bench.worker_rss, "MB", args.n)
    r["web_peak_rss_mb"] = figure(bench.web_rss, "MB", args.n)
    r["_meta"] = {
        "db": args.db,
        "workers": workers,
        "at": datetime.now(UTC).isoformat(),
        "missing": [k for k in KEYS if k not in r],
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    for name in ("latest.json", f"latest-{args.db}.json"):
        (out / name).write_text(json.dumps(r, indent=2))
    print(f"\n{'figure':32} {'value':>10} {'unit':5} {'n':>8}")
    for key in KEYS:
        if key in r:
            print(f"{key:32} {r[key]['value']:>10} {r[key]['unit']:5} {r[key]['n']:>8}")
        else:
            print(f"{key:32} {'not measured':>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
