"""The control API answers bad input with a JSON 400 (404 for an unknown id), never a
500 or a traceback: malformed JSON, wrong types, missing fields, unknown users and
groups, huge values — on every control and inspection route."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# (method, path) of every control route; {user}, {group} and {bot} are filled in with
# a real friend, a group with the bot in it, and the channel.
ROUTES = [
    ("GET", "/healthz"),
    ("POST", "/_sim/channels"),
    ("GET", "/_sim/channels"),
    ("PATCH", "/_sim/channels/{bot}"),
    ("POST", "/_sim/users"),
    ("GET", "/_sim/users"),
    ("PATCH", "/_sim/users/{user}"),
    ("POST", "/_sim/users/{user}/follow"),
    ("POST", "/_sim/users/{user}/block"),
    ("POST", "/_sim/users/{user}/unblock"),
    ("POST", "/_sim/faults"),
    ("GET", "/_sim/faults"),
    ("DELETE", "/_sim/faults"),
    ("GET", "/_sim/config"),
    ("PATCH", "/_sim/config"),
    ("GET", "/_sim/requests"),
    ("DELETE", "/_sim/requests"),
    ("GET", "/_sim/deliveries"),
    ("GET", "/_sim/dropped"),
    ("POST", "/_sim/reset"),
    ("POST", "/_sim/users/{user}/tap"),
    ("POST", "/_sim/users/{user}/text"),
    ("GET", "/_sim/users/{user}/messages"),
    ("POST", "/_sim/groups"),
    ("GET", "/_sim/groups"),
    ("POST", "/_sim/groups/{group}/invite-bot"),
    ("POST", "/_sim/groups/{group}/remove-bot"),
    ("POST", "/_sim/groups/{group}/members"),
    ("DELETE", "/_sim/groups/{group}/members/{user}"),
    ("GET", "/_sim/groups/{group}/messages"),
    ("POST", "/_sim/webhooks/redeliver"),
    ("POST", "/_sim/webhooks/duplicate"),
    ("GET", "/_sim/webhooks"),
]
# Routes that read a JSON body: a body that is not a JSON object is a 400 there.
BODY_ROUTES = [
    ("POST", "/_sim/channels"),
    ("PATCH", "/_sim/channels/{bot}"),
    ("POST", "/_sim/users"),
    ("PATCH", "/_sim/users/{user}"),
    ("POST", "/_sim/users/{user}/follow"),
    ("POST", "/_sim/users/{user}/block"),
    ("POST", "/_sim/users/{user}/unblock"),
    ("POST", "/_sim/faults"),
    ("PATCH", "/_sim/config"),
    ("POST", "/_sim/users/{user}/tap"),
    ("POST", "/_sim/users/{user}/text"),
    ("POST", "/_sim/groups"),
    ("POST", "/_sim/groups/{group}/members"),
    ("POST", "/_sim/webhooks/redeliver"),
    ("POST", "/_sim/webhooks/duplicate"),
]


class Reply:
    def __init__(self, status: int, raw: bytes, content_type: str) -> None:
        self.status = status
        self.raw = raw
        self.content_type = content_type

    @property
    def json(self) -> Any:
        return json.loads(self.raw)


def send(base: str, method: str, path: str, body: bytes | None = None) -> Reply:
    req = urllib.request.Request(base + path, data=body, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return Reply(resp.status, resp.read(), resp.headers.get("Content-Type", ""))
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, exc.read(), exc.headers.get("Content-Type", ""))


def assert_json_error(reply: Reply, status: int | tuple[int, ...]) -> None:
    expected = status if isinstance(status, tuple) else (status,)
    assert reply.status in expected, reply.raw
    assert reply.content_type.startswith("application/json"), reply.raw
    assert isinstance(reply.json["message"], str)
    assert "Traceback" not in reply.json["message"]


@pytest.fixture
def world(sim, control, channel, friend) -> dict[str, str]:
    """Ids to fill the routes with: a friend, a second user, a group with the bot."""
    other = control.add_user("佐藤")
    group = control.create_group("つながりの会", [friend, other])
    control.invite_bot(group)
    return {"user": friend, "group": group, "bot": channel["botUserId"], "base": sim.url}


def path_of(template: str, world: dict[str, str]) -> str:
    return template.format(**world)


# --- malformed bodies --------------------------------------------------------------------

MALFORMED = [
    b"{",
    b"not json",
    b"{'single': 'quotes'}",
    b"\xff\xfe\x00",
    b"[1, 2, 3]",
    b'"a string"',
    b"42",
    b"null",
    b"true",
    b"[" * 100_000 + b"]" * 100_000,  # deeper than the JSON parser recurses
    b'{"n": ' + b"9" * 10_000 + b"}",  # more digits than Python converts
    b'{"a": NaN',
]


@pytest.mark.parametrize("method, template", BODY_ROUTES)
@pytest.mark.parametrize("body", MALFORMED, ids=lambda b: repr(b[:12]))
def test_a_body_that_is_not_a_json_object_is_a_400(world, method, template, body):
    reply = send(world["base"], method, path_of(template, world), body)
    assert_json_error(reply, 400)


@pytest.mark.parametrize("method, template", ROUTES)
def test_no_route_answers_a_malformed_body_with_a_500(world, method, template):
    reply = send(world["base"], method, path_of(template, world), b"{")
    assert reply.status < 500, reply.raw
    assert reply.content_type.startswith("application/json"), reply.raw


# --- wrong types, missing fields, huge values ----------------------------------------------

HUGE = "x" * 20_000
BAD_FIELDS = [
    ("POST", "/_sim/channels", {}),
    ("POST", "/_sim/channels", {"channelSecret": "s"}),
    ("POST", "/_sim/channels", {"channelSecret": ["s"], "accessToken": "t"}),
    ("POST", "/_sim/channels", {"channelSecret": "s", "accessToken": {"t": 1}}),
    ("POST", "/_sim/channels", {"channelSecret": "s", "accessToken": "t", "plan": ["free"]}),
    ("POST", "/_sim/channels", {"channelSecret": "s", "accessToken": "t", "plan": "gold"}),
    ("POST", "/_sim/channels", {"channelSecret": "s", "accessToken": "t", "botUserId": 5}),
    ("POST", "/_sim/channels", {"channelSecret": "s", "accessToken": "t", "webhookUrl": 1}),
    ("POST", "/_sim/channels", {"channelSecret": "s", "accessToken": "t", "displayName": []}),
    ("POST", "/_sim/channels", {"channelSecret": HUGE, "accessToken": "t"}),
    ("PATCH", "/_sim/channels/{bot}", {"plan": {"a": 1}}),
    ("PATCH", "/_sim/channels/{bot}", {"plan": "gold"}),
    ("PATCH", "/_sim/channels/{bot}", {"usage": "many"}),
    ("PATCH", "/_sim/channels/{bot}", {"usage": -1}),
    ("PATCH", "/_sim/channels/{bot}", {"usage": 10**30}),
    ("PATCH", "/_sim/channels/{bot}", {"usage": 1.5}),
    ("PATCH", "/_sim/channels/{bot}", {"usage": True}),
    ("PATCH", "/_sim/channels/{bot}", {"accessToken": ["t"]}),
    ("PATCH", "/_sim/channels/{bot}", {"webhookUrl": 42}),
    ("PATCH", "/_sim/channels/{bot}", {"webhookUrl": "not a url"}),
    ("PATCH", "/_sim/channels/{bot}", {"webhookUrl": "http://[::1"}),
    ("PATCH", "/_sim/channels/{bot}", {"webhookUrl": "ftp://example.com/hook"}),
    ("PATCH", "/_sim/channels/{bot}", {"displayName": {"x": 1}}),
    ("POST", "/_sim/users", {}),
    ("POST", "/_sim/users", {"displayName": ""}),
    ("POST", "/_sim/users", {"displayName": {"a": 1}}),
    ("POST", "/_sim/users", {"displayName": "a", "pictureUrl": 1}),
    ("POST", "/_sim/users", {"displayName": "a", "language": ["ja"]}),
    ("POST", "/_sim/users", {"displayName": HUGE}),
    ("PATCH", "/_sim/users/{user}", {"displayName": ""}),
    ("PATCH", "/_sim/users/{user}", {"language": ["en"]}),
    ("PATCH", "/_sim/users/{user}", {"language": HUGE}),
    ("PATCH", "/_sim/users/{user}", {"pictureUrl": 1}),
    ("POST", "/_sim/users/{user}/follow", {"channel": ["x"]}),
    ("POST", "/_sim/users/{user}/block", {"channel": {"x": 1}}),
    ("POST", "/_sim/users/{user}/unblock", {"channel": 7}),
    ("POST", "/_sim/faults", {"rules": 5}),
    ("POST", "/_sim/faults", {"rules": "push"}),
    ("POST", "/_sim/faults", {"rules": [5]}),
    ("POST", "/_sim/faults", {"rules": ["push"]}),
    ("POST", "/_sim/faults", {"rules": [{}]}),
    ("POST", "/_sim/faults", {"rules": [{"status": "boom"}]}),
    ("POST", "/_sim/faults", {"rules": [{"status": 999}]}),
    ("POST", "/_sim/faults", {"rules": [{"status": 10**30}]}),
    ("POST", "/_sim/faults", {"rules": [{"status": 500, "probability": "often"}]}),
    ("POST", "/_sim/faults", {"rules": [{"status": 500, "probability": 2}]}),
    ("POST", "/_sim/faults", {"rules": [{"status": 500, "count": "twice"}]}),
    ("POST", "/_sim/faults", {"rules": [{"status": 500, "count": -1}]}),
    ("POST", "/_sim/faults", {"rules": [{"delayMs": 10**12}]}),
    ("POST", "/_sim/faults", {"rules": [{"delayMs": "slow"}]}),
    ("POST", "/_sim/faults", {"seed": "abc", "rules": []}),
    ("POST", "/_sim/faults", {"seed": 10**40, "rules": []}),
    ("POST", "/_sim/faults", {"seed": [1], "rules": []}),
    ("PATCH", "/_sim/config", {"replyTokenTtl": "long"}),
    ("PATCH", "/_sim/config", {"replyTokenTtl": -1}),
    ("PATCH", "/_sim/config", {"replyTokenTtl": 1e300}),
    ("PATCH", "/_sim/config", {"replyTokenTtl": [60]}),
    ("PATCH", "/_sim/config", {"rateLimits": 5}),
    ("PATCH", "/_sim/config", {"rateLimits": ["push"]}),
    ("PATCH", "/_sim/config", {"rateLimits": {"push": "fast"}}),
    ("PATCH", "/_sim/config", {"rateLimits": {"push": -1}}),
    ("PATCH", "/_sim/config", {"rateLimits": {"push": None}}),
    ("PATCH", "/_sim/config", {"groupPostbackUserId": "yes"}),
    ("POST", "/_sim/users/{user}/tap", {}),
    ("POST", "/_sim/users/{user}/tap", {"label": ["元気です"]}),
    ("POST", "/_sim/users/{user}/tap", {"label": "元気です", "groupId": ["C1"]}),
    ("POST", "/_sim/users/{user}/tap", {"label": "元気です", "channel": {"a": 1}}),
    ("POST", "/_sim/users/{user}/tap", {"label": "元気です", "messageId": 5}),
    ("POST", "/_sim/users/{user}/tap", {"label": "元気です", "value": 5}),
    ("POST", "/_sim/users/{user}/text", {}),
    ("POST", "/_sim/users/{user}/text", {"text": ""}),
    ("POST", "/_sim/users/{user}/text", {"text": 5}),
    ("POST", "/_sim/users/{user}/text", {"text": "元気", "groupId": {"a": 1}}),
    ("POST", "/_sim/users/{user}/text", {"text": "元気", "channel": ["x"]}),
    ("POST", "/_sim/users/{user}/text", {"text": "元" * 20_000}),
    ("POST", "/_sim/groups", {"members": "U123"}),
    ("POST", "/_sim/groups", {"members": 5}),
    ("POST", "/_sim/groups", {"members": [["U1"]]}),
    ("POST", "/_sim/groups", {"members": [{"id": 1}]}),
    ("POST", "/_sim/groups", {"members": ["U1"] * 5000}),
    ("POST", "/_sim/groups", {"groupName": {"a": 1}}),
    ("POST", "/_sim/groups", {"channel": ["x"]}),
    ("POST", "/_sim/groups", {"pictureUrl": 5}),
    ("POST", "/_sim/groups/{group}/members", {}),
    ("POST", "/_sim/groups/{group}/members", {"userIds": "U1"}),
    ("POST", "/_sim/groups/{group}/members", {"userIds": [[1]]}),
    ("POST", "/_sim/groups/{group}/members", {"userIds": [{"a": 1}]}),
    ("POST", "/_sim/webhooks/redeliver", {}),
    ("POST", "/_sim/webhooks/redeliver", {"webhookEventId": ["x"]}),
    ("POST", "/_sim/webhooks/duplicate", {"webhookEventId": {"x": 1}}),
]


@pytest.mark.parametrize(
    "method, template, body", BAD_FIELDS, ids=lambda v: str(v)[:40] if isinstance(v, dict) else v
)
def test_a_wrong_type_missing_field_or_huge_value_is_a_400(world, method, template, body):
    reply = send(world["base"], method, path_of(template, world), json.dumps(body).encode())
    assert_json_error(reply, 400)


def test_a_refused_patch_changes_nothing(world, control):
    before = control.channels()
    reply = send(
        world["base"],
        "PATCH",
        path_of("/_sim/channels/{bot}", world),
        json.dumps({"webhookUrl": "http://x/", "plan": "gold"}).encode(),
    )
    assert_json_error(reply, 400)
    assert control.channels() == before


def test_a_refused_config_patch_changes_nothing(world, control):
    before = control.call("GET", "/_sim/config")
    reply = send(
        world["base"],
        "PATCH",
        "/_sim/config",
        json.dumps({"replyTokenTtl": 5, "rateLimits": {"push": "fast"}}).encode(),
    )
    assert_json_error(reply, 400)
    assert control.call("GET", "/_sim/config") == before


@pytest.mark.parametrize(
    "path", ["/_sim/requests", "/_sim/deliveries", "/_sim/dropped"], ids=lambda p: p
)
@pytest.mark.parametrize("offset", ["abc", "-1", "1.5", "9" * 40, "٣", " "])
def test_a_bad_offset_on_an_inspection_route_is_a_400(world, path, offset):
    reply = send(world["base"], "GET", f"{path}?offset={urllib.request.quote(offset)}")
    assert_json_error(reply, 400)


@pytest.mark.parametrize("path", ["/_sim/requests", "/_sim/deliveries", "/_sim/dropped"])
def test_an_offset_past_the_end_is_an_empty_list(world, path):
    reply = send(world["base"], "GET", f"{path}?offset=1000000")
    assert reply.status == 200
    assert reply.json == []


# --- unknown ids ---------------------------------------------------------------------------

UNKNOWN = "U" + "0" * 32
UNKNOWN_GROUP = "C" + "0" * 32
UNKNOWN_IDS = [
    ("PATCH", f"/_sim/channels/{UNKNOWN}", {"plan": "free"}),
    ("POST", f"/_sim/users/{UNKNOWN}/follow", {}),
    ("POST", f"/_sim/users/{UNKNOWN}/block", {}),
    ("POST", f"/_sim/users/{UNKNOWN}/unblock", {}),
    ("POST", f"/_sim/users/{UNKNOWN}/tap", {"label": "元気です"}),
    ("POST", f"/_sim/users/{UNKNOWN}/text", {"text": "元気です"}),
    ("GET", f"/_sim/users/{UNKNOWN}/messages", None),
    ("POST", "/_sim/users/{user}/follow", {"channel": UNKNOWN}),
    ("POST", "/_sim/users/{user}/text", {"text": "元気", "channel": UNKNOWN}),
    ("POST", "/_sim/users/{user}/text", {"text": "元気", "groupId": UNKNOWN_GROUP}),
    ("POST", "/_sim/users/{user}/tap", {"label": "元気です", "groupId": UNKNOWN_GROUP}),
    ("POST", "/_sim/users/{user}/tap", {"label": "元気です", "channel": UNKNOWN}),
    ("POST", "/_sim/users/{user}/tap", {"label": "no such button"}),
    ("POST", "/_sim/groups", {"members": [UNKNOWN]}),
    ("POST", "/_sim/groups", {"channel": UNKNOWN}),
    ("POST", f"/_sim/groups/{UNKNOWN_GROUP}/invite-bot", {}),
    ("POST", f"/_sim/groups/{UNKNOWN_GROUP}/remove-bot", {}),
    ("POST", f"/_sim/groups/{UNKNOWN_GROUP}/members", {"userIds": ["{user}"]}),
    ("POST", "/_sim/groups/{group}/members", {"userIds": [UNKNOWN]}),
    ("DELETE", f"/_sim/groups/{UNKNOWN_GROUP}/members/{{user}}", None),
    ("DELETE", f"/_sim/groups/{{group}}/members/{UNKNOWN}", None),
    ("GET", f"/_sim/groups/{UNKNOWN_GROUP}/messages", None),
    ("POST", "/_sim/webhooks/redeliver", {"webhookEventId": "01J0000000000000000000000"}),
    ("POST", "/_sim/webhooks/duplicate", {"webhookEventId": "01J0000000000000000000000"}),
    ("GET", "/_sim/no-such-route", None),
]


@pytest.mark.parametrize("method, template, body", UNKNOWN_IDS, ids=lambda v: str(v)[:48])
def test_an_unknown_id_is_a_404_in_json(world, method, template, body):
    data = json.dumps(body).replace("{user}", world["user"]).encode() if body else None
    reply = send(world["base"], method, path_of(template, world), data)
    assert_json_error(reply, 404)


def test_a_wrong_method_on_a_control_route_is_a_405_in_json(world):
    assert_json_error(send(world["base"], "PUT", "/_sim/channels", b"{}"), 405)


def test_a_body_over_the_size_limit_is_a_413_in_json(world):
    reply = send(world["base"], "POST", "/_sim/users", b'{"displayName": "' + b"x" * 9 * 1024**2)
    assert_json_error(reply, 413)


# --- the routes still work with good input ---------------------------------------------------


def test_good_input_still_works(world, control):
    bot = world["bot"]
    assert control.update_channel(bot, plan="free", usage=10)["plan"] == "free"
    assert control.set_faults([{"endpoint": "push", "status": 500, "count": 1.0}], seed=7)
    control.clear_faults()
    config = control.call("PATCH", "/_sim/config", {"rateLimits": {"push": 10.0}})
    assert config["rateLimits"]["push"] == 10
    assert control.text(world["user"], "元気です")["webhook"]["status"] == 200
    assert control.call("GET", "/_sim/requests", query={"offset": "0"}) == []


# --- any JSON at all -----------------------------------------------------------------------

KEYS = [
    "channelSecret",
    "accessToken",
    "botUserId",
    "webhookUrl",
    "plan",
    "displayName",
    "usage",
    "pictureUrl",
    "language",
    "channel",
    "rules",
    "seed",
    "groupPostbackUserId",
    "replyTokenTtl",
    "rateLimits",
    "label",
    "groupId",
    "messageId",
    "value",
    "text",
    "members",
    "groupName",
    "userIds",
    "webhookEventId",
]
RULE_KEYS = ["endpoint", "status", "probability", "count", "afterAccept", "delayMs", "timeout"]
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# Bodies with the routes' own field names (where type mistakes hide) and random ones.
rule = st.fixed_dictionaries({}, optional={k: json_values for k in RULE_KEYS})
known_fields = st.fixed_dictionaries(
    {},
    optional={
        **{k: json_values for k in KEYS},
        "rules": st.lists(rule | json_values, max_size=3) | json_values,
        "rateLimits": st.dictionaries(st.text(max_size=10), json_values, max_size=3) | json_values,
    },
)
bodies = known_fields | json_values


@pytest.mark.parametrize("method, template", BODY_ROUTES)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies)
def test_random_json_never_gets_a_500(world, control, method, template, body):
    reply = send(world["base"], method, path_of(template, world), json.dumps(body).encode())
    try:
        assert reply.status < 500, reply.raw
        assert reply.content_type.startswith("application/json"), reply.raw
    finally:
        control.clear_faults()  # a random fault rule must not slow the next examples
