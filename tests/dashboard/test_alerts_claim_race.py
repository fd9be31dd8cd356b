"""Two staff members press 「自分が対応する」 on the same alert at the same moment:
exactly one holds it, the other is told who does.

Each thread has its own database connection, as two web processes would. Run
on PostgreSQL too (ANPI_DATABASE_URL=postgres://…): there the claims really
overlap and the compare-and-set under the check's row lock decides."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from anpi.engine import assignment
from anpi.engine.models import Task, TimelineEntry
from anpi.groups import staff_alerts
from anpi.tenants.actors import Actor

pytestmark = pytest.mark.django_db(transaction=True)


def _at_once(claim: Callable[[Any], Any], users: list[Any]) -> dict[str, Any]:
    barrier = threading.Barrier(len(users))
    results: dict[str, Any] = {}

    def run(user: Any) -> None:
        try:
            barrier.wait()
            results[user.username] = claim(user)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def test_two_staff_claiming_one_team_alert_at_once_one_wins_and_the_other_is_told_who(
    three_services, operator, colleague, tenant, clock
):
    alert = three_services.alert_of(three_services.taro)
    results = _at_once(
        lambda user: staff_alerts.do_claim_alert(
            alert.pk, tenant.pk, Actor.staff(user), clock.now()
        ),
        [operator, colleague],
    )
    assert sorted(r.word for r in results.values()) == ["claimed", "taken"]
    winner = next(name for name, r in results.items() if r.word == "claimed")
    loser = next(r for r in results.values() if r.word == "taken")
    alert.refresh_from_db()
    assert alert.claimed_by_name == results[winner].holder == loser.holder
    assert TimelineEntry.objects.filter(person=alert.person, kind="alert_claimed").count() == 1


def test_two_staff_claiming_one_individual_escalation_at_once_one_holds_its_tasks(
    three_services, operator, colleague, tenant, clock
):
    task = Task.objects.get(person=three_services.hanako, state="open")
    results = _at_once(
        lambda user: assignment.claim_incident_tasks(
            task.check_run_id, tenant.pk, Actor.staff(user), clock.now()
        ),
        [operator, colleague],
    )
    assert sorted(r.word for r in results.values()) == ["claimed", "taken"]
    winner = next(r.holder for r in results.values() if r.word == "claimed")
    loser = next(r for r in results.values() if r.word == "taken")
    task.refresh_from_db()
    assert task.assigned_to == winner == loser.holder
    assert (
        TimelineEntry.objects.filter(person=task.person, kind="incident_claimed").count() == 1
    )
