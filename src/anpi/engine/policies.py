"""Escalation policies: ordered steps ``{after, action, params}``.

A check keeps a snapshot of its policy taken when it was created, so editing a
policy never changes running checks. ``after`` is seconds after the previous step
fired (for the first step: after ``due_at``). A step that opens a human task
holds the check until the task's deadline; an outcome that calls for more (e.g.
"unreachable") moves the next step to now.

The actions a policy may use are those registered in ``engine.registry`` (the
engine's own person-level steps and each service's). The default policies of the
services live with them: ``individual.policy``, ``groups.policy``,
``municipal.policy``.
"""

from __future__ import annotations

from typing import Any

from . import registry

HOUR = 3600
MAX_AFTER = 30 * 24 * HOUR
MAX_STEPS = 50


class PolicyError(ValueError):
    """A policy that cannot run; the message names the step and the rule."""


def _is_int(value: Any) -> bool:
    # bool is a subclass of int: ``"after": true`` must not pass as 1 second.
    return isinstance(value, int) and not isinstance(value, bool)


def _check_param(index: int, name: str, spec: registry.Param, value: Any) -> None:
    if spec.kind == "seconds":
        if not _is_int(value) or not spec.low <= value <= spec.high:
            raise PolicyError(
                f"step {index}: {name} must be a whole number of seconds "
                f"from {spec.low} to {spec.high}"
            )
    elif value not in spec.choices:
        raise PolicyError(f"step {index}: {name} must be one of {', '.join(spec.choices)}")


def validate_policy(steps: Any) -> list[dict[str, Any]]:
    """Check a policy strictly; return a normalized deep copy for snapshots.

    ``steps``: a list of dicts ``{"after": int seconds 0..30 days, "action": a
    registered action, "params": {…} as the action declares}``. Raises
    PolicyError on anything else (unknown keys, actions or parameters, floats,
    booleans, out-of-range numbers), so a typo never reaches the worker.
    """
    if not isinstance(steps, list) or not steps:
        raise PolicyError("a policy needs at least one step")
    if len(steps) > MAX_STEPS:
        raise PolicyError(f"a policy has at most {MAX_STEPS} steps")
    normalized = []
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            raise PolicyError(f"step {index}: must be an object")
        unknown = set(step) - {"after", "action", "params"}
        if unknown:
            raise PolicyError(f"step {index}: unknown keys {sorted(unknown)}")
        name = step.get("action")
        action = registry.actions.get(name) if isinstance(name, str) else None
        if action is None:
            raise PolicyError(f"step {index}: unknown action {name!r}")
        after = step.get("after", 0)
        if not _is_int(after) or not 0 <= after <= MAX_AFTER:
            raise PolicyError(
                f"step {index}: 'after' must be a whole number of seconds from 0 to {MAX_AFTER}"
            )
        params = step.get("params") or {}
        if not isinstance(params, dict):
            raise PolicyError(f"step {index}: params must be an object")
        for key in params:
            if key not in action.params:
                raise PolicyError(f"step {index}: {name} has no parameter {key!r}")
        for key, spec in action.params.items():
            if key in params:
                _check_param(index, key, spec, params[key])
            elif spec.required:
                raise PolicyError(f"step {index}: {name} needs {key}")
        normalized.append({"after": after, "action": name, "params": dict(params)})
    if not registry.actions[normalized[0]["action"]].first:
        raise PolicyError("the first step must send the check")
    if not registry.actions[normalized[-1]["action"]].last:
        # Nothing waits forever: the ladder must end with a task that repeats
        # until a human acts, or with an explicit close.
        raise PolicyError("the last step must be decide_task or close")
    return normalized
