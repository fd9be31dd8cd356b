"""Control API for what users do in chats: tap, type, read, and group life.

Every route that makes LINE emit a webhook waits for anpi's answer and returns
``{"webhook": {"status", "webhookEventId", "error"}}`` so tests stay deterministic.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from anpi.linesim.chat import find_tap_target, summarize
from anpi.linesim.context import Sim, get_sim
from anpi.linesim.control import ControlError, channel_for, read_json, user_for
from anpi.linesim.control_input import MAX_ID, MAX_TEXT, MAX_URL, opt_str, req_str, str_list
from anpi.linesim.state import Channel, ChatEntry, Group, User, new_group_id
from anpi.linesim.webhooks import (
    group_source,
    make_event,
    redelivered,
    send_event,
    text_content,
    user_source,
    webhook_result,
)


def _group_for(sim: Sim, group_id: str) -> Group:
    if not isinstance(group_id, str):
        raise ControlError(400, "groupId must be a string")
    group = sim.state.groups.get(group_id)
    if group is None:
        raise ControlError(404, f"no group {group_id}")
    return group


def _user_bubble(sim: Sim, channel: str, chat: str, user: User, text: str) -> None:
    """Show ``text`` as the user's own bubble (nothing is sent to the bot)."""
    message_id = sim.state.next_message_id()
    sim.state.add_chat_entry(
        ChatEntry(
            message_id,
            chat,
            channel,
            user.user_id,
            {"type": "text", "text": text},
            "user",
            sim.config.now(),
        )
    )


def _chat_context(
    sim: Sim, user: User, group_id: str | None, channel_name: str | None
) -> tuple[str, list[ChatEntry]]:
    if group_id:
        group = _group_for(sim, group_id)
        if user.user_id not in group.members:
            raise ControlError(409, "the user is not a member of this group")
        if not group.bot_in:
            raise ControlError(409, "the bot is not in this group")
        return group_id, sim.state.chat_entries(group_id, group.channel)
    channel = channel_for(sim, channel_name).bot_user_id if channel_name else None
    return user.user_id, sim.state.chat_entries(user.user_id, channel)


def _picker_value(action: dict[str, Any], given: str | None, now: datetime) -> dict[str, str]:
    """The webhook's ``postback.params`` for a datetime picker: ``{mode: value}``.

    Like LINE's picker, the person can only choose between the action's ``min``
    and ``max`` (same format as the mode: ``2026-12-03``, ``09:00``,
    ``2026-12-03T09:00``, so they compare as strings); a value outside is a
    400. Without a value the picker's ``initial`` (else ``now``, the phone's
    local time: a picker opened at 00:30 in Japan offers today, not UTC's
    yesterday) is taken."""
    mode = str(action.get("mode"))
    if mode not in ("date", "time", "datetime"):
        raise ControlError(400, f"the simulator cannot pick a {mode!r} value")
    if given:
        low, high = str(action.get("min") or ""), str(action.get("max") or "")
        if (low and given < low) or (high and given > high):
            raise ControlError(400, f"the picker allows {low or '…'} to {high or '…'}, not {given}")
        return {mode: given}
    if action.get("initial"):
        return {mode: str(action["initial"])}
    fmt = {"date": "%Y-%m-%d", "time": "%H:%M", "datetime": "%Y-%m-%dT%H:%M"}[mode]
    return {mode: now.strftime(fmt)}


async def tap(request: web.Request) -> web.Response:
    """Press the button/confirm/quick-reply item labelled ``label`` (LINE semantics)."""
    sim, data = get_sim(request), await read_json(request)
    user = user_for(sim, request.match_info["userId"])
    label = req_str(data, "label")
    group_id = opt_str(data, "groupId", MAX_ID)
    message_id = opt_str(data, "messageId", MAX_ID)
    value = opt_str(data, "value", MAX_ID)
    chat, entries = _chat_context(sim, user, group_id, opt_str(data, "channel", MAX_ID))
    found = find_tap_target(entries, label, message_id)
    if found is None:
        raise ControlError(404, f"no message with a button labelled {label!r}")
    entry, action = found
    channel = channel_for(sim, entry.channel)
    if not group_id and not user.is_friend(channel.bot_user_id):
        raise ControlError(409, "the user is not a friend of this channel (blocked?)")
    result: dict[str, Any] = {"action": action, "messageId": entry.id}
    result.update(await press(sim, channel, user, chat, action, group_id, value))
    return web.json_response(result)


