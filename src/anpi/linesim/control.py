"""Control API (``/_sim/...``): set up channels and users, inject faults, inspect.

Routes that make a user do something in a chat live in :mod:`anpi.linesim.control_chat`;
how input is read and refused (400/404 in JSON, never 500) in
:mod:`anpi.linesim.control_input`.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiohttp import web

from anpi.linesim.config import PLAN_MONTHLY_LIMITS
from anpi.linesim.context import Sim, get_sim
from anpi.linesim.control_input import (
    MAX_ID,
    MAX_URL,
    ControlError,
    control_errors,
    int_map,
    opt_bool,
    opt_int,
    opt_number,
    opt_str,
    opt_url,
    query_offset,
    read_json,
    req_str,
)
from anpi.linesim.faults import FaultRule
from anpi.linesim.state import Channel, User, new_user_id
from anpi.linesim.webhooks import make_event, send_event, user_source, webhook_result

__all__ = ["ControlError", "add_routes", "channel_for", "control_errors", "read_json"]


def channel_for(sim: Sim, name: str | None) -> Channel:
    if name is not None and not isinstance(name, str):
        raise ControlError(400, "channel must be a string (a bot user id)")
    channel = sim.state.channel(name)
    if channel is None:
        raise ControlError(404, f"no channel {name}" if name else "no channel: add one first")
    return channel


def user_for(sim: Sim, user_id: str) -> User:
    if not isinstance(user_id, str):
        raise ControlError(400, "a user id must be a string")
    user = sim.state.users.get(user_id)
    if user is None:
        raise ControlError(404, f"no user {user_id}")
    return user


def _plan(data: dict[str, Any]) -> str | None:
    plan = opt_str(data, "plan", MAX_ID)
    if plan is not None and plan not in PLAN_MONTHLY_LIMITS:
        raise ControlError(400, f"plan must be one of {sorted(PLAN_MONTHLY_LIMITS)}")
    return plan


def _chat_mode(data: dict[str, Any]) -> str | None:
    mode = opt_str(data, "chatMode", MAX_ID)
    if mode is not None and mode not in ("chat", "bot"):
        raise ControlError(400, "chatMode must be 'chat' or 'bot'")
    return mode


# channels --------------------------------------------------------------------------------
async def add_channel(request: web.Request) -> web.Response:
    sim, data = get_sim(request), await read_json(request)
    secret, token = req_str(data, "channelSecret"), req_str(data, "accessToken")
    plan = _plan(data) or sim.config.default_plan
    if plan not in PLAN_MONTHLY_LIMITS:
        raise ControlError(400, f"plan must be one of {sorted(PLAN_MONTHLY_LIMITS)}")
    channel = Channel(
        bot_user_id=opt_str(data, "botUserId", MAX_ID) or new_user_id(),
        channel_secret=secret,
        access_token=token,
        webhook_url=opt_url(data, "webhookUrl") or "",
        plan=plan,
        display_name=opt_str(data, "displayName") or "anpi",
    )
    basic_id = opt_str(data, "basicId", MAX_ID)
    if basic_id is not None:
        channel.basic_id = basic_id
    active = opt_bool(data, "webhookActive")
    if active is not None:
        channel.webhook_active = active
    channel.chat_mode = _chat_mode(data) or channel.chat_mode
    sim.state.add_channel(channel)
    return web.json_response(channel.to_json(), status=201)


async def list_channels(request: web.Request) -> web.Response:
    sim = get_sim(request)
    return web.json_response([c.to_json() for c in sim.state.channels.values()])


async def patch_channel(request: web.Request) -> web.Response:
    sim, data = get_sim(request), await read_json(request)
    channel = channel_for(sim, request.match_info["botUserId"])
    # Read every field before changing anything: a bad one changes nothing.
    webhook_url = opt_url(data, "webhookUrl")
    plan = _plan(data)
    display_name = opt_str(data, "displayName")
    token = opt_str(data, "accessToken")
    usage = opt_int(data, "usage")  # lets a test start a month part-way through the quota
    active = opt_bool(data, "webhookActive")  # the console's "Use webhook" switch
    chat_mode = _chat_mode(data)
    with sim.state.lock:
        if active is not None:
            channel.webhook_active = active
        if chat_mode is not None:
            channel.chat_mode = chat_mode
        if "webhookUrl" in data:
            channel.webhook_url = webhook_url or ""
        if plan is not None:
            channel.plan = plan
        if display_name is not None:
            channel.display_name = display_name
        if token:
            sim.state.tokens.pop(channel.access_token, None)
            channel.access_token = token
            sim.state.tokens[channel.access_token] = channel.bot_user_id
        if usage is not None:
            channel.usage[sim.state.month()] = usage
    return web.json_response(channel.to_json())


# users -----------------------------------------------------------------------------------
async def add_user(request: web.Request) -> web.Response:
    sim, data = get_sim(request), await read_json(request)
    name = req_str(data, "displayName")
    picture, language = opt_str(data, "pictureUrl", MAX_URL), opt_str(data, "language", MAX_ID)
    user = User(new_user_id(), name, picture, language)
    with sim.state.lock:
        sim.state.users[user.user_id] = user
    return web.json_response({"userId": user.user_id, **user.to_json()}, status=201)


async def patch_user(request: web.Request) -> web.Response:
    """Change what the user's profile shows (``GET /v2/bot/profile/{userId}``), as a
    user does in the LINE app: ``displayName``, ``pictureUrl``, ``language`` (a BCP 47
    tag; ``""`` or null removes it, as for a user who has not agreed to share it)."""
    sim, data = get_sim(request), await read_json(request)
    user = user_for(sim, request.match_info["userId"])
    # Read every field before changing anything: a bad one changes nothing.
    name = opt_str(data, "displayName")
    picture, language = opt_str(data, "pictureUrl", MAX_URL), opt_str(data, "language", MAX_ID)
    if name == "":
        raise ControlError(400, "displayName must not be empty")
    with sim.state.lock:
        if name is not None:
            user.display_name = name
        if "pictureUrl" in data:
            user.picture_url = picture or None
        if "language" in data:
            user.language = language or None
    return web.json_response(user.to_json())


async def list_users(request: web.Request) -> web.Response:
    sim = get_sim(request)
    return web.json_response([u.to_json() for u in sim.state.users.values()])


async def _friendship(request: web.Request, action: str) -> web.Response:
    """follow / block / unblock: change the friendship and send the webhook LINE sends."""
    sim, data = get_sim(request), await read_json(request)
    user = user_for(sim, request.match_info["userId"])
    channel = channel_for(sim, opt_str(data, "channel", MAX_ID) or request.query.get("channel"))
    bot = channel.bot_user_id
    before = user.friendship.get(bot)
    if action == "follow" and before == "friend":
        raise ControlError(409, "the user is already a friend of this channel")
    if action == "block" and before != "friend":
        raise ControlError(409, "only a friend can block the channel")
    if action == "unblock" and before != "blocked":
        raise ControlError(409, "the user has not blocked this channel")
    with sim.state.lock:
        user.friendship[bot] = "blocked" if action == "block" else "friend"
    if action == "block":
        event = make_event(sim, channel, "unfollow", user_source(user.user_id))
    else:
        event = make_event(
            sim,
            channel,
            "follow",
            user_source(user.user_id),
            follow={"isUnblocked": before == "blocked"},
        )
    entry = await send_event(sim, channel, event)
    return web.json_response({"webhook": webhook_result(entry), "user": user.to_json()})


async def follow(request: web.Request) -> web.Response:
    return await _friendship(request, "follow")


async def block(request: web.Request) -> web.Response:
    return await _friendship(request, "block")


async def unblock(request: web.Request) -> web.Response:
    return await _friendship(request, "unblock")


# faults ----------------------------------------------------------------------------------
async def set_faults(request: web.Request) -> web.Response:
    sim, data = get_sim(request), await read_json(request)
    given = data.get("rules") or []
    if not isinstance(given, list):
        raise ControlError(400, "rules must be an array of rule objects")
    try:
        rules = [FaultRule.from_json(r) for r in given]
    except (TypeError, ValueError) as exc:
        raise ControlError(400, f"invalid rule: {exc}") from exc
    seed = opt_int(data, "seed", -(2**63), 2**63 - 1)
    sim.faults.configure(seed if seed is not None else secrets.randbits(32), rules)
    return web.json_response(sim.faults.to_json())


async def get_faults(request: web.Request) -> web.Response:
    return web.json_response(get_sim(request).faults.to_json())


async def clear_faults(request: web.Request) -> web.Response:
    get_sim(request).faults.clear()
    return web.json_response({"rules": []})


# configuration ---------------------------------------------------------------------------
async def patch_config(request: web.Request) -> web.Response:
    sim, data = get_sim(request), await read_json(request)
    config = sim.config
    # Read every field before changing anything: a bad one changes nothing.
    postback_user_id = opt_bool(data, "groupPostbackUserId")
    ttl = opt_number(data, "replyTokenTtl", 0, 10**9)
    limits = int_map(data, "rateLimits", 10**9)
    if postback_user_id is not None:
        config.group_postback_user_id = postback_user_id
    if ttl is not None:
        config.reply_token_ttl = ttl
    if limits:
        config.rate_limits.update(limits)
    return web.json_response(config_json(sim))


def config_json(sim: Sim) -> dict[str, Any]:
    c = sim.config
    return {
        "groupPostbackUserId": c.group_postback_user_id,
        "replyTokenTtl": c.reply_token_ttl,
        "rateLimits": dict(c.rate_limits),
        "defaultPlan": c.default_plan,
        "timeZone": c.time_zone,
    }


async def get_config(request: web.Request) -> web.Response:
    return web.json_response(config_json(get_sim(request)))


# inspection ------------------------------------------------------------------------------
def _since(request: web.Request, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return items[query_offset(request) :]


async def get_requests(request: web.Request) -> web.Response:
    sim = get_sim(request)
    with sim.state.lock:
        return web.json_response(_since(request, list(sim.state.requests)))


async def clear_requests(request: web.Request) -> web.Response:
    sim = get_sim(request)
    with sim.state.lock:
        sim.state.requests.clear()
    return web.json_response({"cleared": True})


async def get_deliveries(request: web.Request) -> web.Response:
    sim = get_sim(request)
    with sim.state.lock:
        return web.json_response(_since(request, list(sim.state.deliveries)))


async def get_dropped(request: web.Request) -> web.Response:
    sim = get_sim(request)
    with sim.state.lock:
        return web.json_response(_since(request, list(sim.state.dropped)))


async def reset(request: web.Request) -> web.Response:
    get_sim(request).reset()
    return web.json_response({"reset": True})


async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/healthz", healthz)
    r.add_post("/_sim/channels", add_channel)
    r.add_get("/_sim/channels", list_channels)
    r.add_patch("/_sim/channels/{botUserId}", patch_channel)
    r.add_post("/_sim/users", add_user)
    r.add_get("/_sim/users", list_users)
    r.add_patch("/_sim/users/{userId}", patch_user)
    r.add_post("/_sim/users/{userId}/follow", follow)
    r.add_post("/_sim/users/{userId}/block", block)
    r.add_post("/_sim/users/{userId}/unblock", unblock)
    r.add_post("/_sim/faults", set_faults)
    r.add_get("/_sim/faults", get_faults)
    r.add_delete("/_sim/faults", clear_faults)
    r.add_get("/_sim/config", get_config)
    r.add_patch("/_sim/config", patch_config)
    r.add_get("/_sim/requests", get_requests)
    r.add_delete("/_sim/requests", clear_requests)
    r.add_get("/_sim/deliveries", get_deliveries)
    r.add_get("/_sim/dropped", get_dropped)
    r.add_post("/_sim/reset", reset)
