"""What the report's body (``reports/_body.html``) prints, for the page and the
PDF alike. Built inside the request, so every label, chart and definition is in
the language of the staff member who asked for it."""

from __future__ import annotations

from typing import Any

from . import charts
from .figures import DEFINITIONS, MonthlyReport
from .rows import key_figures, report_rows, sections


def body_context(report: MonthlyReport) -> dict[str, Any]:
    return {
        "report": report,
        "keys": key_figures(report),
        "sections": sections(report_rows(report)),
        "charts": charts.all_charts(report),
        "definitions": DEFINITIONS,
    }
