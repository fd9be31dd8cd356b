"""Counts that more than one staff page shows: the pilot report (anpi.reports)
and the dashboard's overview board read the same definitions from here, so a
city never sees two different "sent" or "answer rate" figures for one day.

Every function reads only the database (no clock): the caller passes the
period, computed from the engine clock in the tenant's time zone.

- A check *went out* when its first step (the check message) fired: ``step ≥ 1``.
- A check *escalated* when a step after the first fired: ``step ≥ 2``.
- The answer rate is answered ÷ (went out − cancelled): a check cancelled after
  it went out (the person blocked the account, two checks were merged) asked
  nobody anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils.translation import pgettext, pgettext_lazy

from .models import Check

# What each escalation action is called on staff pages and in the report (the
# ``action`` of a policy step → its name). Lazy: each page reads them in its
# viewer's language; msgctxt "step", Japanese in the ja catalogue.
ACTION_LABELS: dict[str, Any] = {
    "send_check": pgettext_lazy("step", "Check sent"),
    "group_check": pgettext_lazy("step", "Check sent"),
    "remind": pgettext_lazy("step", "Reminder"),
    "resend": pgettext_lazy("step", "Re-sent"),
    "call_task": pgettext_lazy("step", "Staff call"),
    "last_notice": pgettext_lazy("step", "Last notice"),
    "notify_contacts": pgettext_lazy("step", "Emergency contacts told"),
    "alert_group": pgettext_lazy("step", "Group alerted"),
    "alert_team": pgettext_lazy("step", "Team alerted"),
    "sms": pgettext_lazy("step", "SMS"),
    "voice_call": pgettext_lazy("step", "Automated voice call"),
    "visit_task": pgettext_lazy("step", "Visit"),
    "decide_task": pgettext_lazy("step", "Staff decision"),
    "close": pgettext_lazy("step", "Closed"),
}


def local_day(timezone: str, moment: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the calendar day of ``moment`` in ``timezone`` (an IANA
    name such as ``Asia/Tokyo``), as aware datetimes."""
    zone = ZoneInfo(timezone)
    start = datetime.combine(moment.astimezone(zone).date(), time(0), tzinfo=zone)
    return start, start + timedelta(days=1)


def went_out(checks: QuerySet[Check]) -> QuerySet[Check]:
    """``checks`` narrowed to those whose check message was sent (``step ≥ 1``)."""
    return checks.filter(step__gte=1)


@dataclass(frozen=True)
class AnswerCounts:
    sent: int
    cancelled: int
    answered: int  # answered by the person themselves

    @property
    def answer_rate(self) -> float | None:
        """Answered ÷ (sent − cancelled), or None when nothing counts."""
        base = self.sent - self.cancelled
        return self.answered / base if base > 0 else None


def answer_counts(checks: QuerySet[Check]) -> AnswerCounts:
    """Sent, cancelled and answered among ``checks`` (already narrowed to a
    tenant and a period by the caller), in one aggregate query."""
    counts = went_out(checks).aggregate(
        sent=Count("id"),
        cancelled=Count("id", filter=Q(state=Check.State.CANCELLED)),
        answered=Count("id", filter=Q(state=Check.State.ANSWERED)),
    )
    return AnswerCounts(counts["sent"], counts["cancelled"], counts["answered"])


def step_label(action: str, nth: int = 1) -> str:
    """ "Staff call", or "Reminder (time 2)" for the second step with that action
    (「スタッフ電話」, 「リマインド（2回目）」), in the active language. Only
    pages call this; whoever stores a label must wrap it in
    ``translation.override`` so the record does not depend on its reader."""
    name = str(ACTION_LABELS.get(action, action))
    if nth == 1:
        return name
    return pgettext("step", "%(name)s (time %(nth)d)") % {"name": name, "nth": nth}