async def press(
    sim: Sim,
    channel: Channel,
    user: User,
    chat: str,
    action: dict[str, Any],
    group_id: str | None = None,
    value: str | None = None,
) -> dict[str, Any]:
    """What LINE does when ``user`` presses ``action`` in ``chat`` (a button, a
    quick-reply item or a rich-menu area): returns ``{"webhook": …}`` (the event's
    delivery, None for a link) and ``{"uri": …}`` for a link.

    postback → a ``postback`` event (``displayText`` shown as the user's bubble);
    message → the text as the user's bubble and a ``message`` event; uri → nothing
    sent; datetimepicker → a postback with ``params``. Other kinds: 400."""
    kind = action.get("type")
    if kind == "uri":
        return {"uri": action.get("uri"), "webhook": None}
    if kind == "message":
        text = str(action.get("text", ""))
        _user_bubble(sim, channel.bot_user_id, chat, user, text)
        source = group_source(chat, user.user_id) if group_id else user_source(user.user_id)
        event = make_event(sim, channel, "message", source, message=text_content(sim, text))
    elif kind in ("postback", "datetimepicker"):
        postback: dict[str, Any] = {"data": str(action.get("data", ""))}
        if kind == "datetimepicker":  # before anything shows: a refused pick says nothing
            postback["params"] = _picker_value(action, value, sim.config.local(sim.config.now()))
        shown = action.get("displayText") or action.get("text")
        if shown:
            _user_bubble(sim, channel.bot_user_id, chat, user, str(shown))
        if group_id:
            uid = user.user_id if sim.config.group_postback_user_id else None
            source = group_source(chat, uid)
        else:
            source = user_source(user.user_id)
        event = make_event(sim, channel, "postback", source, postback=postback)
    else:
        raise ControlError(400, f"the simulator cannot press a {kind!r} action")
    entry_log = await send_event(sim, channel, event)
    return {"webhook": webhook_result(entry_log)}


async def text(request: web.Request) -> web.Response:
    sim, data = get_sim(request), await read_json(request)
    user = user_for(sim, request.match_info["userId"])
    body = req_str(data, "text", MAX_TEXT)
    group_id = opt_str(data, "groupId", MAX_ID)
    if group_id:
        _chat_context(sim, user, group_id, None)
        channel = channel_for(sim, _group_for(sim, group_id).channel)
        source = group_source(group_id, user.user_id)
    else:
        channel = channel_for(sim, opt_str(data, "channel", MAX_ID))
        if not user.is_friend(channel.bot_user_id):
            raise ControlError(409, "the user is not a friend of this channel")
        source = user_source(user.user_id)
    _user_bubble(sim, channel.bot_user_id, group_id or user.user_id, user, body)
    event = make_event(sim, channel, "message", source, message=text_content(sim, body))
    entry = await send_event(sim, channel, event)
    return web.json_response({"webhook": webhook_result(entry)})


def _messages(request: web.Request, sim: Sim, entries: list[ChatEntry]) -> web.Response:
    everything = request.query.get("all") in ("1", "true", "yes")
    with sim.state.lock:
        shown = [summarize(e, sim.state) for e in entries if everything or e.sender == "bot"]
    return web.json_response(shown)


async def user_messages(request: web.Request) -> web.Response:
    sim = get_sim(request)
    user = user_for(sim, request.match_info["userId"])
    channel = request.query.get("channel") or None
    return _messages(request, sim, sim.state.chat_entries(user.user_id, channel))


# groups ----------------------------------------------------------------------------------
async def create_group(request: web.Request) -> web.Response:
    sim, data = get_sim(request), await read_json(request)
    channel = channel_for(sim, opt_str(data, "channel", MAX_ID))
    members = list(dict.fromkeys(str_list(data, "members")))
    for uid in members:
        user_for(sim, uid)
    group = Group(
        new_group_id(),
        opt_str(data, "groupName") or "グループ",
        channel.bot_user_id,
        members,
        picture_url=opt_str(data, "pictureUrl", MAX_URL),
    )
    with sim.state.lock:
        sim.state.groups[group.group_id] = group
    return web.json_response({"groupId": group.group_id, **group.to_json()}, status=201)


async def list_groups(request: web.Request) -> web.Response:
    sim = get_sim(request)
    return web.json_response([g.to_json() for g in sim.state.groups.values()])


async def invite_bot(request: web.Request) -> web.Response:
    sim = get_sim(request)
    group = _group_for(sim, request.match_info["groupId"])
    if group.bot_in:
        raise ControlError(409, "the bot is already in this group")
    channel = channel_for(sim, group.channel)
    with sim.state.lock:
        group.bot_in = True
    entry = await send_event(
        sim, channel, make_event(sim, channel, "join", group_source(group.group_id))
    )
    return web.json_response({"webhook": webhook_result(entry), "group": group.to_json()})


