"""The Messaging API endpoints anpi uses, answered the way LINE answers them.

Every handler goes through :func:`_serve`, which in order: gives the request an id,
authenticates the bearer token (401), parses the JSON body (400), applies a fault rule
that fails before acceptance, applies the per-channel rate limit (429), runs the
endpoint, then applies a fault that happens after acceptance (``afterAccept``, slow
response, timeout) and logs the request with the status it answered.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from anpi.linesim.context import Sim, get_sim
from anpi.linesim.delivery import count_usage, deliver, over_quota, quota_json
from anpi.linesim.faults import fault_body
from anpi.linesim.state import AcceptedRequest, Channel, Group, iso
from anpi.linesim.validation import REQUIRED, Errors, error_body, validate_messages
from anpi.linesim.webhooks import group_source, make_event, send_event

AUTH_FAILED = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)
INVALID_TO = "The property, 'to', in the request body is invalid (line: -, column: -)"
RATE_LIMITED = "The API rate limit has been exceeded. Try again later."
MONTHLY_LIMIT = "You have reached your monthly limit."
NOT_FOUND = {"message": "Not found"}


@dataclass
class Result:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    accepted: bool = False
    #: a binary answer (a rich-menu image) instead of ``body`` as JSON
    raw: bytes | None = None
    content_type: str = ""


@dataclass
class Call:
    request: web.Request
    sim: Sim
    channel: Channel
    request_id: str
    body: Any

    def header(self, name: str) -> str | None:
        return self.request.headers.get(name)


Endpoint = Callable[[Call], Awaitable[Result]]


def _log(
    sim: Sim,
    request: web.Request,
    request_id: str,
    endpoint: str,
    body: Any,
    result: Result,
    channel: Channel | None,
    fault: str | None,
) -> None:
    entry = {
        "requestId": request_id,
        "endpoint": endpoint,
        "method": request.method,
        "path": request.path,
        "query": dict(request.query),
        "headers": dict(request.headers),
        "retryKey": request.headers.get("X-Line-Retry-Key"),
        "channel": channel.bot_user_id if channel else None,
        "body": body,
        "status": result.status,
        "response": result.body,
        "fault": fault,
        "at": iso(sim.config.now()),
    }
    with sim.state.lock:
        sim.state.requests.append(entry)


def _response(request_id: str, result: Result) -> web.Response:
    headers = {"X-Line-Request-Id": request_id, **result.headers}
    if result.raw is not None:
        return web.Response(
            body=result.raw, status=result.status, headers=headers, content_type=result.content_type
        )
    return web.json_response(result.body, status=result.status, headers=headers)


async def _serve(
    request: web.Request, endpoint: str, handler: Endpoint, with_body: bool = True
) -> web.Response:
    sim = get_sim(request)
    request_id = sim.state.next_request_id()
    body: Any = None
    raw = await request.read()
    if raw and request.content_type.startswith("image/"):
        # An upload (a rich-menu image): the log keeps its type and size, not the bytes.
        body = {"contentType": request.content_type, "bytes": len(raw)}
    elif raw:
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")

    def finish(result: Result, channel: Channel | None, fault: str | None = None) -> web.Response:
        _log(sim, request, request_id, endpoint, body, result, channel, fault)
        return _response(request_id, result)

    auth = request.headers.get("Authorization", "")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    channel = sim.state.channel_for_token(token) if token else None
    if channel is None:
        return finish(Result(401, {"message": AUTH_FAILED}), None)
    if with_body and not isinstance(body, dict):
        return finish(
            Result(
                400,
                {
                    "message": "The request body has 1 error(s)",
                    "details": [{"message": "must be a JSON object", "property": "body"}],
                },
            ),
            channel,
        )

    rule = sim.faults.pick(endpoint)
    if rule and rule.status is not None and not rule.after_accept and not rule.timeout:
        if rule.delay_ms:
            await asyncio.sleep(rule.delay_ms / 1000)
        return finish(Result(rule.status, fault_body(rule.status)), channel, "before-accept")
    if not sim.state.take_rate(channel.bot_user_id, endpoint):
        return finish(Result(429, {"message": RATE_LIMITED}), channel)

    result = await handler(Call(request, sim, channel, request_id, body))
    if rule is None:
        return finish(result, channel)
    if rule.timeout:
        response = finish(result, channel, "timeout")
        await asyncio.sleep(sim.config.timeout_fault_seconds)
        return response
    if rule.delay_ms:
        await asyncio.sleep(rule.delay_ms / 1000)
    if rule.status is not None and rule.after_accept and result.accepted:
        return finish(Result(rule.status, fault_body(rule.status)), channel, "after-accept")
    return finish(result, channel, "delay" if rule.delay_ms else None)


# retry keys ------------------------------------------------------------------------------
def _retry_key(call: Call) -> tuple[str | None, Result | None]:
    """The request's retry key, or the error to answer (400 malformed, 409 repeated)."""
    key = call.header("X-Line-Retry-Key")
    if key is None:
        return None, None
    try:
        if len(key) != 36 or str(uuid.UUID(key)) != key.lower():
            raise ValueError(key)
    except ValueError:
        return None, Result(400, {"message": "The value of the X-Line-Retry-Key header is invalid"})
    with call.sim.state.lock:
        accepted = call.channel.retry_keys.get(key.lower())
        if (
            accepted
            and accepted.accepted_at + call.sim.config.retry_key_ttl < call.sim.config.now()
        ):
            del call.channel.retry_keys[key.lower()]
            accepted = None
    if accepted is None:
        return key, None
    body: dict[str, Any] = {"message": "The retry key is already accepted"}
    if accepted.sent_messages is not None:
        body["sentMessages"] = accepted.sent_messages
    return key, Result(409, body, {"x-line-accepted-request-id": accepted.request_id})


