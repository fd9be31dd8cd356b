"""つながり's default escalation policy (a group may have its own).

The check goes to the member's group; a member silent for 23 h is named in the
group for someone to go and see; unclaimed → named again; still unresolved →
the tenant's staff decide.
"""

from __future__ import annotations

from typing import Any

HOUR = 3600

GROUP_DEFAULT: list[dict[str, Any]] = [
    {"after": 0, "action": "group_check"},
    {"after": 23 * HOUR, "action": "alert_group", "params": {"outcome_deadline": 3 * HOUR}},
    {"after": 2 * HOUR, "action": "alert_group", "params": {"outcome_deadline": 3 * HOUR}},
    {"after": 2 * HOUR, "action": "decide_task", "params": {"deadline": 24 * HOUR}},
]
