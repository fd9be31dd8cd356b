"""``/api/reports/monthly``: the API's small monthly summary (``monthly_summary``)."""

from __future__ import annotations

from typing import Annotated, Any
from zoneinfo import ZoneInfo

from django.http import HttpRequest
from ninja import Query, Router

from anpi.engine.clock import get_clock

from .auth import token_of
from .monthly_summary import api_monthly_summary
from .schemas import Month, MonthlySummaryOut

router = Router(tags=["reports"])


@router.get("/reports/monthly", response=MonthlySummaryOut, summary="A month in numbers")
def monthly(
    request: HttpRequest,
    month: Annotated[Month | None, Query(description="YYYY-MM (the tenant's local month).")] = None,
) -> dict[str, Any]:
    """Checks sent and answered, the answer rate and escalations by step for one
    month (this month by default). Aggregates only: no personal data."""
    tenant = token_of(request).tenant
    if month is None:
        now = get_clock().now().astimezone(ZoneInfo(tenant.timezone))
        month = now.strftime("%Y-%m")
    summary = api_monthly_summary(tenant.pk, tenant.timezone, month)
    return {
        "month": summary.month,
        "checks_sent": summary.checks_sent,
        "checks_answered": summary.checks_answered,
        "checks_resolved_by_staff": summary.checks_resolved_by_staff,
        "answer_rate": summary.answer_rate,
        "escalations_by_step": [
            {"action": action, "checks": n} for action, n in summary.escalations_by_step.items()
        ],
    }
