"""The pilot report's figures, from checks, tasks, alerts and messages at known times.

The clock stands at 1 December 2026, 08:00 JST: December is the current month,
November is over."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from anpi.engine.models import Check, Outbox, Task
from anpi.groups.models import Alert, Team, TeamPerson
from anpi.individual.policy import INDIVIDUAL_DEFAULT
from anpi.municipal.policy import TEAM_DEFAULT
from anpi.people.models import Person
from anpi.reports import figures
from anpi.reports.figures import Month, Scope
from anpi.tenants.models import Organization

JST = ZoneInfo("Asia/Tokyo")
DECEMBER = Month(2026, 12)
NOVEMBER = Month(2026, 11)


@pytest.fixture(autouse=True)
def in_japanese():
    """Labels are read in the active language, and a page test run before this
    file (a request with the English cookie) can leave English active in the
    thread: the figures here are read in the site's language, Japanese."""
    with translation.override("ja"):
        yield


def at(day: int, hour: int = 9, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=JST)


def make_check(
    person,
    due_at,
    *,
    step=1,
    state="open",
    answered_after=None,
    reason="",
    policy=INDIVIDUAL_DEFAULT,
):
    return Check.objects.create(
        tenant=person.tenant,
        person=person,
        due_at=due_at,
        step=step,
        state=state,
        policy=policy,
        created_at=due_at,
        answered_at=due_at + answered_after if answered_after is not None else None,
        close_reason=reason,
    )


def make_task(check, kind, created_at, *, state="open", done_after=None, **fields):
    return Task.objects.create(
        tenant=check.tenant,
        check_run=check,
        person=check.person,
        kind=kind,
        state=state,
        deadline=created_at + timedelta(hours=2),
        created_at=created_at,
        done_at=created_at + done_after if done_after is not None else None,
        **fields,
    )


@pytest.fixture
def hanako(make_person):
    return make_person("はなこ")


# ── checks and answers ───────────────────────────────────────────────────────


def test_the_answer_rate_is_answers_over_sent_checks_not_counting_cancelled_ones(tenant, hanako):
    minutes = timedelta(minutes=1)
    make_check(hanako, at(1), state="answered", answered_after=10 * minutes, reason="ok")
    make_check(hanako, at(2), state="answered", answered_after=20 * minutes, reason="ok")
    make_check(hanako, at(3), state="answered", answered_after=60 * minutes, reason="ok")
    make_check(hanako, at(4), step=3)  # still escalating
    make_check(hanako, at(5), state="cancelled", reason="blocked")
    make_check(hanako, at(6), step=0)  # not sent yet: not counted
    make_check(hanako, at(30, 23, month=11), state="answered", answered_after=minutes)  # November

    answers = figures.answers(Scope(tenant), DECEMBER)

    assert (answers.sent, answers.cancelled, answers.answered) == (5, 1, 3)
    assert answers.answer_rate == 0.75
    assert answers.median_minutes == 20
    assert answers.p90_minutes == 60


def test_a_check_due_at_midnight_on_the_first_belongs_to_the_new_month_in_the_tenants_zone(
    tenant, hanako
):
    make_check(hanako, at(1, 0, 0))  # 1 December 00:00 JST = 30 November 15:00 UTC
    assert figures.answers(Scope(tenant), DECEMBER).sent == 1
    assert figures.answers(Scope(tenant), NOVEMBER).sent == 0


def test_checks_are_counted_per_day_for_the_chart(tenant, hanako, make_person):
    taro = make_person("たろう")
    make_check(hanako, at(1), state="answered", answered_after=timedelta(minutes=5))
    make_check(taro, at(1), step=2)
    make_check(hanako, at(3), state="answered", answered_after=timedelta(minutes=5))

    by_day = figures.answers(Scope(tenant), DECEMBER).by_day

    assert len(by_day) == 31
    assert [(d.day.day, d.sent, d.answered) for d in by_day[:3]] == [
        (1, 2, 1),
        (2, 0, 0),
        (3, 1, 1),
    ]


def test_the_median_averages_the_middle_pair_and_p90_is_an_observed_value():
    assert figures.median([1, 2, 3, 10]) == 2.5
    assert figures.p90(list(range(1, 11))) == 9
    assert figures.p90([5]) == 5
    assert figures.median([]) is None and figures.p90([]) is None


def test_no_sent_check_means_no_answer_rate_rather_than_zero(tenant):
    answers = figures.answers(Scope(tenant), DECEMBER)
    assert answers.answer_rate is None
    assert answers.median_minutes is None


