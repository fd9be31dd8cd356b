"""The report as CSV for Excel in Japan: UTF-8 with a BOM (so Excel does not
read it as Shift_JIS), one row per figure with its definition, then one row per
day. Cells are guarded against formula injection: a team or organization name
typed as ``=HYPERLINK(…)`` must stay text when a city opens the file.

The header and every label are in the language of the request (the rows are
translated as they are built), so the English UI downloads an English CSV."""

from __future__ import annotations

import csv
import io

from django.utils.translation import pgettext

from .figures import MonthlyReport
from .rows import report_rows

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def header() -> list[str]:
    return [
        pgettext("reports", "Scope"),
        pgettext("reports", "Month"),
        pgettext("reports", "Section"),
        pgettext("reports", "Figure"),
        pgettext("reports", "Value"),
        pgettext("reports", "Definition"),
    ]


def guard(cell: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe
    (OWASP's advice); numbers stay numbers, so -3 is still -3."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def report_csv(report: MonthlyReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header())
    scope, month = report.scope.label, f"{report.month.year}-{report.month.month:02d}"
    for row in report_rows(report):
        value = "" if row.value is None else row.value
        writer.writerow(
            [guard(cell) for cell in (scope, month, row.section, row.label, value, row.definition)]
        )
    by_day = pgettext("reports", "By day")
    sent, answered = pgettext("reports", "Sent"), pgettext("reports", "Answered by the person")
    for day in report.answers.by_day:
        for label, value in ((sent, day.sent), (answered, day.answered)):
            writer.writerow(
                [guard(scope), month, by_day, f"{day.day.isoformat()} {label}", value, ""]
            )
    return BOM + out.getvalue()


def filename(report: MonthlyReport, extension: str) -> str:
    """ASCII file name (the translated one goes in ``filename*``)."""
    return f"anpi-report-{report.month.year}-{report.month.month:02d}.{extension}"
