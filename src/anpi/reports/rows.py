"""The report as rows of (section, figure, value, definition): what the page's
tables, the CSV and the PDF print, so that all three say the same thing.

Every label is translated when the rows are built (msgctxt "reports"), so the
rows are in the language of the request that asked for them: the English UI
downloads an English CSV and PDF, the Japanese UI the Japanese ones."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import npgettext, pgettext

from .figures import DEFINITIONS, GRADES, MonthlyReport

CTX = "reports"
NONE = "—"


@dataclass(frozen=True)
class Row:
    section: str
    label: str
    value: float | int | str | None  # raw, for the CSV
    text: str  # formatted, for people
    definition: str = ""


def not_recorded() -> str:
    return pgettext(CTX, "Not recorded")


def percent(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.1f}%"


def duration(minutes: float | None) -> str:
    """20 → "20 min" (「20分」), 95 → "1 h 35 min" (「1時間35分」),
    1500 → "1 d 1 h" (「1日1時間」)."""
    if minutes is None:
        return NONE
    total = round(minutes)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = []
    if days:
        parts.append(pgettext(CTX, "%(n)s d") % {"n": days})
    if hours:
        parts.append(pgettext(CTX, "%(n)s h") % {"n": hours})
    if mins or not parts:
        parts.append(pgettext(CTX, "%(n)s min") % {"n": mins})
    text = parts[0]
    for part in parts[1:]:  # Japanese writes the parts without a space
        text = pgettext(CTX, "%(first)s %(then)s") % {"first": text, "then": part}
    return text


# A count with its unit (人, 件, 通, 分): (the number as text, the number for
# the plural form) → the text with its unit, in the active language.
UNITS: dict[str, Callable[[str, int], str]] = {
    "people": lambda text, n: npgettext(CTX, "%(n)s person", "%(n)s people", n) % {"n": text},
    # checks, tasks, alerts (件): English needs no unit after "Checks sent".
    "items": lambda text, n: (
        pgettext("reports: a count of checks, tasks or alerts", "%(n)s") % {"n": text}
    ),
    "messages": lambda text, n: npgettext(CTX, "%(n)s message", "%(n)s messages", n) % {"n": text},
    "minutes": lambda text, n: pgettext(CTX, "%(n)s min") % {"n": text},
}


def number(value: float | int | None, unit: str = "") -> str:
    """``value`` with thousands separators and, if given, its unit (a key of
    ``UNITS``)."""
    if value is None:
        return NONE
    text = f"{value:,.2f}" if isinstance(value, float) else f"{value:,}"
    return UNITS[unit](text, int(value)) if unit else text


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _definition(key: str) -> str:
    return str(DEFINITIONS[key])


def report_rows(report: MonthlyReport) -> list[Row]:
    people, answers, alarms = report.enrolment, report.answers, report.false_alarms
    visits, calls, line = report.visits, report.calls, report.line
    d = _definition
    section = pgettext(CTX, "People")
    rows = [
        Row(
            section,
            pgettext(CTX, "Enrolled"),
            people.enrolled,
            number(people.enrolled, "people"),
            d("enrolled"),
        ),
        Row(
            section,
            pgettext(CTX, "New enrolments"),
            people.new,
            number(people.new, "people"),
            d("new"),
        ),
        Row(
            section,
            pgettext(CTX, "Active people"),
            people.active,
            number(people.active, "people"),
            d("active"),
        ),
    ]
    section = pgettext(CTX, "Safety checks")
    rows += [
        Row(
            section,
            pgettext(CTX, "Checks sent"),
            answers.sent,
            number(answers.sent, "items"),
            d("sent"),
        ),
        Row(
            section,
            pgettext(CTX, "Cancelled"),
            answers.cancelled,
            number(answers.cancelled, "items"),
            d("cancelled"),
        ),
        Row(
            section,
            pgettext(CTX, "Answered by the person"),
            answers.answered,
            number(answers.answered, "items"),
            d("answered"),
        ),
        Row(
            section,
            pgettext(CTX, "Answer rate"),
            _round(answers.answer_rate, 4),
            percent(answers.answer_rate),
            d("answer_rate"),
        ),
        Row(
            section,
            pgettext(CTX, "Time to answer (median, minutes)"),
            _round(answers.median_minutes),
            duration(answers.median_minutes),
            d("time_to_answer"),
        ),
        Row(
            section,
            pgettext(CTX, "Time to answer (90th percentile, minutes)"),
            _round(answers.p90_minutes),
            duration(answers.p90_minutes),
            d("time_to_answer"),
        ),
    ]
    for grade, name in GRADES.items():
        count = answers.by_grade.get(grade, 0)
        label = pgettext(CTX, "Answer: %(grade)s") % {"grade": name}
        rows.append(Row(section, label, count, number(count, "items"), d("grades")))
    section = pgettext(CTX, "Escalation")
    for stage in report.funnel:
        rows.append(
            Row(section, stage.label, stage.count, number(stage.count, "items"), d("funnel"))
        )
    section = pgettext(CTX, "False alarms")
    rows += [
        Row(
            section,
            pgettext(CTX, "Escalated checks"),
            alarms.escalated,
            number(alarms.escalated, "items"),
            d("false_alarms"),
        ),
        Row(
            section,
            pgettext(CTX, "Ended safe (false alarm)"),
            alarms.safe,
            number(alarms.safe, "items"),
            d("false_alarms"),
        ),
        Row(
            section,
            pgettext(CTX, "False alarms per person-month"),
            _round(alarms.per_person_month, 3),
            NONE if alarms.per_person_month is None else f"{alarms.per_person_month:.3f}",
            d("false_alarms"),
        ),
    ]
    section = pgettext(CTX, "Visits")
    rows += [
        Row(
            section,
            pgettext(CTX, "Visit tasks"),
            visits.visits,
            number(visits.visits, "items"),
            d("visits"),
        ),
        Row(
            section,
            pgettext(CTX, "Visits done"),
            visits.visits_done,
            number(visits.visits_done, "items"),
            d("visits"),
        ),
        Row(
            section,
            pgettext(CTX, "Time to complete a visit (median, minutes)"),
            _round(_hours_to_minutes(visits.visit_median_hours)),
            duration(_hours_to_minutes(visits.visit_median_hours)),
            d("visits"),
        ),
    ]
    section = pgettext(CTX, "Alerts")
    rows += [
        Row(
            section,
            pgettext(CTX, "Alerts sent"),
            visits.alerts,
            number(visits.alerts, "items"),
            d("alerts"),
        ),
        Row(
            section,
            pgettext(CTX, "Claimed"),
            visits.alerts_claimed,
            number(visits.alerts_claimed, "items"),
            d("alerts"),
        ),
        Row(
            section,
            pgettext(CTX, "Outcome recorded"),
            visits.alerts_resolved,
            number(visits.alerts_resolved, "items"),
            d("alerts"),
        ),
        Row(
            section,
            pgettext(CTX, "Time to claim (median, minutes)"),
            _round(visits.claim_median_minutes),
            duration(visits.claim_median_minutes),
            d("alerts"),
        ),
        Row(
            section,
            pgettext(CTX, "From claim to outcome (median, minutes)"),
            _round(visits.resolve_median_minutes),
            duration(visits.resolve_median_minutes),
            d("alerts"),
        ),
    ]
    for outcome, count in sorted(visits.outcomes.items()):
        label = pgettext(CTX, "Outcome: %(outcome)s") % {"outcome": outcome}
        rows.append(Row(section, label, count, number(count, "items"), d("alerts")))
    section = pgettext(CTX, "Phone calls")
    rows += [
        Row(
            section,
            pgettext(CTX, "Call tasks"),
            calls.calls,
            number(calls.calls, "items"),
            d("call_minutes"),
        ),
        Row(
            section,
            pgettext(CTX, "Calls done"),
            calls.calls_done,
            number(calls.calls_done, "items"),
            d("call_minutes"),
        ),
        Row(
            section,
            pgettext(CTX, "Call time (minutes)"),
            calls.minutes if calls.minutes is not None else not_recorded(),
            not_recorded() if calls.minutes is None else number(calls.minutes, "minutes"),
            d("call_minutes"),
        ),
        Row(
            section,
            pgettext(CTX, "Calls with no call time recorded"),
            calls.unrecorded,
            number(calls.unrecorded, "items"),
            d("call_minutes"),
        ),
    ]
    section = "LINE"
    rows += [
        Row(
            section,
            pgettext(CTX, "Paid messages (push)"),
            line.paid,
            number(line.paid, "messages"),
            d("line"),
        ),
        Row(
            section,
            pgettext(CTX, "Free messages (reply)"),
            line.free,
            number(line.free, "messages"),
            d("line"),
        ),
        Row(
            section,
            pgettext(CTX, "Plan limit"),
            line.limit,
            number(line.limit, "messages"),
            d("line"),
        ),
        Row(
            section,
            pgettext(CTX, "Share of the plan"),
            _round(line.share_of_plan, 4),
            percent(line.share_of_plan),
            d("line"),
        ),
        Row(
            section,
            pgettext(CTX, "Forecast to month end (paid)"),
            line.forecast,
            NONE if line.forecast is None else number(line.forecast, "messages"),
            d("line"),
        ),
    ]
    return rows


def _hours_to_minutes(hours: float | None) -> float | None:
    return None if hours is None else hours * 60


def sections(rows: list[Row]) -> list[tuple[str, list[Row]]]:
    """Rows grouped by section, in order."""
    grouped: dict[str, list[Row]] = {}
    for row in rows:
        grouped.setdefault(row.section, []).append(row)
    return list(grouped.items())


def key_figures(report: MonthlyReport) -> dict[str, str]:
    """The five numbers at the top of the report."""
    per_month = report.false_alarms.per_person_month
    return {
        "answer_rate": percent(report.answers.answer_rate),
        "sent": number(report.answers.sent, "items"),
        "median": duration(report.answers.median_minutes),
        "active": number(report.enrolment.active, "people"),
        "false_alarms": NONE if per_month is None else f"{per_month:.3f}",
    }