# ── persons ──────────────────────────────────────────────────────────────────


def test_enrolled_counts_persons_registered_by_month_end_and_active_those_sent_a_check(
    tenant, hanako, make_person
):
    taro, jiro = make_person("たろう"), make_person("じろう")
    Person.objects.filter(pk=hanako.pk).update(created_at=at(15, month=11))
    Person.objects.filter(pk=taro.pk).update(created_at=at(10))
    Person.objects.filter(pk=jiro.pk).update(created_at=at(1, month=1).replace(year=2027))
    make_check(hanako, at(11), state="answered", answered_after=timedelta(minutes=3))
    make_check(hanako, at(12), state="answered", answered_after=timedelta(minutes=3))
    make_check(taro, at(12), step=0)  # planned, not sent

    people = figures.enrolment(Scope(tenant), DECEMBER)

    assert (people.enrolled, people.new, people.active) == (2, 1, 1)


# ── escalations ──────────────────────────────────────────────────────────────


def test_the_funnel_follows_the_policy_snapshot_step_by_step(tenant, hanako):
    make_check(hanako, at(1), state="answered", answered_after=timedelta(minutes=5))
    make_check(hanako, at(2), state="answered", answered_after=timedelta(hours=25), step=2)
    make_check(hanako, at(3), state="resolved", reason="staff_safe", step=3)
    decided = make_check(hanako, at(4), step=5)  # the last step repeats in place…
    make_task(decided, "decide", at(5, 14))  # …and fired: its task exists
    make_check(hanako, at(6), step=5)  # waiting for the decide step: not reached

    funnel = figures.escalation_funnel(Scope(tenant), DECEMBER)

    assert [(stage.label, stage.count) for stage in funnel] == [
        ("確認を送信", 5),
        ("再送", 4),
        ("スタッフ電話", 3),
        ("最後のお知らせ", 2),
        ("緊急連絡先へ連絡", 2),
        ("スタッフ判断", 1),
    ]


def test_a_repeated_action_is_its_own_stage(tenant, hanako):
    make_check(hanako, at(1), step=4, policy=TEAM_DEFAULT)  # send, resend, alert, alert again
    make_check(hanako, at(2), step=3, policy=TEAM_DEFAULT)

    funnel = figures.escalation_funnel(Scope(tenant), DECEMBER)

    assert [(stage.label, stage.count) for stage in funnel] == [
        ("確認を送信", 2),
        ("再送", 2),
        ("チームへ通知", 2),
        ("チームへ通知（2回目）", 1),
    ]


def test_the_funnel_names_its_steps_in_the_language_of_whoever_reads_it(tenant, hanako):
    make_check(hanako, at(1), step=4, policy=TEAM_DEFAULT)
    make_check(hanako, at(2), step=3, policy=TEAM_DEFAULT)
    funnel = figures.escalation_funnel(Scope(tenant), DECEMBER)

    with translation.override("en"):
        english = [stage.label for stage in funnel]
    with translation.override("ja"):
        japanese = [stage.label for stage in funnel]

    assert english == ["Check sent", "Re-sent", "Team alerted", "Team alerted (time 2)"]
    assert japanese == ["確認を送信", "再送", "チームへ通知", "チームへ通知（2回目）"]


def test_a_false_alarm_is_an_escalation_that_a_human_ended_safe(tenant, hanako, make_person):
    taro = make_person("たろう")
    make_check(hanako, at(1), state="resolved", reason="staff_safe", step=3)
    make_check(taro, at(1), state="resolved", reason="watcher_safe", step=3, policy=TEAM_DEFAULT)
    make_check(hanako, at(2), state="answered", answered_after=timedelta(hours=25), step=2)
    make_check(hanako, at(3), step=5)  # still open
    make_check(hanako, at(4), state="resolved", reason="staff_safe", step=1)  # never escalated

    alarms = figures.false_alarms(Scope(tenant), DECEMBER, person_months=2)

    assert (alarms.escalated, alarms.safe) == (4, 2)
    assert alarms.per_person_month == 1.0


# ── visits, alerts and calls ─────────────────────────────────────────────────


def test_visits_are_tasks_of_kind_visit_with_their_time_to_resolution(tenant, hanako):
    check = make_check(hanako, at(1), step=4)
    make_task(check, "visit", at(2, 10), state="done", done_after=timedelta(hours=2))
    make_task(check, "visit", at(3, 10), state="done", done_after=timedelta(hours=4))
    make_task(check, "visit", at(4, 10))  # not done yet
    make_task(check, "call_person", at(2, 12), state="done", done_after=timedelta(minutes=5))

    visits = figures.visits(Scope(tenant), DECEMBER)

    assert (visits.visits, visits.visits_done, visits.visit_median_hours) == (3, 2, 3.0)


