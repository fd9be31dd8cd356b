"""Escalation policies: ordered steps ``{after, action, params}``.

A check keeps a snapshot of its policy taken when it was created, so editing a
policy never changes running checks. ``after`` is seconds after the previous step
fired (for the first step: after ``due_at``). A step that opens a human task
holds the check until the task's deadline; an outcome that calls for more (e.g.
"unreachable") moves the next step to now.
"""

from __future__ import annotations

from typing import Any

HOUR = 3600

# Actions the engine knows; engine.steps maps each to its handler.
ACTIONS = {
    "send_check",  # the check message with the big OK button
    "resend",  # the same question again (a paid push: keep them few)
    "last_notice",  # one more LINE message before contacts are told
    "call_task",  # staff phone the person; params.deadline seconds
    "notify_contacts",  # LINE if linked, else e-mail, else a staff task to phone them
    "decide_task",  # staff decide what comes next (visit, police); repeats until done
    "close",  # close the check without an answer (e.g. a reminder-only policy)
    # Services of anpi.groups (handlers registered by its AppConfig.ready):
    "group_check",  # つながり: the check to the member's LINE group, one push per occurrence
    "alert_group",  # つながり: name a silent member in the group; a member claims it
    "alert_team",  # 安否通知: alert the person's team (its LINE group or each watcher 1:1)
}

# Steps that open a claimable alert; ``params.outcome_deadline`` (seconds) is how
# long a claimer has to record the outcome before the ladder goes on.
ALERT_ACTIONS = {"alert_group", "alert_team"}
FIRST_ACTIONS = {"send_check", "group_check"}

# The reference NPO's individual service (個人見守り).
INDIVIDUAL_DEFAULT: list[dict[str, Any]] = [
    {"after": 0, "action": "send_check"},
    {"after": 24 * HOUR, "action": "resend"},
    {"after": 3 * HOUR, "action": "call_task", "params": {"deadline": 2 * HOUR}},
    {"after": 0, "action": "last_notice"},
    {"after": 2 * HOUR, "action": "notify_contacts"},
    {"after": 0, "action": "decide_task", "params": {"deadline": 24 * HOUR}},
]


# つながり (peer group): the check goes to the group; a member silent for 23h is
# named in the group for someone to go and see; unclaimed → named again; still
# unresolved → the tenant's staff.
GROUP_DEFAULT: list[dict[str, Any]] = [
    {"after": 0, "action": "group_check"},
    {"after": 23 * HOUR, "action": "alert_group", "params": {"outcome_deadline": 3 * HOUR}},
    {"after": 2 * HOUR, "action": "alert_group", "params": {"outcome_deadline": 3 * HOUR}},
    {"after": 2 * HOUR, "action": "decide_task", "params": {"deadline": 24 * HOUR}},
]

# 安否通知 (municipal team): the person is asked 1:1 and reminded; then the team
# is alerted, a watcher claims it and visits; unresolved → city staff.
TEAM_DEFAULT: list[dict[str, Any]] = [
    {"after": 0, "action": "send_check"},
    {"after": 24 * HOUR, "action": "resend"},
    {"after": 3 * HOUR, "action": "alert_team", "params": {"outcome_deadline": 3 * HOUR}},
    {"after": 2 * HOUR, "action": "alert_team", "params": {"outcome_deadline": 3 * HOUR}},
    {"after": 2 * HOUR, "action": "decide_task", "params": {"deadline": 24 * HOUR}},
]


class PolicyError(ValueError):
    pass


def validate_policy(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check a policy's shape; return a normalized deep copy for snapshots."""
    if not steps:
        raise PolicyError("a policy needs at least one step")
    normalized = []
    for index, step in enumerate(steps):
        action = step.get("action")
        if action not in ACTIONS:
            raise PolicyError(f"step {index}: unknown action {action!r}")
        after = step.get("after", 0)
        if not isinstance(after, int) or after < 0:
            raise PolicyError(f"step {index}: 'after' must be a non-negative number of seconds")
        params = dict(step.get("params") or {})
        if action in ("call_task", "decide_task"):
            deadline = params.get("deadline")
            if not isinstance(deadline, int) or deadline <= 0:
                raise PolicyError(f"step {index}: a human task needs a positive deadline")
        if action in ALERT_ACTIONS and "outcome_deadline" in params:
            deadline = params["outcome_deadline"]
            if not isinstance(deadline, int) or deadline <= 0:
                raise PolicyError(f"step {index}: outcome_deadline must be a positive number")
        if action == "send_check" and params.get("message", "personal") not in (
            "personal",
            "identical",
        ):
            raise PolicyError(f"step {index}: message must be 'personal' or 'identical'")
        normalized.append({"after": after, "action": action, "params": params})
    if normalized[0]["action"] not in FIRST_ACTIONS:
        raise PolicyError("the first step must send the check")
    last = normalized[-1]["action"]
    if last not in ("decide_task", "close"):
        # Nothing waits forever: the ladder must end with a task that repeats
        # until a human acts, or with an explicit close.
        raise PolicyError("the last step must be decide_task or close")
    return normalized