async def remove_bot(request: web.Request) -> web.Response:
    sim = get_sim(request)
    group = _group_for(sim, request.match_info["groupId"])
    if not group.bot_in:
        raise ControlError(409, "the bot is not in this group")
    channel = channel_for(sim, group.channel)
    with sim.state.lock:
        group.bot_in = False
    entry = await send_event(
        sim, channel, make_event(sim, channel, "leave", group_source(group.group_id))
    )
    return web.json_response({"webhook": webhook_result(entry), "group": group.to_json()})


async def add_members(request: web.Request) -> web.Response:
    sim, data = get_sim(request), await read_json(request)
    group = _group_for(sim, request.match_info["groupId"])
    given = str_list(data, "userIds")
    new = [uid for uid in dict.fromkeys(given) if uid not in group.members]
    for uid in new:
        user_for(sim, uid)
    if not new:
        raise ControlError(400, "userIds must name users not yet in the group")
    with sim.state.lock:
        group.members.extend(new)
    result: dict[str, Any] = {"webhook": None, "group": group.to_json()}
    if group.bot_in:  # LINE only tells a bot that is in the group
        channel = channel_for(sim, group.channel)
        event = make_event(
            sim,
            channel,
            "memberJoined",
            group_source(group.group_id),
            joined={"members": [user_source(u) for u in new]},
        )
        result["webhook"] = webhook_result(await send_event(sim, channel, event))
    return web.json_response(result)


async def remove_member(request: web.Request) -> web.Response:
    sim = get_sim(request)
    group = _group_for(sim, request.match_info["groupId"])
    uid = request.match_info["userId"]
    if uid not in group.members:
        raise ControlError(404, "the user is not a member of this group")
    with sim.state.lock:
        group.members.remove(uid)
    result: dict[str, Any] = {"webhook": None, "group": group.to_json()}
    if group.bot_in:
        channel = channel_for(sim, group.channel)
        event = make_event(
            sim,
            channel,
            "memberLeft",
            group_source(group.group_id),
            left={"members": [user_source(uid)]},
        )
        result["webhook"] = webhook_result(await send_event(sim, channel, event))
    return web.json_response(result)


async def group_messages(request: web.Request) -> web.Response:
    sim = get_sim(request)
    group = _group_for(sim, request.match_info["groupId"])
    return _messages(request, sim, sim.state.chat_entries(group.group_id, group.channel))


# webhooks --------------------------------------------------------------------------------
async def _resend(request: web.Request, is_redelivery: bool) -> web.Response:
    sim, data = get_sim(request), await read_json(request)
    event_id = req_str(data, "webhookEventId", MAX_ID)
    with sim.state.lock:
        original = next(
            (
                w
                for w in sim.state.webhooks
                if w["webhookEventId"] == event_id and w["kind"] == "original"
            ),
            None,
        )
    if original is None:
        raise ControlError(404, f"no webhook event {event_id}")
    channel = channel_for(sim, original["channel"])
    event = redelivered(original["event"], is_redelivery)
    kind = "redelivery" if is_redelivery else "duplicate"
    entry = await send_event(sim, channel, event, kind, allow_faults=False)
    return web.json_response({"webhook": webhook_result(entry)})


async def redeliver(request: web.Request) -> web.Response:
    return await _resend(request, True)


async def duplicate(request: web.Request) -> web.Response:
    return await _resend(request, False)


async def webhook_log(request: web.Request) -> web.Response:
    sim = get_sim(request)
    with sim.state.lock:
        return web.json_response(list(sim.state.webhooks))


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_post("/_sim/users/{userId}/tap", tap)
    r.add_post("/_sim/users/{userId}/text", text)
    r.add_get("/_sim/users/{userId}/messages", user_messages)
    r.add_post("/_sim/groups", create_group)
    r.add_get("/_sim/groups", list_groups)
    r.add_post("/_sim/groups/{groupId}/invite-bot", invite_bot)
    r.add_post("/_sim/groups/{groupId}/remove-bot", remove_bot)
    r.add_post("/_sim/groups/{groupId}/members", add_members)
    r.add_delete("/_sim/groups/{groupId}/members/{userId}", remove_member)
    r.add_get("/_sim/groups/{groupId}/messages", group_messages)
    r.add_post("/_sim/webhooks/redeliver", redeliver)
    r.add_post("/_sim/webhooks/duplicate", duplicate)
    r.add_get("/_sim/webhooks", webhook_log)