def _remember(call: Call, key: str | None, sent: list[dict[str, str]] | None) -> None:
    if key:
        with call.sim.state.lock:
            call.channel.retry_keys[key.lower()] = AcceptedRequest(
                call.request_id, call.sim.config.now(), sent
            )


def _bad_request(errors: Errors) -> Result:
    return Result(400, error_body(errors))


# sending ---------------------------------------------------------------------------------
async def _push(call: Call) -> Result:
    key, early = _retry_key(call)
    if early:
        return early
    body, state = call.body, call.sim.state
    errors: Errors = []
    to = body.get("to")
    if to is None:
        errors.append(("to", REQUIRED))
    validate_messages(errors, body.get("messages"))
    if errors:
        return _bad_request(errors)
    if not isinstance(to, str):
        return Result(400, {"message": INVALID_TO})
    user = state.users.get(to)
    group = state.groups.get(to)
    if user is not None:
        reachable = user.is_friend(call.channel.bot_user_id)
        cost = 1 if reachable else 0
    elif group is not None and group.channel == call.channel.bot_user_id and group.bot_in:
        reachable, cost = True, len(group.members)
    else:
        return Result(400, {"message": INVALID_TO})
    if over_quota(call.sim, call.channel, cost):
        return Result(429, {"message": MONTHLY_LIMIT})
    sent = deliver(
        call.sim,
        call.channel,
        to,
        body["messages"],
        via="push",
        request_id=call.request_id,
        retry_key=key,
        reachable=reachable,
    )
    count_usage(call.sim, call.channel, cost)
    _remember(call, key, sent)
    return Result(200, {"sentMessages": sent}, accepted=True)


async def _multicast(call: Call) -> Result:
    key, early = _retry_key(call)
    if early:
        return early
    body, state = call.body, call.sim.state
    errors: Errors = []
    to = body.get("to")
    if to is None:
        errors.append(("to", REQUIRED))
    elif not isinstance(to, list) or not 1 <= len(to) <= 500:
        errors.append(("to", "Size must be between 1 and 500"))
    else:
        for i, uid in enumerate(to):
            if not (isinstance(uid, str) and len(uid) == 33 and uid.startswith("U")):
                errors.append((f"to[{i}]", "invalid user id"))
    validate_messages(errors, body.get("messages"))
    if errors:
        return _bad_request(errors)
    friends = [
        u
        for u in dict.fromkeys(to)
        if u in state.users and state.users[u].is_friend(call.channel.bot_user_id)
    ]
    if over_quota(call.sim, call.channel, len(friends)):
        return Result(429, {"message": MONTHLY_LIMIT})
    for uid in dict.fromkeys(to):
        deliver(
            call.sim,
            call.channel,
            uid,
            body["messages"],
            via="multicast",
            request_id=call.request_id,
            retry_key=key,
            reachable=uid in friends,
        )
    count_usage(call.sim, call.channel, len(friends))
    _remember(call, key, None)
    return Result(200, {}, accepted=True)


async def _reply(call: Call) -> Result:
    if call.header("X-Line-Retry-Key") is not None:
        return Result(400, {"message": "The X-Line-Retry-Key header is not supported by this API"})
    body, state, now = call.body, call.sim.state, call.sim.config.now()
    errors: Errors = []
    if not body.get("replyToken"):
        errors.append(("replyToken", REQUIRED))
    validate_messages(errors, body.get("messages"))
    if errors:
        return _bad_request(errors)
    with state.lock:
        token = state.reply_tokens.get(str(body["replyToken"]))
        if (
            token is None
            or token.used
            or token.channel != call.channel.bot_user_id
            or token.issued_at + call.sim.config.reply_token_ttl < now
        ):
            return Result(400, {"message": "Invalid reply token"})
        token.used = True
    chat = token.chat
    if chat.startswith("C"):
        group = state.groups.get(chat)
        reachable = bool(group and group.bot_in)
    else:
        user = state.users.get(chat)
        reachable = bool(user and user.is_friend(call.channel.bot_user_id))
    sent = deliver(
        call.sim,
        call.channel,
        chat,
        body["messages"],
        via="reply",
        request_id=call.request_id,
        retry_key=None,
        reachable=reachable,
    )
    return Result(200, {"sentMessages": sent}, accepted=True)