def test_alerts_are_timed_from_claim_to_outcome(tenant, hanako):
    for day, claim_min, outcome_min, outcome in [
        (1, 10, 40, "safe"),
        (2, 20, 80, "safe"),
        (3, 30, None, ""),
        (4, None, None, ""),
    ]:
        check = make_check(hanako, at(day), step=3, policy=TEAM_DEFAULT)
        created = at(day, 12)
        Alert.objects.create(
            tenant=tenant,
            check_run=check,
            person=hanako,
            state="resolved" if outcome else ("claimed" if claim_min else "open"),
            created_at=created,
            claimed_at=created + timedelta(minutes=claim_min) if claim_min else None,
            outcome_at=created + timedelta(minutes=outcome_min) if outcome_min else None,
            outcome=outcome,
        )

    visits = figures.visits(Scope(tenant), DECEMBER)

    assert (visits.alerts, visits.alerts_claimed, visits.alerts_resolved) == (4, 3, 2)
    assert visits.claim_median_minutes == 20  # created → claimed: 10, 20, 30
    assert visits.resolve_median_minutes == 45  # claimed → outcome: 30, 60
    assert visits.outcomes == {"無事": 2}


def test_call_minutes_say_not_recorded_while_no_call_has_a_duration(tenant, hanako):
    check = make_check(hanako, at(1), step=3)
    make_task(check, "call_person", at(2, 12), state="done", done_after=timedelta(minutes=5))
    make_task(check, "call_contact", at(2, 13))

    calls = figures.call_minutes(Scope(tenant), DECEMBER)

    assert (calls.calls, calls.calls_done, calls.recorded) == (2, 1, 0)
    assert calls.minutes is None  # 「未記録」, not a made-up 0
    assert calls.unrecorded == 1


def test_staff_minutes_are_the_sum_of_recorded_call_durations(tenant, hanako):
    check = make_check(hanako, at(1), step=3)
    done = {"state": "done", "done_after": timedelta(minutes=30)}
    make_task(check, "call_person", at(2, 12), duration_minutes=12, **done)
    make_task(check, "call_contact", at(2, 13), duration_minutes=0, **done)  # no one answered
    make_task(check, "call_contact", at(3, 13), duration_minutes=25, **done)
    make_task(check, "call_person", at(4, 12), **done)  # the caller forgot the minutes
    make_task(check, "visit", at(4, 15), duration_minutes=90, **done)  # a visit is no call
    make_task(check, "call_person", at(30, 12, month=11), duration_minutes=40, **done)  # November

    calls = figures.call_minutes(Scope(tenant), DECEMBER)

    assert (calls.calls, calls.calls_done, calls.recorded) == (4, 4, 3)
    assert calls.minutes == 12 + 0 + 25
    assert calls.unrecorded == 1


def test_the_report_rows_show_staff_minutes_and_the_calls_without_a_duration(tenant, hanako, clock):
    from anpi.reports.rows import report_rows

    check = make_check(hanako, at(1), step=3)
    done = {"state": "done", "done_after": timedelta(minutes=30)}
    make_task(check, "call_person", at(2, 12), duration_minutes=95, **done)
    make_task(check, "call_person", at(3, 12), **done)

    rows = {r.label: r for r in report_rows(figures.monthly_report(Scope(tenant), DECEMBER, clock.now()))}

    assert (rows["通話時間（分）"].value, rows["通話時間（分）"].text) == (95, "95分")
    assert (rows["通話時間の記録がない電話"].value, rows["通話時間の記録がない電話"].text) == (1, "1件")


def test_the_report_rows_read_in_english_for_staff_who_chose_english(tenant, hanako, clock):
    from anpi.reports.rows import report_rows

    check = make_check(hanako, at(1), step=3, policy=TEAM_DEFAULT)
    make_task(check, "call_person", at(2, 12), state="done", duration_minutes=95)
    Alert.objects.create(
        tenant=tenant,
        check_run=check,
        person=hanako,
        state="resolved",
        created_at=at(1, 12),
        claimed_at=at(1, 13),
        outcome_at=at(1, 14),
        outcome="safe",
    )

    with translation.override("en"):
        report = figures.monthly_report(Scope(tenant), DECEMBER, clock.now())
        rows = {(r.section, r.label): r for r in report_rows(report)}

    assert rows[("Phone calls", "Call time (minutes)")].text == "95 min"
    assert rows[("Phone calls", "Calls done")].text == "1"
    assert rows[("Alerts", "Outcome: Safe")].value == 1
    assert rows[("Alerts", "Time to claim (median, minutes)")].text == "1 h"
    assert rows[("People", "Enrolled")].text == "1 person"
    assert rows[("Escalation", "Team alerted")].value == 1


