"""Hypothesis: correctly signed random events and random policies never cause a
5xx, and never a worker pass that raises (a stalled batch)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpi.engine import registry
from anpi.engine.policies import PolicyError, validate_policy

from .conftest import ms

JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),  # NUL and lone surrogates included: the webhook must cope
)
# What a database column can hold (PostgreSQL refuses NUL and lone surrogates):
# for writing policy snapshots straight into the database in a test.
STORABLE_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)
STORABLE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-(2**62), 2**62), STORABLE_TEXT),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(STORABLE_TEXT, inner, max_size=4),
    max_leaves=12,
)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
USER_IDS = st.sampled_from(["U" + "1" * 32, "U" + "2" * 32, "Unknown", ""])
TYPES = st.sampled_from(
    ["message", "postback", "follow", "unfollow", "join", "leave", "memberJoined",
     "memberLeft", "accountLink", "unsend", "videoPlayComplete", "somethingNew"]
)
SOURCES = st.one_of(
    st.fixed_dictionaries({"type": st.just("user"), "userId": USER_IDS}),
    st.fixed_dictionaries({"type": st.just("group"), "groupId": st.text(max_size=40)}),
    st.fixed_dictionaries({"type": st.text(max_size=8)}),
    JSON,
)
MESSAGES = st.one_of(
    st.fixed_dictionaries(
        {"type": st.just("text"), "id": st.text(max_size=10), "text": st.text(max_size=60)},
        optional={"quoteToken": st.text(max_size=5), "mention": JSON, "emojis": JSON},
    ),
    JSON,
)


@st.composite
def events(draw, now_ms: int):
    event = {
        "type": draw(TYPES),
        "mode": draw(st.sampled_from(["active", "standby", "other"])),
        "timestamp": draw(st.integers(min_value=0, max_value=now_ms + 10**9)),
        "source": draw(SOURCES),
        "webhookEventId": draw(st.text(min_size=1, max_size=64)),
        "deliveryContext": draw(st.one_of(st.just({"isRedelivery": False}), JSON)),
        "replyToken": draw(st.text(max_size=40)),
    }
    extra = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "message": MESSAGES,
                "postback": st.one_of(st.fixed_dictionaries({"data": st.text(max_size=40)}), JSON),
                "follow": JSON,
                "joined": JSON,
                "left": JSON,
                "future": JSON,
            },
        )
    )
    event.update(extra)
    return event


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_signed_random_events_never_cause_a_5xx_or_a_stalled_pass(
    data, post, work, clock, make_person
):
    now_ms = ms(clock.now())
    batch = data.draw(st.lists(events(now_ms), min_size=0, max_size=4))
    response = post(*batch)
    assert response.status_code < 500
    work()  # raises if any pass raised: every row is handled or quarantined alone


STEP = st.fixed_dictionaries(
    {
        "after": st.one_of(
            st.integers(-10, 40 * 24 * 3600),
            st.floats(allow_nan=False, allow_infinity=False),
            st.booleans(),
            JSON,
        ),
        "action": st.one_of(st.sampled_from(sorted(registry.actions) or ["send_check"]), JSON),
    },
    optional={
        "params": st.one_of(
            st.dictionaries(
                st.sampled_from(["deadline", "outcome_deadline", "message", "x"]),
                st.one_of(st.integers(-5, 10**12), st.sampled_from(["personal", "identical"]), JSON),
                max_size=3,
            ),
            JSON,
        )
    },
)


@settings(max_examples=300, deadline=None)
@given(steps=st.one_of(st.lists(STEP, max_size=6), JSON))
def test_random_policies_are_either_valid_or_refused_with_a_policy_error(steps):
    try:
        normalized = validate_policy(steps)
    except PolicyError:
        return
    # What passes is runnable: integers in range, known actions, closed ladder.
    json.dumps(normalized)
    for step in normalized:
        assert isinstance(step["after"], int) and not isinstance(step["after"], bool)
        assert 0 <= step["after"] <= 30 * 24 * 3600
        assert step["action"] in registry.actions
    assert registry.actions[normalized[-1]["action"]].last


STORABLE_STEP = st.fixed_dictionaries(
    {
        "after": st.one_of(st.integers(-10, 40 * 24 * 3600), st.booleans(), STORABLE),
        "action": st.one_of(st.sampled_from(sorted(registry.actions) or ["close"]), STORABLE),
    },
    optional={"params": STORABLE},
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STORABLE_STEP, min_size=1, max_size=6))
def test_random_policy_snapshots_never_stall_the_worker(steps, make_person, clock, work):
    from anpi.engine.models import Check

    person = make_person()
    clock.advance(hours=1)
    work()
    # Whatever a snapshot holds (saved before validation, edited in the database),
    # the worker keeps going: the check is quarantined, the others advance.
    Check.objects.filter(person=person, state="open").update(policy=steps)
    for hours in (1, 24, 3):
        clock.advance(hours=hours)
        work()
