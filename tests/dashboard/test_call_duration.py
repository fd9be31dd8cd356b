"""How long a call took: typed, or filled by the start/stop timer, saved with the
outcome, audited, written on the timeline, and summed in the pilot report."""

from __future__ import annotations

import pytest

from anpi.engine.models import Task, TimelineEntry
from anpi.tenants.models import AuditEntry

pytestmark = pytest.mark.django_db

MINUTES_ERROR = "通話時間は0〜600の整数（分）で入力してください。"


@pytest.fixture
def call(make_person, reach_call_step):
    """An open call to はなこ, reached through the default ladder."""
    make_person("はなこ")
    reach_call_step()
    return Task.objects.get(state=Task.State.OPEN)


def test_typed_minutes_are_saved_with_the_outcome_and_audited(operator_client, operator, call):
    response = operator_client.post(
        f"/tasks/{call.pk}/outcome/", {"outcome": "safe", "duration_minutes": "12"}
    )

    assert response.status_code == 302
    call.refresh_from_db()
    assert (call.state, call.outcome, call.duration_minutes) == ("done", "safe", 12)
    audit = AuditEntry.objects.get(action="task.outcome", actor_user=operator)
    assert audit.object_id == str(call.pk)
    assert audit.detail["duration_minutes"] == 12


def test_the_persons_timeline_says_how_long_the_call_took(operator_client, call):
    operator_client.post(
        f"/tasks/{call.pk}/outcome/",
        {"outcome": "unreachable", "duration_minutes": "3", "note": "留守電に残した"},
    )

    page = operator_client.get(f"/people/{call.person_id}/").content.decode()
    assert "本人に電話: つながらない（通話3分）（留守電に残した）" in page


def test_a_call_without_minutes_is_saved_as_not_recorded(operator_client, call):
    operator_client.post(f"/tasks/{call.pk}/outcome/", {"outcome": "safe", "duration_minutes": ""})

    call.refresh_from_db()
    assert (call.state, call.duration_minutes) == ("done", None)  # not a made-up 0
    entry = TimelineEntry.objects.get(person=call.person, kind="task_outcome")
    assert "通話" not in entry.text


def test_the_outcome_form_has_a_timer_that_fills_the_minutes_field(operator_client, call):
    page = operator_client.get("/").content.decode()
    form = page[page.index('class="outcome-form"') :]

    assert f'id="minutes-{call.pk}" name="duration_minutes" type="number" min="0" max="600"' in form
    # The timer's button is hidden until call_timer.js shows it: without
    # JavaScript staff type the minutes.
    assert 'data-timer-toggle hidden data-stop-label="タイマー停止">タイマー開始</button>' in form
    assert '<script src="/static/dashboard/call_timer.js" defer></script>' in page
    script = operator_client.get("/static/dashboard/call_timer.js")
    assert script.status_code == 200


@pytest.mark.parametrize("typed", ["-1", "601", "1.5", "12分", "abc"])
def test_minutes_out_of_range_are_refused_in_japanese_and_nothing_is_saved(
    operator_client, call, typed
):
    response = operator_client.post(
        f"/tasks/{call.pk}/outcome/", {"outcome": "safe", "duration_minutes": typed}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert MINUTES_ERROR in page
    assert f'value="{typed}" aria-invalid="true"' in page  # what was typed, to correct it
    call.refresh_from_db()
    assert (call.state, call.outcome, call.duration_minutes) == ("open", "", None)
    assert not TimelineEntry.objects.filter(person=call.person, kind="task_outcome").exists()
    assert call.check_run.state == "open"


def test_the_engine_refuses_a_duration_out_of_range_too(call, clock):
    from anpi.engine.tasks import record_task_outcome

    with pytest.raises(ValueError):
        record_task_outcome(call.pk, "safe", clock, duration_minutes=601)
    call.refresh_from_db()
    assert call.state == Task.State.OPEN


def test_the_pilot_report_sums_the_minutes_staff_recorded(
    operator_client, make_person, reach_call_step
):
    for name in ("はなこ", "たろう", "じろう"):
        make_person(name)
    reach_call_step()
    first, second, third = Task.objects.filter(state=Task.State.OPEN).order_by("id")
    for task, minutes in ((first, "12"), (second, "25"), (third, "")):
        operator_client.post(
            f"/tasks/{task.pk}/outcome/", {"outcome": "safe", "duration_minutes": minutes}
        )

    page = operator_client.get("/reports/").content.decode()
    assert '通話時間（分）</th><td class="num">37分</td>' in page  # 12 + 25
    assert '通話時間の記録がない電話</th><td class="num">1件</td>' in page


def test_the_minutes_error_is_in_english_for_staff_who_chose_it(operator_client, call):
    operator_client.cookies["django_language"] = "en"
    response = operator_client.post(
        f"/tasks/{call.pk}/outcome/", {"outcome": "safe", "duration_minutes": "601"}
    )

    assert "Enter the call time as whole minutes from 0 to 600." in response.content.decode()
    call.refresh_from_db()
    assert call.state == Task.State.OPEN