@pytest.mark.parametrize(
    "minutes, japanese, english",
    [
        (20, "20分", "20 min"),
        (95, "1時間35分", "1 h 35 min"),
        (1500, "1日1時間", "1 d 1 h"),
        (0, "0分", "0 min"),
        (None, "—", "—"),
    ],
)
def test_times_read_naturally_in_japanese_and_in_english(minutes, japanese, english):
    from anpi.reports.rows import duration

    with translation.override("ja"):
        assert duration(minutes) == japanese
    with translation.override("en"):
        assert duration(minutes) == english


def test_counts_carry_their_unit_in_the_readers_language():
    from anpi.reports.rows import number

    with translation.override("ja"):
        assert [number(1234, "people"), number(3, "items"), number(5, "messages")] == [
            "1,234人",
            "3件",
            "5通",
        ]
        assert Month(2026, 12).label == "2026年12月"
    with translation.override("en"):
        assert [number(1, "people"), number(3, "items"), number(1, "messages")] == [
            "1 person",
            "3",
            "1 message",
        ]
        assert Month(2026, 12).label == "December 2026"


# ── LINE messages ────────────────────────────────────────────────────────────


def _sent(tenant, channel, method, n, sent_at):
    Outbox.objects.bulk_create(
        Outbox(
            tenant=tenant,
            channel=channel,
            transport="line",
            method=method,
            recipient="U1",
            payload={},
            purpose="check",
            state="sent",
            sent_at=sent_at,
            next_attempt_at=sent_at,
            created_at=sent_at,
        )
        for _ in range(n)
    )


def test_a_past_months_messages_stop_at_its_end(tenant, channel, clock):
    _sent(tenant, channel, "push", 3, at(10, month=11))
    _sent(tenant, channel, "reply", 2, at(10, month=11))
    _sent(tenant, channel, "push", 4, at(1, 8, month=12) - timedelta(minutes=1))  # December

    line = figures.line_messages(tenant, NOVEMBER, clock.now())

    assert (line.paid, line.free, line.limit, line.forecast) == (3, 2, 200, None)


def test_this_months_messages_come_with_the_month_end_forecast(tenant, channel, clock, hanako):
    _sent(tenant, channel, "push", 4, clock.now() - timedelta(minutes=1))
    _sent(tenant, channel, "reply", 1, clock.now() - timedelta(minutes=1))

    line = figures.line_messages(tenant, DECEMBER, clock.now())

    assert (line.paid, line.free) == (4, 1)
    assert line.forecast == 4 + 31  # hanako: daily at 09:00 from 1 December
    assert line.share_of_plan == 4 / 200


# ── scope ────────────────────────────────────────────────────────────────────


def test_a_team_or_organization_report_counts_only_its_persons(tenant, hanako, make_person, clock):
    taro = make_person("たろう")
    town = Organization.objects.create(tenant=tenant, name="中町町会")
    team = Team.objects.create(tenant=tenant, organization=town, name="中町見守り隊")
    TeamPerson.objects.create(tenant=tenant, team=team, person=taro, joined_at=clock.now())
    make_check(hanako, at(1), state="answered", answered_after=timedelta(minutes=5))
    make_check(taro, at(1), step=2)

    for scope in (Scope(tenant, team=team), Scope(tenant, organization=town)):
        answers = figures.answers(scope, DECEMBER)
        assert (answers.sent, answers.answered) == (1, 0)
    assert Scope(tenant, team=team).label == "みまもりNPO / 中町見守り隊"
    assert figures.answers(Scope(tenant), DECEMBER).sent == 2


def test_the_whole_report_gathers_every_figure(tenant, hanako, clock):
    make_check(hanako, at(1), state="answered", answered_after=timedelta(minutes=7))

    report = figures.monthly_report(Scope(tenant), Month.of(tenant, clock.now()), clock.now())

    assert report.month == DECEMBER
    assert report.answers.answer_rate == 1.0
    assert report.enrolment.active == 1
    assert report.funnel[0].count == 1
    assert set(figures.DEFINITIONS) >= {"answer_rate", "false_alarms", "line", "call_minutes"}
