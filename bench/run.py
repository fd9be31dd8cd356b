"""anpi benchmark harness (`make bench`): the engine against the LINE simulator
with LINE's real per-channel rate limits, through the official SDK.

    python bench/run.py --db postgres            # defaults sized for ~15 min in all
    python bench/run.py --db sqlite --n 20000    # every figure at N persons
    python bench/run.py --db postgres --only push,multicast --n-push 100000
    python bench/run.py --db sqlite --only people --n-people 20000   # dashboard list

Processes: the simulator (bench/simproc.py), the workers (`anpi worker`), the
web server (gunicorn) and the load generator (bench/loadgen.py) each run in
their own process; this one seeds the database and watches.

Writes bench/results/latest.json (and latest-<db>.json): every figure is
{"value", "unit", "n"}. Only measured numbers are written; a figure that was not
measured in this run is absent and listed under _meta.missing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))


def _throwaway_keys() -> None:
    """Keys for this run and every process it starts (anpi refuses to start
    without them outside the demo and pytest; see anpi.keys)."""
    from anpi.keys import throwaway_keys

    secret, encryption = throwaway_keys()
    os.environ.setdefault("ANPI_SECRET_KEY", secret)
    os.environ.setdefault("ANPI_ENCRYPTION_KEY", encryption)


_throwaway_keys()
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/anpi")
BENCH_DB = os.environ.get("BENCH_DB", "anpi_bench")
PHASES = ["push", "multicast", "escalate", "webhook", "ceiling", "people"]
# Default N per figure: chosen so that `make bench` (SQLite and PostgreSQL)
# finishes in about 15 minutes on a 2-core machine. --n sets them all.
DEFAULT_N = {
    "push": 20000,
    "multicast": 20000,
    "escalate": 20000,
    "webhook": 2000,
    "ceiling": 20000,
    "people": 20000,
}


def progress(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def figure(value: float, unit: str, n: int) -> dict[str, Any]:
    return {"value": round(value, 3), "unit": unit, "n": n}


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def rss_mb(pid: int) -> float:
    """Peak resident set size (VmHWM) of a running process, in MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def get_json(url: str, body: Any = None, timeout: float = 120) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.loads(resp.read())


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str) -> None:
    import urllib.error

    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


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
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return u._replace(path=f"/{BENCH_DB}").geturl()


