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

from django.utils.translation import pgettext

from . import registry


def _t(message: str) -> str:
    """Policy errors are shown to tenant admins: Japanese by default (locale/ja)."""
    return pgettext("policy", message)

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
                _t("Step %(n)s: %(name)s must be a whole number of seconds from %(low)s to %(high)s.")
                % {"n": index + 1, "name": name, "low": spec.low, "high": spec.high}
            )
    elif value not in spec.choices:
        raise PolicyError(
            _t("Step %(n)s: %(name)s must be one of %(choices)s.")
            % {"n": index + 1, "name": name, "choices": ", ".join(spec.choices)}
        )


def validate_policy(steps: Any) -> list[dict[str, Any]]:
    """Check a policy strictly; return a normalized deep copy for snapshots.

    ``steps``: a list of dicts ``{"after": int seconds 0..30 days, "action": a
    registered action, "params": {…} as the action declares, "emergency":
    optional bool — true: not held by the tenant's quiet hours (engine.quiet)}``. Raises
    PolicyError on anything else (unknown keys, actions or parameters, floats,
    booleans, out-of-range numbers), so a typo never reaches the worker.
    """
    if not isinstance(steps, list) or not steps:
        raise PolicyError(_t("A policy needs at least one step."))
    if len(steps) > MAX_STEPS:
        raise PolicyError(_t("A policy has at most %(max)s steps.") % {"max": MAX_STEPS})
    normalized = []
    for index, step in enumerate(steps):
        if not isinstance(step, dict):
            raise PolicyError(_t("Step %(n)s must be an object { … }.") % {"n": index + 1})
        unknown = set(step) - {"after", "action", "params", "emergency"}
        if unknown:
            raise PolicyError(
                _t("Step %(n)s: unknown keys %(keys)s.")
                % {"n": index + 1, "keys": ", ".join(sorted(map(str, unknown)))}
            )
        name = step.get("action")
        action = registry.actions.get(name) if isinstance(name, str) else None
        if action is None:
            raise PolicyError(
                _t("Step %(n)s: unknown action %(action)s.") % {"n": index + 1, "action": repr(name)}
            )
        after = step.get("after", 0)
        if not _is_int(after) or not 0 <= after <= MAX_AFTER:
            raise PolicyError(
                _t("Step %(n)s: 'after' must be a whole number of seconds from 0 to %(max)s.")
                % {"n": index + 1, "max": MAX_AFTER}
            )
        params = step.get("params") or {}
        if not isinstance(params, dict):
            raise PolicyError(_t("Step %(n)s: params must be an object { … }.") % {"n": index + 1})
        for key in params:
            if key not in action.params:
                raise PolicyError(
                    _t("Step %(n)s: %(action)s has no parameter %(key)s.")
                    % {"n": index + 1, "action": name, "key": repr(key)}
                )
        for key, spec in action.params.items():
            if key in params:
                _check_param(index, key, spec, params[key])
            elif spec.required:
                raise PolicyError(
                    _t("Step %(n)s: %(action)s needs %(key)s.")
                    % {"n": index + 1, "action": name, "key": key}
                )
        emergency = step.get("emergency", False)
        if not isinstance(emergency, bool):
            # "emergency": "yes" or 1 must not silently pass as true (or false).
            raise PolicyError(
                _t("Step %(n)s: 'emergency' must be true or false.") % {"n": index + 1}
            )
        entry: dict[str, Any] = {"after": after, "action": name, "params": dict(params)}
        if emergency:
            entry["emergency"] = True
        normalized.append(entry)
    if not registry.actions[normalized[0]["action"]].first:
        raise PolicyError(_t("The first step must send the check."))
    if not registry.actions[normalized[-1]["action"]].last:
        # Nothing waits forever: the ladder must end with a task that repeats
        # until a human acts, or with an explicit close.
        raise PolicyError(_t("The last step must be decide_task or close."))
    return normalized
