"""The API's small monthly summary (``/api/reports/monthly``).

Deliberately small: checks sent and answered, the answer rate, and how many
checks reached each escalation step. The full pilot report (medians, funnels,
false alarms, staff minutes, CSV and PDF) lives in ``anpi.reports``; this is
the API's own quick figure and is named apart so the two are not confused.

Definitions (the tenant's local month, by a check's ``due_at``):

- *sent*: checks of the month, less those cancelled before their first step
  fired (a person who blocked the account before the check went out);
- *answered*: closed by the person's own answer; *resolved by staff*: closed
  by a staff outcome (「無事」);
- *answer rate*: answered / sent (None when nothing was sent);
- *escalations by step*: for each action of the policies' ladders (in the
  order they first appear), the checks whose ladder fired it — the first step
  (``send_check``) counts every sent check, later ones show how far silence went.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from anpi.engine.models import Check


@dataclass
class ApiMonthlySummary:
    month: str
    checks_sent: int = 0
    checks_answered: int = 0
    checks_resolved_by_staff: int = 0
    escalations_by_step: dict[str, int] = field(default_factory=dict)

    @property
    def answer_rate(self) -> float | None:
        if not self.checks_sent:
            return None
        return round(self.checks_answered / self.checks_sent, 4)


def month_bounds(month: str, timezone: str) -> tuple[datetime, datetime]:
    """[start, end) of ``"YYYY-MM"`` in ``timezone``."""
    year, number = (int(part) for part in month.split("-"))
    zone = ZoneInfo(timezone)
    start = datetime(year, number, 1, tzinfo=zone)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=zone)
    return start, end


def api_monthly_summary(tenant_id: int, timezone: str, month: str) -> ApiMonthlySummary:
    """Count one tenant's checks due in ``month`` (one pass over the month's
    checks, reading only state, step and the policy snapshot)."""
    start, end = month_bounds(month, timezone)
    summary = ApiMonthlySummary(month=month)
    rows = (
        Check.objects.filter(tenant_id=tenant_id, due_at__gte=start, due_at__lt=end)
        .values_list("state", "step", "close_reason", "policy")
        .iterator(chunk_size=2000)
    )
    for state, step, reason, policy in rows:
        if state == Check.State.CANCELLED and step == 0:
            continue
        summary.checks_sent += 1
        if state == Check.State.ANSWERED:
            summary.checks_answered += 1
        elif state == Check.State.RESOLVED and reason == "staff_safe":
            summary.checks_resolved_by_staff += 1
        for fired in (policy or [])[:step]:
            action = str(fired.get("action", "?")) if isinstance(fired, dict) else "?"
            summary.escalations_by_step[action] = summary.escalations_by_step.get(action, 0) + 1
    return summary
