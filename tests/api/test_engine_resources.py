"""/api/checks, /api/alerts, /api/tasks and /api/reports/monthly."""

from __future__ import annotations

import pytest

from anpi.engine.models import Check, Task, TimelineEntry
from anpi.tenants.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_call_queue_is_listed_and_safe_resolves_the_check_under_the_tokens_name(
    api, make_person, reach_call_step
):
    make_person("はなこ")
    reach_call_step()
    queue = api.get("/api/tasks").json()
    assert queue["count"] == 1
    task = queue["items"][0]
    assert task["kind"] == "call_person" and task["state"] == "open"
    response = api.post(f"/api/tasks/{task['id']}/outcome", {"outcome": "safe", "note": "元気"})
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "done"
    check = Check.objects.get(pk=task["check_id"])
    assert check.state == Check.State.RESOLVED
    assert AuditEntry.objects.get(action="task.outcome").actor_kind == "api"
    outcome = TimelineEntry.objects.get(kind="task_outcome")
    assert outcome.data["actor"]["kind"] == "api"
    assert api.get("/api/tasks").json()["count"] == 0


def test_a_call_recorded_with_its_duration_counts_in_the_reports_staff_minutes(
    api, make_person, reach_call_step, tenant
):
    from anpi.reports.figures import Month, Scope, call_minutes

    make_person()
    reach_call_step()
    task = Task.objects.get()
    response = api.post(
        f"/api/tasks/{task.pk}/outcome", {"outcome": "safe", "duration_minutes": 12}
    )
    assert response.status_code == 200, response.content
    assert response.json()["duration_minutes"] == 12
    assert api.get(f"/api/tasks/{task.pk}").json()["duration_minutes"] == 12
    assert AuditEntry.objects.get(action="task.outcome").detail["duration_minutes"] == 12
    assert call_minutes(Scope(tenant), Month(2026, 12)).minutes == 12


@pytest.mark.parametrize("minutes", [-1, 601, "ten"])
def test_a_call_duration_out_of_range_is_422_and_nothing_is_recorded(
    api, make_person, reach_call_step, minutes
):
    make_person()
    reach_call_step()
    task = Task.objects.get()
    response = api.post(
        f"/api/tasks/{task.pk}/outcome", {"outcome": "safe", "duration_minutes": minutes}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.duration_minutes"
    task.refresh_from_db()
    assert task.state == Task.State.OPEN and task.duration_minutes is None


def test_a_check_says_how_the_person_answered(api, make_person, run, clock):
    from anpi.engine.answer import answer_ok

    hanako, taro = make_person("はなこ"), make_person("たろう")
    clock.advance(hours=1)
    run()
    assert answer_ok(hanako, clock, grade="unwell") == 1
    grades = {c["person_id"]: c["answer_grade"] for c in api.get("/api/checks").json()["items"]}
    assert grades == {hanako.pk: "unwell", taro.pk: ""}


def test_an_outcome_for_a_task_no_longer_open_is_409(api, make_person, reach_call_step):
    make_person()
    reach_call_step()
    task = Task.objects.get()
    assert api.post(f"/api/tasks/{task.pk}/outcome", {"outcome": "unreachable"}).status_code == 200
    again = api.post(f"/api/tasks/{task.pk}/outcome", {"outcome": "safe"})
    assert again.status_code == 409
    assert again.json()["type"] == "urn:anpi:problem:conflict"


def test_a_token_of_another_tenant_cannot_close_the_tenants_task(
    stranger_api, make_person, reach_call_step
):
    make_person()
    reach_call_step()
    task = Task.objects.get()
    assert (
        stranger_api.post(f"/api/tasks/{task.pk}/outcome", {"outcome": "safe"}).status_code == 404
    )
    assert stranger_api.get(f"/api/tasks/{task.pk}").status_code == 404
    task.refresh_from_db()
    assert task.state == Task.State.OPEN


def test_an_unknown_outcome_is_422_and_leaves_the_task_open(api, make_person, reach_call_step):
    make_person()
    reach_call_step()
    task = Task.objects.get()
    response = api.post(f"/api/tasks/{task.pk}/outcome", {"outcome": "fine"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.outcome"
    task.refresh_from_db()
    assert task.state == Task.State.OPEN


def test_checks_are_listed_by_person_and_local_date(api, make_person, run, clock):
    from datetime import timedelta

    hanako, taro = make_person("はなこ"), make_person("たろう")
    clock.advance(hours=1)
    run()
    all_checks = api.get("/api/checks").json()
    assert all_checks["count"] == 2
    mine = api.get("/api/checks", person=hanako.pk).json()["items"]
    assert [c["person_id"] for c in mine] == [hanako.pk]
    assert mine[0]["current_action"] == "send_check"
    assert api.get("/api/checks", date="2026-12-01").json()["count"] == 2
    assert api.get("/api/checks", date="2026-12-02").json()["count"] == 0
    check = Check.objects.get(person=taro)
    assert api.get(f"/api/checks/{check.pk}").json()["state"] == "open"
    assert AuditEntry.objects.filter(action="api.check.read").count() == 1
    clock.advance(timedelta(days=1))


def test_a_token_of_another_tenant_cannot_see_the_tenants_checks(
    stranger_api, make_person, run, clock
):
    make_person()
    clock.advance(hours=1)
    run()
    check = Check.objects.get()
    assert stranger_api.get(f"/api/checks/{check.pk}").status_code == 404
    assert stranger_api.get("/api/checks").json()["count"] == 0


def test_alerts_are_listed_and_another_tenants_alert_is_404(
    api, stranger_api, tenant, make_person, clock
):
    from anpi.groups.models import Alert, Team
    from anpi.municipal.policy import TEAM_DEFAULT

    team = Team.objects.create(tenant=tenant, name="中町チーム")
    person = make_person("はな")
    check = Check.objects.create(
        tenant=tenant,
        person=person,
        due_at=clock.now(),
        policy=TEAM_DEFAULT,
        step=3,
        next_action_at=clock.now(),
        created_at=clock.now(),
    )
    alert = Alert.objects.create(
        tenant=tenant, check_run=check, person=person, team=team, created_at=clock.now()
    )
    listed = api.get("/api/alerts", state="open").json()
    assert [a["id"] for a in listed["items"]] == [alert.pk]
    assert api.get(f"/api/alerts/{alert.pk}").json()["team_id"] == team.pk
    assert stranger_api.get(f"/api/alerts/{alert.pk}").status_code == 404
    assert AuditEntry.objects.filter(action="api.alert.read").count() == 1


def test_the_monthly_summary_counts_sent_answered_and_the_steps_fired(api, make_person, run, clock):
    from anpi.engine.answer import answer_ok

    hanako = make_person("はなこ")
    make_person("たろう")
    clock.advance(hours=1)
    run()
    assert answer_ok(hanako, clock) == 1
    clock.advance(hours=23)
    run()
    summary = api.get("/api/reports/monthly", month="2026-12").json()
    assert summary["checks_sent"] == 2
    assert summary["checks_answered"] == 1
    assert summary["answer_rate"] == 0.5
    steps = {s["action"]: s["checks"] for s in summary["escalations_by_step"]}
    assert steps == {"send_check": 2}
    empty = api.get("/api/reports/monthly", month="2026-11").json()
    assert empty["checks_sent"] == 0 and empty["answer_rate"] is None
    assert api.get("/api/reports/monthly", month="2026-13").status_code == 422
