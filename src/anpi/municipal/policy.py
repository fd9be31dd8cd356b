"""安否通知's default escalation policy (a team may have its own).

The person is asked 1:1 and reminded; then the team is alerted, a watcher claims
it and visits; unresolved → city staff decide.
"""

from __future__ import annotations

from typing import Any

HOUR = 3600

TEAM_DEFAULT: list[dict[str, Any]] = [
    {"after": 0, "action": "send_check"},
    {"after": 24 * HOUR, "action": "resend"},
    {"after": 3 * HOUR, "action": "alert_team", "params": {"outcome_deadline": 3 * HOUR}},
    {"after": 2 * HOUR, "action": "alert_team", "params": {"outcome_deadline": 3 * HOUR}},
    {"after": 2 * HOUR, "action": "decide_task", "params": {"deadline": 24 * HOUR}},
]
