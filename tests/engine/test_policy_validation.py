"""Escalation policies are checked strictly when saved: what passes can run, and
what cannot gets a clear error naming the step (the registry's declared params)."""

from __future__ import annotations

import pytest

from anpi.engine import registry
from anpi.engine.policies import MAX_AFTER, MAX_STEPS, PolicyError, validate_policy
from anpi.groups.policy import GROUP_DEFAULT
from anpi.individual.policy import INDIVIDUAL_DEFAULT
from anpi.municipal.policy import TEAM_DEFAULT

HOUR = 3600
CHECK = {"after": 0, "action": "send_check"}
DECIDE = {"after": 0, "action": "decide_task", "params": {"deadline": HOUR}}


@pytest.mark.parametrize(
    "policy", [INDIVIDUAL_DEFAULT, GROUP_DEFAULT, TEAM_DEFAULT], ids=["individual", "group", "team"]
)
def test_every_services_default_policy_is_valid(policy):
    assert validate_policy(policy) == [
        {"after": s["after"], "action": s["action"], "params": s.get("params", {})}
        for s in policy
    ]


def test_each_service_registered_its_own_actions():
    assert {"group_check", "alert_group"} <= set(registry.actions)  # つながり
    assert "alert_team" in registry.actions  # 安否通知
    assert {"send_check", "resend", "call_task", "decide_task", "close"} <= set(registry.actions)


def test_a_snapshot_is_a_copy_editing_the_policy_later_changes_nothing():
    steps = [dict(CHECK), {"after": 3, "action": "resend"}, dict(DECIDE)]
    snapshot = validate_policy(steps)
    steps[1]["after"] = 999
    assert snapshot[1]["after"] == 3


BAD = {
    "no steps": [],
    "not a list": {"after": 0},
    "a step that is not an object": [CHECK, "resend", DECIDE],
    "an unknown key": [{**CHECK, "when": 5}, DECIDE],
    "an unknown action": [CHECK, {"after": 0, "action": "teleport"}, DECIDE],
    "an action that is not a string": [CHECK, {"after": 0, "action": ["resend"]}, DECIDE],
    "a float after": [CHECK, {"after": 1.5, "action": "resend"}, DECIDE],
    "a boolean after": [CHECK, {"after": True, "action": "resend"}, DECIDE],
    "a string after": [CHECK, {"after": "3600", "action": "resend"}, DECIDE],
    "a negative after": [CHECK, {"after": -1, "action": "resend"}, DECIDE],
    "an after over 30 days": [CHECK, {"after": MAX_AFTER + 1, "action": "resend"}, DECIDE],
    "a huge after": [CHECK, {"after": 10**20, "action": "resend"}, DECIDE],
    "params that are not an object": [CHECK, {**DECIDE, "params": [1]}],
    "an unknown parameter": [CHECK, {**DECIDE, "params": {"deadline": HOUR, "x": 1}}],
    "a task without its deadline": [CHECK, {"after": 0, "action": "decide_task"}],
    "a zero deadline": [CHECK, {**DECIDE, "params": {"deadline": 0}}],
    "a deadline under a minute": [CHECK, {**DECIDE, "params": {"deadline": 59}}],
    "a boolean deadline": [CHECK, {**DECIDE, "params": {"deadline": True}}],
    "an unknown message style": [
        {**CHECK, "params": {"message": "shouty"}},
        DECIDE,
    ],
    "a first step that sends nothing": [{"after": 0, "action": "resend"}, DECIDE],
    "a ladder that can end waiting": [CHECK, {"after": 0, "action": "resend"}],
    "too many steps": [CHECK] + [{"after": 0, "action": "resend"}] * MAX_STEPS + [DECIDE],
}


@pytest.mark.parametrize("steps", BAD.values(), ids=BAD.keys())
def test_a_policy_that_cannot_run_is_refused(steps):
    with pytest.raises(PolicyError):
        validate_policy(steps)


def test_the_error_names_the_step_people_count_from_one():
    with pytest.raises(PolicyError, match="2"):
        validate_policy([CHECK, {"after": -1, "action": "resend"}, DECIDE])


@pytest.mark.parametrize(
    "steps",
    [
        [CHECK, {"after": 0, "action": "close"}],
        [{**CHECK, "params": {"message": "identical"}}, DECIDE],
        [{"after": 0, "action": "group_check"}, {"after": 23 * HOUR, "action": "alert_group"}, DECIDE],
        [CHECK, {"after": HOUR, "action": "alert_team", "params": {"outcome_deadline": HOUR}}, DECIDE],
        [CHECK, {"after": MAX_AFTER, "action": "resend"}, DECIDE],
    ],
    ids=["close", "identical message", "group ladder", "team alert", "30 days"],
)
def test_policies_that_can_run_pass(steps):
    assert len(validate_policy(steps)) == len(steps)
