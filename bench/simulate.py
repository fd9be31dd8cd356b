"""`make simulate`: a month of a watched population through the real engine and
the LINE simulator, with and without the features of issue 12 (items 1–4),
and the figures that say what they change.

    python bench/simulate.py                          # 1,000 persons, 30 days, SEED 1
    python bench/simulate.py --persons 50 --days 10   # the test's size
    SEED=7 python bench/simulate.py --db postgres     # another population, PostgreSQL

Two scenarios, the same people and the same events (bench/population.py: the
Nagano water-meter trial's 2.3 missed answers per person-month, split into
rising late, forgetting, nights away and hospital stays):

- ``with_features``: the 「げんきです」 rich menu, tapped on rising by the
  habit tappers (engine.early makes that day's check free), and a pause
  (``people.Pause``) for every night away and hospital stay;
- ``without_features``: no rich menu, no pauses.

Each runs in its own process (bench/month.py) with its own database, side by
side (``--jobs 1``: one after the other). SQLite by default (a temporary file:
one worker is the supported SQLite setup and is all the driver needs);
``--db postgres`` uses ``$PG_URL`` with the databases ``anpi_simulate_with`` /
``anpi_simulate_without`` (dropped and made again).

Prints the month's figures and writes ``bench/results/simulate.json`` (``--out``):
``paid_pushes_per_person_month``, ``staff_calls_per_person_month`` and
``false_alarms_per_person_month``, each ``{"with_features": {"value", "unit",
"n"}, "without_features": {…}}`` (n: persons), the paid-push identities per
scenario, the raw counts, and whether the staff-call target of issue 12 (at
most 0.5 per person-month with the features) was met. Definitions of each
figure: bench/month_tally.py and bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "src"), str(HERE)]

PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/anpi")
FIGURES = (
    "paid_pushes_per_person_month",
    "staff_calls_per_person_month",
    "false_alarms_per_person_month",
)
SCENARIOS = ("with_features", "without_features")
STAFF_CALL_TARGET = 0.5  # per person-month, with the features (issue 12)


def _throwaway_keys() -> None:
    """Keys for this run (anpi refuses to start without them; see anpi.keys)."""
    from anpi.keys import throwaway_keys

    secret, encryption = throwaway_keys()
    os.environ.setdefault("ANPI_SECRET_KEY", secret)
    os.environ.setdefault("ANPI_ENCRYPTION_KEY", encryption)


def _database(kind: str, scenario: str, workdir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{workdir / (scenario + '.sqlite3')}"
    from urllib.parse import urlparse

    import psycopg

    name = "anpi_simulate_" + scenario.split("_")[0]
    u = urlparse(PG_URL)
    with psycopg.connect(
        host=u.hostname,
        port=u.port or 5432,
        user=u.username or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return u._replace(path="/" + name).geturl()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _QuietMailbox:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        return "250 OK"


def run_scenario(args: argparse.Namespace) -> dict[str, Any]:
    """One scenario in this process (the child's side): set up, run, tally."""
    from aiosmtpd.controller import Controller

    _throwaway_keys()
    smtp = Controller(_QuietMailbox(), hostname="127.0.0.1", port=_free_port())
    smtp.start()
    os.environ.update(
        ANPI_DATABASE_URL=args.database_url,
        ANPI_EMAIL_PORT=str(smtp.port),
        ANPI_LOG_LEVEL=os.environ.get("ANPI_LOG_LEVEL", "WARNING"),
        DJANGO_SETTINGS_MODULE="anpi.settings",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from month import Month, Scenario, progress
    from month_tally import tally

    from anpi.demo.servers import start_web
    from anpi.engine.clock import set_clock
    from anpi.linesim.testing import SimulatorThread

    call_command("migrate", verbosity=0)
    scenario = Scenario(
        features=args.scenario == "with_features",
        persons=args.persons,
        days=args.days,
        seed=args.seed,
        database_url=args.database_url,
        miss_rate=args.miss_rate,
        habit_share=args.habit_share,
    )
    month = Month(scenario)
    set_clock(month.clock)
    sim = SimulatorThread().start()
    sim.config.clock = lambda: month.clock.now().timestamp()
    port = _free_port()
    web = start_web("127.0.0.1", port)
    try:
        started = time.monotonic()
        month.populate(sim.control, f"http://127.0.0.1:{port}", sim.url)
        progress(
            f"{scenario.name}: {args.persons} persons set up ({time.monotonic() - started:.0f} s)"
        )
        month.run(sim.control)
        result = tally(month, sim.control)
        result["seconds"] = round(time.monotonic() - started, 1)
        return result
    finally:
        web.shutdown()
        sim.stop()
        smtp.stop()


def _merge(parts: dict[str, dict[str, Any]], args: argparse.Namespace, seconds: float) -> dict:
    out: dict[str, Any] = {
        key: {name: parts[name]["figures"][key] for name in SCENARIOS} for key in FIGURES
    }
    calls = out["staff_calls_per_person_month"]["with_features"]["value"]
    out["identities"] = {name: parts[name]["identities"] for name in SCENARIOS}
    out["counts"] = {name: parts[name]["counts"] for name in SCENARIOS}
    out["targets"] = {
        "staff_calls_per_person_month_at_most": STAFF_CALL_TARGET,
        "staff_calls_target_met_with_features": calls <= STAFF_CALL_TARGET,
        "paid_push_identity_holds": all(
            parts[n]["identities"]["paid_equals_checks_plus_resends_plus_last_notices"]
            for n in SCENARIOS
        ),
        "habit_tappers_pay_nothing_on_tapped_days": parts["with_features"]["identities"][
            "habit_tappers_pay_nothing_on_tapped_days"
        ],
    }
    out["_meta"] = {
        "seed": args.seed,
        "persons": args.persons,
        "days": args.days,
        "miss_rate_per_person_month": args.miss_rate,
        "habit_share": args.habit_share,
        "db": args.db,
        "cores": os.cpu_count(),
        "seconds": round(seconds, 1),
        "seconds_per_scenario": {n: parts[n]["seconds"] for n in SCENARIOS},
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["python", "bench/simulate.py", *sys.argv[1:]]),
    }
    return out


def _report(out: dict[str, Any]) -> None:
    meta = out["_meta"]
    print(
        f"\nA month of {meta['persons']} persons over {meta['days']} days "
        f"(seed {meta['seed']}, {meta['db']}, {meta['seconds']} s)"
    )
    print(f"{'figure (per person-month)':34} {'with features':>14} {'without':>10}")
    for key in FIGURES:
        row = out[key]
        name = key.removesuffix("_per_person_month").replace("_", " ")
        print(
            f"{name:34} {row['with_features']['value']:>14} {row['without_features']['value']:>10}"
        )
    t = out["targets"]
    calls = out["staff_calls_per_person_month"]["with_features"]["value"]
    verdict = "met" if t["staff_calls_target_met_with_features"] else "MISSED"
    print(f"\nstaff calls with the features: {calls} (target ≤ {STAFF_CALL_TARGET}: {verdict})")
    for name in SCENARIOS:
        i = out["identities"][name]
        print(
            f"{name}: paid pushes to residents {i['paid_pushes_to_residents']} = checks "
            f"{i['check_messages']} + re-sends {i['resends']} + last notices "
            f"{i['last_notices']}: {i['paid_equals_checks_plus_resends_plus_last_notices']}"
        )
    i = out["identities"]["with_features"]
    print(
        f"habit tappers: {i['checks_answered_early']} checks answered early, "
        f"{i['paid_pushes_on_days_answered_early']} paid pushes on those days"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--persons", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SEED") or 1))
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--miss-rate", type=float, default=2.3)
    parser.add_argument("--habit-share", type=float, default=0.3)
    parser.add_argument("--jobs", type=int, default=2, help="scenarios run at once (1 or 2)")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "simulate.json")
    # Internal: the child process of one scenario.
    parser.add_argument("--scenario", choices=SCENARIOS, help=argparse.SUPPRESS)
    parser.add_argument("--database-url", help=argparse.SUPPRESS)
    parser.add_argument("--part", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.scenario:
        args.part.write_text(json.dumps(run_scenario(args)))
        return 0
    started = time.monotonic()
    parts: dict[str, dict[str, Any]] = {}
    # SQLite files on tmpfs when there is one: the run commits tens of thousands
    # of small transactions, and their fsyncs measure the disk, not anpi.
    shm = Path("/dev/shm")
    scratch = str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="anpi-simulate-", dir=scratch) as tmp:
        work = Path(tmp)
        children: list[tuple[str, subprocess.Popen]] = []
        # A SIGTERM (or ^C) stops the scenarios too and removes their databases.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        try:
            for name in SCENARIOS:
                cmd = [sys.executable, __file__, *(argv if argv is not None else sys.argv[1:])]
                cmd += ["--scenario", name, "--database-url", _database(args.db, name, work)]
                cmd += ["--part", str(work / f"{name}.json")]
                children.append((name, subprocess.Popen(cmd)))
                if args.jobs < 2:
                    children[-1][1].wait()
            for name, child in children:
                if child.wait() != 0:
                    print(f"{name}: the run failed (exit {child.returncode})", file=sys.stderr)
                    return 1
                parts[name] = json.loads((work / f"{name}.json").read_text())
        finally:
            for _, child in children:
                if child.poll() is None:
                    child.terminate()
                    child.wait(30)
    out = _merge(parts, args, time.monotonic() - started)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    _report(out)
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
