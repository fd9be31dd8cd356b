"""`make simulate` at a small size (20 persons, 7 days): a month through the
real engine and the LINE simulator, with and without the rich menu and
pauses. Figures are not asserted (they are measured, bench/README.md); what
is asserted is what must hold whatever the population does: every paid
message to a person is a check, a re-send or a last notice, a habit tapper
pays nothing on a day they tapped, and the results file has its figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIGURES = (
    "paid_pushes_per_person_month",
    "staff_calls_per_person_month",
    "false_alarms_per_person_month",
)


PERSONS, DAYS = 20, 7


@pytest.fixture(scope="module")
def month(tmp_path_factory):
    """One small run (SQLite, as `make simulate` by default); its JSON and its
    printout. It runs in the SQLite half of `make test` only: the simulation
    drives the same engine code on either database and takes minutes, and the
    PostgreSQL half already runs the engine's race and reliability tests."""
    if os.environ.get("ANPI_DATABASE_URL", "").startswith("postgres"):
        pytest.skip(
            "the month simulation runs in the SQLite half (bench/simulate.py --db postgres by hand)"
        )
    out = tmp_path_factory.mktemp("simulate") / "simulate.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "simulate.py"), "--persons", str(PERSONS)]
        + ["--days", str(DAYS), "--seed", "3", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=1800,
        env=dict(os.environ),
    )
    print(done.stdout[-4000:], done.stderr[-4000:])
    assert done.returncode == 0
    return json.loads(out.read_text()), done.stdout


def test_the_results_file_has_each_figure_with_and_without_the_features(month):
    result, printed = month
    for key in FIGURES:
        for scenario in ("with_features", "without_features"):
            figure = result[key][scenario]
            assert figure["unit"] == "1/person-month" and figure["n"] == PERSONS
            assert figure["value"] >= 0
    assert "staff calls with the features" in printed


def test_every_paid_message_to_a_person_is_a_check_a_resend_or_a_last_notice(month):
    result, _ = month
    for scenario in ("with_features", "without_features"):
        i = result["identities"][scenario]
        assert i["residents_whose_paid_pushes_differ"] == 0
        assert i["paid_pushes_to_residents"] == (
            i["check_messages"] + i["resends"] + i["last_notices"]
        )
        assert i["paid_pushes_to_non_tappers"] == i["ladder_pushes_to_non_tappers"]
    assert result["targets"]["paid_push_identity_holds"]


def test_a_habit_tapper_pays_nothing_on_a_day_their_tap_answered_the_check(month):
    result, _ = month
    with_menu = result["identities"]["with_features"]
    assert with_menu["checks_answered_early"] > 0
    assert with_menu["paid_pushes_on_days_answered_early"] == 0
    assert result["identities"]["without_features"]["checks_answered_early"] == 0


def test_the_menu_and_pauses_send_fewer_paid_messages_and_call_no_more_often(month):
    result, _ = month
    pushes = result["paid_pushes_per_person_month"]
    calls = result["staff_calls_per_person_month"]
    assert pushes["with_features"]["value"] < pushes["without_features"]["value"]
    assert calls["with_features"]["value"] <= calls["without_features"]["value"]
    # The same people and the same events in both runs.
    counts = result["counts"]
    assert counts["with_features"]["episodes"] == counts["without_features"]["episodes"]