class Bench:
    def __init__(self, db: str, workers: int, workdir: Path) -> None:
        self.db, self.n_workers, self.workdir = db, workers, workdir
        self.results: dict[str, Any] = {}
        self.worker_rss = 0.0
        self.web_rss = 0.0
        self.procs: list[subprocess.Popen] = []

    # processes ---------------------------------------------------------------------
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

        call_command("migrate", verbosity=0)
        port = free_port()
        self.sim_url = f"http://127.0.0.1:{port}"
        self.sim = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "simproc.py"), "--port", str(port)],
            env=self.env,
            stderr=open(self.workdir / "sim.log", "w"),
        )
        wait_http(self.sim_url + "/_bench/progress")

    def workers(self) -> list[subprocess.Popen]:
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "anpi.cli", "worker", "--name", f"b{i}"],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=open(self.workdir / f"w{i}.log", "a"),
            )
            for i in range(self.n_workers)
        ]
        self.procs = procs
        return procs

    def watch_rss(self) -> None:
        for proc in self.procs:
            self.worker_rss = max(self.worker_rss, rss_mb(proc.pid))

    def stop(self, procs: list[subprocess.Popen]) -> None:
        self.watch_rss()
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(60)
        self.procs = []

    def sim_progress(self) -> dict[str, Any]:
        return get_json(self.sim_url + "/_bench/progress")

    # data --------------------------------------------------------------------------
    def seed(self, name: str, n: int, identical: bool = False) -> Any:
        """N persons on one channel of a new tenant, all due this very minute."""
        from anpi.engine.models import EscalationPolicy
        from anpi.individual.policy import INDIVIDUAL_DEFAULT
        from anpi.people.models import Person
        from anpi.tenants.models import LineChannel, Tenant

        tenant = Tenant.objects.create(name=name, slug=name)
        if identical:
            steps = [dict(step) for step in INDIVIDUAL_DEFAULT]
            steps[0] = {"after": 0, "action": "send_check", "params": {"message": "identical"}}
            EscalationPolicy.objects.create(
                tenant=tenant, name="identical", steps=steps, is_default=True
            )
        ch = LineChannel(tenant=tenant, name=name, api_host=self.sim_url)
        ch.channel_secret, ch.access_token = f"{name}-secret", f"{name}-token"
        ch.save()
        made = get_json(
            self.sim_url + "/_sim/channels",
            {
                "channelSecret": ch.channel_secret,
                "accessToken": ch.access_token,
                "plan": "unlimited",
            },
        )
        ch.bot_user_id = made["botUserId"]
        ch.save(update_fields=["bot_user_id"])
        progress(f"{name}: creating {n} LINE users and persons")
        uids = get_json(self.sim_url + "/_bench/users", {"bot": ch.bot_user_id, "n": n})["ids"]
        now = datetime.now(UTC).replace(microsecond=0)
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
                    check_time=now.time(),
                    schedule_anchor=now.date(),
                    next_check_at=now,
                    consent_at=now,
                )
                for i, uid in enumerate(uids)
            ],
            batch_size=5000,
        )
        return ch

    # figures -----------------------------------------------------------------------
    def dispatch(self, key: str, name: str, n: int, floor_rate: float, identical: bool) -> None:
        """Time from starting the workers until LINE (the simulator) accepted the
        last of N check messages that are due in the same minute."""
        channel = self.seed(name, n, identical)
        base = self.sim_progress()["deliveries"]
        started = time.time()
        procs = self.workers()
        step = max(1, n // 10)
        shown = 0
        while True:
            state = self.sim_progress()
            done = state["deliveries"] - base
            if done >= n:
                break
            if done // step > shown:
                shown = done // step
                progress(f"{key}: {done}/{n} accepted ({time.time() - started:.1f} s)")
            self.watch_rss()
            time.sleep(0.1)
        elapsed = state["last_at"] - started
        self.stop(procs)
        first = get_json(self.sim_url + f"/_bench/accepted?since={base}")["times"][:1]
        progress(f"{key}: {n} in {elapsed:.1f} s (floor {n / floor_rate:.1f} s)")
        self.results[f"{key}_seconds"] = figure(elapsed, "s", n)
        if first:
            self.results[f"{key}_first_ms"] = figure((first[0] - started) * 1000, "ms", n)
        self.results[f"{key}_floor_seconds"] = figure(n / floor_rate, "s", n)
        self.push_channel = channel if not identical else getattr(self, "push_channel", None)

    def escalate(self) -> None:
        """Every open check of the push tenant made overdue now (its next step is
        the re-send). Measured to what a person feels: until LINE (the simulator)
        accepted each re-send, not until the step was written. Figures: time to
        the last and to the first accepted re-send, and the p99 lag of each from
        the moment it fell due."""
        from anpi.engine.models import Check

        tenant = self.push_channel.tenant_id
        open_checks = Check.objects.filter(tenant_id=tenant, state="open")
        n = open_checks.count()
        base = self.sim_progress()["deliveries"]
        due_wall = time.time()
        open_checks.update(next_action_at=datetime.fromtimestamp(due_wall, UTC))
        procs = self.workers()
        shown = 0
        while (done := self.sim_progress()["deliveries"] - base) < n:
            if done // max(1, n // 10) > shown:
                shown = done // max(1, n // 10)
                progress(f"escalate: {done}/{n} accepted ({time.time() - due_wall:.1f} s)")
            self.watch_rss()
            time.sleep(0.2)
        self.stop(procs)
        times = get_json(self.sim_url + f"/_bench/accepted?since={base}")["times"][:n]
        lags = [(t - due_wall) * 1000 for t in times]
        elapsed = max(times) - due_wall
        progress(f"escalate: {n} re-sends accepted in {elapsed:.1f} s")
        self.results["escalate_seconds"] = figure(elapsed, "s", n)
        self.results["escalate_first_ms"] = figure(min(lags), "ms", n)
        self.results["escalate_lag_p99_ms"] = figure(pct(lags, 0.99), "ms", n)

    def ceiling(self, n: int) -> None:
        """The bare official SDK, no database, pushing the same check message to
        the same simulator with the worker's sending threads (bench/ceiling.py):
        the rate anpi's deliver could reach at best on this machine."""
        channel = self.push_channel
        users = get_json(self.sim_url + "/_bench/users", {"bot": channel.bot_user_id, "n": n})
        out = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "ceiling.py"), "--host", self.sim_url]
            + ["--token", channel.access_token],
            input=json.dumps(users["ids"]),
            capture_output=True,
            text=True,
            check=True,
            env=self.env,
        )
        rate = json.loads(out.stdout)["per_second"]
        progress(f"ceiling: bare SDK {rate:.0f} pushes/s")
        self.results["ceiling_push_per_s"] = figure(rate, "1/s", n)
        pushed = self.results.get("dispatch_push_seconds")
        if pushed:
            anpi_rate = pushed["n"] / pushed["value"]
            self.results["dispatch_push_ratio_to_ceiling"] = figure(
                round(anpi_rate / rate, 3), "ratio", pushed["n"]
            )

    def _taps(self, port: int, users: list[str], tokens: list[str], rate: float) -> list:
        ch = self.push_channel
        gen = subprocess.run(
            [sys.executable, str(ROOT / "bench" / "loadgen.py"), "--url"]
            + [f"http://127.0.0.1:{port}{ch.webhook_path()}", "--secret", ch.channel_secret]
            + ["--bot", ch.bot_user_id, "--rate", str(rate)],
            input=json.dumps([[u, t] for u, t in zip(users, tokens, strict=True)]),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(gen.stdout)

    def _wait_answered(self, users: list[str]) -> None:
        from anpi.engine.models import Check

        checks = Check.objects.filter(
            tenant_id=self.push_channel.tenant_id, person__line_user_id__in=users
        )
        deadline = time.monotonic() + 300
        while checks.filter(state="open").exists() and time.monotonic() < deadline:
            self.watch_rss()
            time.sleep(0.2)

    def webhook(self, n: int, rate: float, web_workers: int, tap_rate: float) -> None:
        """Two runs of signed OK taps from bench/loadgen.py (its own process) to gunicorn.

        1. The web tier alone at ``rate`` (500/s): the workers are stopped, as they
           would be on other machines in production, so this measures what the
           webhook itself costs (webhook_p50_ms, webhook_p99_ms).
        2. End to end at ``tap_rate`` with the workers running on the same cores:
           tap -> answered (POST sent -> Check.answered_at) and tap -> reply (POST
           sent -> the simulator accepting the thank-you), plus the webhook's p99
           under that shared load (webhook_p99_with_workers_ms).
        """
        from anpi.engine.models import Check
        from anpi.people.models import Person

        ch = self.push_channel
        port = free_port()
        web = subprocess.Popen(
            [sys.executable, "-m", "anpi.cli", "web", "--port", str(port)]
            + ["--workers", str(web_workers), "--access-logfile", "/dev/null"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "web.log", "w"),
        )
        wait_http(f"http://127.0.0.1:{port}/healthz")
        time.sleep(2)  # let every gunicorn worker boot
        users = list(
            Person.objects.filter(tenant_id=ch.tenant_id, checks__state="open")
            .values_list("line_user_id", flat=True)
            .distinct()[: 2 * n]
        )
        alone_users, e2e_users = users[:n], users[n:]

        def reply_tokens(who: list[str]) -> list[str]:
            # Fresh tokens just before each run: LINE's (and the simulator's)
            # expire after a minute, and a thank-you needs a live one.
            return get_json(
                self.sim_url + "/_bench/reply_tokens", {"bot": ch.bot_user_id, "users": who}
            )["tokens"]

        progress(f"webhook: {len(alone_users)} OK taps at {rate:.0f}/s, web tier alone")
        alone = self._taps(port, alone_users, reply_tokens(alone_users), rate)
        procs = self.workers()
        self._wait_answered(alone_users)  # the backlog, before measuring end to end
        progress(f"webhook: {len(e2e_users)} OK taps at {tap_rate:.0f}/s with the workers")
        taps = self._taps(port, e2e_users, reply_tokens(e2e_users), tap_rate)
        progress("webhook: waiting for the workers to answer and reply")
        self._wait_answered(e2e_users)
        time.sleep(2)  # the last thank-you replies
        replies = get_json(self.sim_url + "/_bench/replies")
        self.web_rss = max([rss_mb(web.pid)] + [rss_mb(c) for c in children(web.pid)])
        self.stop(procs)
        web.terminate()
        web.wait(30)
        sent_at = {t[3]: t[0] for t in taps}
        by_user: dict[str, float] = {}
        answered = Check.objects.filter(tenant_id=ch.tenant_id, person__line_user_id__in=e2e_users)
        for uid, at in answered.exclude(answered_at=None).values_list(
            "person__line_user_id", "answered_at"
        ):
            by_user[uid] = min(by_user.get(uid, 1e18), at.timestamp())
        to_answer = [(by_user[u] - sent_at[u]) * 1000 for u in by_user if u in sent_at]
        to_reply = [
            (datetime.fromisoformat(replies[u].replace("Z", "+00:00")).timestamp() - sent_at[u])
            * 1000
            for u in e2e_users
            if u in replies and u in sent_at
        ]
        alone_ok = [t[1] for t in alone if t[2] == 200]
        shared_ok = [t[1] for t in taps if t[2] == 200]
        progress(f"webhook: {len(alone_ok)}/{len(alone)} and {len(shared_ok)}/{len(taps)} got 200")
        r = self.results
        r["webhook_p50_ms"] = figure(pct(alone_ok, 0.5), "ms", len(alone_ok))
        r["webhook_p99_ms"] = figure(pct(alone_ok, 0.99), "ms", len(alone_ok))
        r["webhook_rate_per_s"] = figure(rate, "1/s", len(alone))
        if shared_ok:
            r["webhook_p99_with_workers_ms"] = figure(pct(shared_ok, 0.99), "ms", len(shared_ok))
        r["tap_rate_per_s"] = figure(tap_rate, "1/s", len(taps))
        if to_answer:
            r["tap_to_answered_p99_ms"] = figure(pct(to_answer, 0.99), "ms", len(to_answer))
        if to_reply:
            r["tap_to_reply_p99_ms"] = figure(pct(to_reply, 0.99), "ms", len(to_reply))


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(x) for x in out.split()]