# reading ---------------------------------------------------------------------------------
async def _profile(call: Call) -> Result:
    user = call.sim.state.users.get(call.request.match_info["userId"])
    if user is None or not user.is_friend(call.channel.bot_user_id):
        return Result(404, dict(NOT_FOUND))
    body: dict[str, Any] = {"displayName": user.display_name, "userId": user.user_id}
    if user.picture_url:
        body["pictureUrl"] = user.picture_url
    if user.language:
        body["language"] = user.language
    return Result(200, body)


async def _quota(call: Call) -> Result:
    return Result(200, quota_json(call.channel))


async def _consumption(call: Call) -> Result:
    used = call.channel.usage.get(call.sim.state.month(), 0)
    return Result(200, {"totalUsage": used})


def _my_group(call: Call) -> Group | None:
    group = call.sim.state.groups.get(call.request.match_info["groupId"])
    if group is None or group.channel != call.channel.bot_user_id or not group.bot_in:
        return None
    return group


async def _group_summary(call: Call) -> Result:
    group = _my_group(call)
    if group is None:
        return Result(404, dict(NOT_FOUND))
    body = {"groupId": group.group_id, "groupName": group.name}
    if group.picture_url:
        body["pictureUrl"] = group.picture_url
    return Result(200, body)


async def _group_count(call: Call) -> Result:
    group = _my_group(call)
    if group is None:
        return Result(404, dict(NOT_FOUND))
    return Result(200, {"count": len(group.members)})


async def _group_member(call: Call) -> Result:
    group = _my_group(call)
    user_id = call.request.match_info["userId"]
    user = call.sim.state.users.get(user_id)
    if group is None or user is None or user_id not in group.members:
        return Result(404, dict(NOT_FOUND))
    body = {"displayName": user.display_name, "userId": user.user_id}
    if user.picture_url:
        body["pictureUrl"] = user.picture_url
    return Result(200, body)


async def _loading(call: Call) -> Result:
    chat_id = call.body.get("chatId")
    seconds = call.body.get("loadingSeconds", 20)
    errors: Errors = []
    if not chat_id:
        errors.append(("chatId", REQUIRED))
    if not isinstance(seconds, int) or not 5 <= seconds <= 60 or seconds % 5:
        errors.append(("loadingSeconds", "must be a multiple of 5 between 5 and 60"))
    if errors:
        return _bad_request(errors)
    user = call.sim.state.users.get(chat_id)
    if user is None or not user.is_friend(call.channel.bot_user_id):
        return Result(400, {"message": "The property, 'chatId', in the request body is invalid"})
    return Result(202, {})


async def _leave(call: Call) -> Result:
    group = _my_group(call)
    if group is None:
        return Result(404, dict(NOT_FOUND))
    with call.sim.state.lock:
        group.bot_in = False
    event = make_event(call.sim, call.channel, "leave", group_source(group.group_id))
    task = asyncio.get_running_loop().create_task(send_event(call.sim, call.channel, event))
    _background.add(task)
    task.add_done_callback(_background.discard)
    return Result(200, {}, accepted=True)


_background: set[asyncio.Task[Any]] = set()


async def _not_found(call: Call) -> Result:
    return Result(404, dict(NOT_FOUND))


def route(
    endpoint: str, handler: Endpoint, with_body: bool = True
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def view(request: web.Request) -> web.Response:
        return await _serve(request, endpoint, handler, with_body)

    return view




def add_routes(app: web.Application) -> None:
    app.router.add_post("/v2/bot/message/push", route("push", _push))
    app.router.add_post("/v2/bot/message/multicast", route("multicast", _multicast))
    app.router.add_post("/v2/bot/message/reply", route("reply", _reply))
    app.router.add_get("/v2/bot/profile/{userId}", route("profile", _profile, False))
    app.router.add_get("/v2/bot/message/quota", route("quota", _quota, False))
    app.router.add_get("/v2/bot/message/quota/consumption", route("quota", _consumption, False))
    app.router.add_get("/v2/bot/group/{groupId}/summary", route("group", _group_summary, False))
    app.router.add_get(
        "/v2/bot/group/{groupId}/members/count", route("group", _group_count, False)
    )
    app.router.add_get(
        "/v2/bot/group/{groupId}/member/{userId}", route("group", _group_member, False)
    )
    app.router.add_post("/v2/bot/chat/loading/start", route("loading", _loading))
    app.router.add_post("/v2/bot/group/{groupId}/leave", route("leave", _leave, False))
    app.router.add_route("*", "/v2/{tail:.*}", route("unknown", _not_found, False))
