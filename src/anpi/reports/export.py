"""The report as CSV for Excel in Japan: UTF-8 with a BOM (so Excel does not
read it as Shift_JIS), one row per figure with its definition, then one row per
day. Cells are guarded against formula injection: a team or organization name
typed as ``=HYPERLINK(…)`` must stay text when a city opens the file."""

from __future__ import annotations

import csv
import io

from .figures import MonthlyReport
from .rows import report_rows

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
HEADER = ["対象", "月", "区分", "項目", "値", "定義"]


def guard(cell: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe
    (OWASP's advice); numbers stay numbers, so -3 is still -3."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def report_csv(report: MonthlyReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    scope, month = report.scope.label, f"{report.month.year}-{report.month.month:02d}"
    for row in report_rows(report):
        value = "" if row.value is None else row.value
        writer.writerow(
            [guard(cell) for cell in (scope, month, row.section, row.label, value, row.definition)]
        )
    for day in report.answers.by_day:
        for label, value in (("送信", day.sent), ("本人の応答", day.answered)):
            writer.writerow(
                [guard(scope), month, "日別", f"{day.day.isoformat()} {label}", value, ""]
            )
    return BOM + out.getvalue()


def filename(report: MonthlyReport, extension: str) -> str:
    """ASCII file name (the Japanese one goes in ``filename*``)."""
    return f"anpi-report-{report.month.year}-{report.month.month:02d}.{extension}"