KEYS = [
    "dispatch_push_seconds",
    "dispatch_push_floor_seconds",
    "dispatch_multicast_seconds",
    "dispatch_multicast_floor_seconds",
    "webhook_p50_ms",
    "webhook_p99_ms",
    "tap_to_answered_p99_ms",
    "tap_to_reply_p99_ms",
    "dispatch_push_first_ms",
    "ceiling_push_per_s",
    "dispatch_push_ratio_to_ceiling",
    "escalate_seconds",
    "escalate_first_ms",
    "escalate_lag_p99_ms",
    "worker_peak_rss_mb",
    "web_peak_rss_mb",
    "people_list_page_ms",
    "people_list_search_ms",
    "people_list_filtered_ms",
    "people_list_last_page_ms",
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", choices=["postgres", "sqlite"], default="postgres")
    parser.add_argument("--n", type=int, default=None, help="N for every figure")
    for phase in PHASES:
        parser.add_argument(f"--n-{phase}", type=int, default=None)
    parser.add_argument("--only", default=",".join(PHASES), help="phases: " + ",".join(PHASES))
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--rate", type=float, default=500.0, help="OK taps per second, web alone")
    parser.add_argument(
        "--tap-rate", type=float, default=50.0, help="OK taps per second, end to end"
    )
    args = parser.parse_args()
    workers = args.workers or (1 if args.db == "sqlite" else 2)
    only = [p for p in args.only.split(",") if p]
    sizes = {phase: getattr(args, f"n_{phase}") or args.n or DEFAULT_N[phase] for phase in PHASES}
    with tempfile.TemporaryDirectory(prefix="anpi-bench-") as tmp:
        bench = Bench(args.db, workers, Path(tmp))
        bench.start()
        progress(f"{args.db}, {workers} worker(s); N per phase {sizes}")
        try:
            needs_push = {"push", "escalate", "webhook", "ceiling"} & set(only)
            if needs_push:
                bench.dispatch("dispatch_push", "push", sizes["push"], 2000, identical=False)
                if "push" not in only:
                    for key in ("dispatch_push_seconds", "dispatch_push_floor_seconds"):
                        bench.results.pop(key)
            if "multicast" in only:
                bench.dispatch(
                    "dispatch_multicast", "multi", sizes["multicast"], 100000, identical=True
                )
            if "ceiling" in only:
                bench.ceiling(sizes["ceiling"])
            if "escalate" in only:
                bench.escalate()
            if "people" in only:
                from people_list import measure  # bench/ is on sys.path as the script's folder

                bench.results.update(measure(sizes["people"], figure))
            if "webhook" in only:
                bench.webhook(
                    min(sizes["webhook"], sizes["push"] // 2),
                    args.rate,
                    args.web_workers,
                    args.tap_rate,
                )
        finally:
            for proc in bench.procs:
                proc.kill()
            bench.sim.terminate()
            bench.sim.wait(30)
    r = bench.results
    if bench.worker_rss:
        r["worker_peak_rss_mb"] = figure(bench.worker_rss, "MB", max(sizes.values()))
    if bench.web_rss:
        r["web_peak_rss_mb"] = figure(bench.web_rss, "MB", sizes["webhook"])
    r["_meta"] = {
        "db": args.db,
        "workers": workers,
        "web_workers": args.web_workers,
        "cores": os.cpu_count(),
        "at": datetime.now(UTC).isoformat(),
        "command": " ".join(sys.argv),
        "missing": [k for k in KEYS if k not in r],
    }
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    for name in ("latest.json", f"latest-{args.db}.json"):
        (out / name).write_text(json.dumps(r, indent=2) + "\n")
    print(f"\n{args.db}\n{'figure':34} {'value':>10} {'unit':5} {'n':>8}")
    for key in KEYS:
        if key in r:
            print(f"{key:34} {r[key]['value']:>10} {r[key]['unit']:5} {r[key]['n']:>8}")
        else:
            print(f"{key:34} {'not measured':>10}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
