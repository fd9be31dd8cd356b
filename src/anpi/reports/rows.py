"""The report as rows of (section, figure, value, definition): what the page's
tables, the CSV and the PDF print, so that all three say the same thing."""

from __future__ import annotations

from dataclasses import dataclass

from .figures import DEFINITIONS, GRADES, MonthlyReport

NOT_RECORDED = "未記録"
NONE = "—"


@dataclass(frozen=True)
class Row:
    section: str
    label: str
    value: float | int | str | None  # raw, for the CSV
    text: str  # formatted, for people
    definition: str = ""


def percent(value: float | None) -> str:
    return NONE if value is None else f"{value * 100:.1f}%"


def duration(minutes: float | None) -> str:
    """20 → 「20分」, 95 → 「1時間35分」, 1500 → 「1日1時間」."""
    if minutes is None:
        return NONE
    total = round(minutes)
    days, rest = divmod(total, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days}日" if days else "", f"{hours}時間" if hours else ""]
    if mins or not (days or hours):
        parts.append(f"{mins}分")
    return "".join(parts)


def number(value: float | int | None, unit: str = "") -> str:
    if value is None:
        return NONE
    if isinstance(value, float):
        return f"{value:,.2f}{unit}"
    return f"{value:,}{unit}"


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def report_rows(report: MonthlyReport) -> list[Row]:
    people, answers, alarms = report.enrolment, report.answers, report.false_alarms
    visits, calls, line = report.visits, report.calls, report.line
    d = DEFINITIONS
    rows = [
        Row("利用者", "登録者数", people.enrolled, number(people.enrolled, "人"), d["enrolled"]),
        Row("利用者", "新規登録", people.new, number(people.new, "人"), d["new"]),
        Row(
            "利用者",
            "利用者数（アクティブ）",
            people.active,
            number(people.active, "人"),
            d["active"],
        ),
        Row("安否確認", "送信した確認", answers.sent, number(answers.sent, "件"), d["sent"]),
        Row(
            "安否確認",
            "取り消し",
            answers.cancelled,
            number(answers.cancelled, "件"),
            d["answer_rate"],
        ),
        Row(
            "安否確認",
            "本人の応答",
            answers.answered,
            number(answers.answered, "件"),
            d["answer_rate"],
        ),
        Row(
            "安否確認",
            "応答率",
            _round(answers.answer_rate, 4),
            percent(answers.answer_rate),
            d["answer_rate"],
        ),
        Row(
            "安否確認",
            "応答までの時間（中央値・分）",
            _round(answers.median_minutes),
            duration(answers.median_minutes),
            d["time_to_answer"],
        ),
        Row(
            "安否確認",
            "応答までの時間（90パーセンタイル・分）",
            _round(answers.p90_minutes),
            duration(answers.p90_minutes),
            d["time_to_answer"],
        ),
    ]
    for grade, name in GRADES.items():
        count = answers.by_grade.get(grade, 0)
        rows.append(Row("安否確認", f"応答の内容: {name}", count, number(count, "件"), d["grades"]))
    for stage in report.funnel:
        rows.append(
            Row(
                "エスカレーション", stage.label, stage.count, number(stage.count, "件"), d["funnel"]
            )
        )
    rows += [
        Row(
            "空振り",
            "エスカレーションした確認",
            alarms.escalated,
            number(alarms.escalated, "件"),
            d["false_alarms"],
        ),
        Row(
            "空振り",
            "無事で終了（空振り）",
            alarms.safe,
            number(alarms.safe, "件"),
            d["false_alarms"],
        ),
        Row(
            "空振り",
            "1人月あたりの空振り",
            _round(alarms.per_person_month, 3),
            NONE if alarms.per_person_month is None else f"{alarms.per_person_month:.3f}",
            d["false_alarms"],
        ),
        Row("訪問", "訪問作業", visits.visits, number(visits.visits, "件"), d["visits"]),
        Row(
            "訪問", "訪問の完了", visits.visits_done, number(visits.visits_done, "件"), d["visits"]
        ),
        Row(
            "訪問",
            "訪問の解決までの時間（中央値・分）",
            _round(_hours_to_minutes(visits.visit_median_hours)),
            duration(_hours_to_minutes(visits.visit_median_hours)),
            d["visits"],
        ),
        Row("アラート", "アラート", visits.alerts, number(visits.alerts, "件"), d["alerts"]),
        Row(
            "アラート",
            "引き受け",
            visits.alerts_claimed,
            number(visits.alerts_claimed, "件"),
            d["alerts"],
        ),
        Row(
            "アラート",
            "結果の記録",
            visits.alerts_resolved,
            number(visits.alerts_resolved, "件"),
            d["alerts"],
        ),
        Row(
            "アラート",
            "引き受けまでの時間（中央値・分）",
            _round(visits.claim_median_minutes),
            duration(visits.claim_median_minutes),
            d["alerts"],
        ),
        Row(
            "アラート",
            "引き受けから解決までの時間（中央値・分）",
            _round(visits.resolve_median_minutes),
            duration(visits.resolve_median_minutes),
            d["alerts"],
        ),
    ]
    for outcome, count in sorted(visits.outcomes.items()):
        rows.append(Row("アラート", f"結果: {outcome}", count, number(count, "件"), d["alerts"]))
    rows += [
        Row("電話対応", "電話作業", calls.calls, number(calls.calls, "件"), d["call_minutes"]),
        Row(
            "電話対応",
            "完了した電話",
            calls.calls_done,
            number(calls.calls_done, "件"),
            d["call_minutes"],
        ),
        Row(
            "電話対応",
            "通話時間（分）",
            calls.minutes if calls.minutes is not None else NOT_RECORDED,
            NOT_RECORDED if calls.minutes is None else number(calls.minutes, "分"),
            d["call_minutes"],
        ),
        Row(
            "電話対応",
            "通話時間の記録がない電話",
            calls.unrecorded,
            number(calls.unrecorded, "件"),
            d["call_minutes"],
        ),
        Row("LINE", "有料メッセージ（プッシュ）", line.paid, number(line.paid, "通"), d["line"]),
        Row("LINE", "無料メッセージ（返信）", line.free, number(line.free, "通"), d["line"]),
        Row("LINE", "プランの上限", line.limit, number(line.limit, "通"), d["line"]),
        Row(
            "LINE",
            "プランに対する利用",
            _round(line.share_of_plan, 4),
            percent(line.share_of_plan),
            d["line"],
        ),
        Row(
            "LINE",
            "月末までの見込み（有料）",
            line.forecast,
            NONE if line.forecast is None else number(line.forecast, "通"),
            d["line"],
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
        "sent": number(report.answers.sent, "件"),
        "median": duration(report.answers.median_minutes),
        "active": number(report.enrolment.active, "人"),
        "false_alarms": NONE if per_month is None else f"{per_month:.3f}",
    }
