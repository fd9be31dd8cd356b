"""Building, signing and sending webhook events to a channel's webhook URL."""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import json
from typing import Any

import aiohttp
from ulid import ULID

from anpi.linesim.context import Sim
from anpi.linesim.state import Channel, iso, new_token

#: Event types that carry a reply token (LINE.md).
REPLYABLE = {"follow", "message", "postback", "join", "memberJoined", "accountLink"}


def sign(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def user_source(user_id: str) -> dict[str, str]:
    return {"type": "user", "userId": user_id}


def group_source(group_id: str, user_id: str | None = None) -> dict[str, str]:
    source = {"type": "group", "groupId": group_id}
    if user_id:
        source["userId"] = user_id
    return source


def make_event(
    sim: Sim, channel: Channel, kind: str, source: dict[str, str], **fields: Any
) -> dict[str, Any]:
    """A webhook event with every field the official SDK requires.

    Reply tokens are issued for the chat the event came from: the group for a group
    source, otherwise the user.
    """
    event: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": int(sim.config.now() * 1000),
        "source": source,
        "webhookEventId": str(ULID()),
        "deliveryContext": {"isRedelivery": False},
    }
    if kind in REPLYABLE:
        chat = source.get("groupId") or source["userId"]
        event["replyToken"] = sim.state.issue_reply_token(channel.bot_user_id, chat)
    event.update(fields)
    return event


def text_content(sim: Sim, text: str) -> dict[str, str]:
    return {
        "type": "text",
        "id": sim.state.next_message_id(),
        "quoteToken": new_token(32),
        "text": text,
    }


async def _post(sim: Sim, channel: Channel, body: bytes) -> tuple[int | None, str | None]:
    if not channel.webhook_url:
        return None, "the channel has no webhook URL"
    if not channel.webhook_active:
        return None, "the channel's webhook is turned off"
    status, error, _ = await post_signed(sim, channel, channel.webhook_url, body)
    return status, error


async def post_signed(
    sim: Sim, channel: Channel, url: str, body: bytes
) -> tuple[int | None, str | None, str]:
    """POST ``body`` to ``url`` signed with the channel's secret, as LINE does.

    Returns (HTTP status or None, error or None, reason phrase): ``error`` is
    ``"timeout"`` when anpi did not answer within ``webhook_timeout``, otherwise
    the connection error."""
    if sim.session is None:
        sim.session = aiohttp.ClientSession()
    headers = {
        "Content-Type": "application/json",
        "X-Line-Signature": sign(channel.channel_secret, body),
        "User-Agent": "LineBotWebhook/2.0",
    }
    timeout = aiohttp.ClientTimeout(total=sim.config.webhook_timeout)
    try:
        async with sim.session.post(url, data=body, headers=headers, timeout=timeout) as resp:
            await resp.read()
            return resp.status, None, resp.reason or ""
    except TimeoutError:
        return None, "timeout", ""
    except aiohttp.ClientError as exc:
        return None, f"{type(exc).__name__}: {exc}", ""


async def send_event(
    sim: Sim,
    channel: Channel,
    event: dict[str, Any],
    kind: str = "original",
    allow_faults: bool = True,
) -> dict[str, Any]:
    """POST one event to the channel's webhook and log the outcome.

    ``kind`` is ``original``, ``redelivery`` or ``duplicate``. A ``webhook`` fault rule
    may delay the POST (``delayMs``), lose it (a ``status`` without ``afterAccept``:
    nothing is sent) or deliver it and then redeliver it (``afterAccept``: LINE thought
    the first attempt failed).
    """
    body = json.dumps(
        {"destination": channel.bot_user_id, "events": [event]},
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    rule = sim.faults.pick("webhook") if allow_faults else None
    # status: the HTTP status of the POST, None if there was no answer (error says why).
    status: int | None
    error: str | None
    fault: str | None = None
    if rule and rule.delay_ms:
        await asyncio.sleep(rule.delay_ms / 1000)
    if rule and rule.status is not None and not rule.after_accept:
        status, error, fault = None, "lost by a fault rule", "lost"
    else:
        status, error = await _post(sim, channel, body)
    entry: dict[str, Any] = {
        "webhookEventId": event["webhookEventId"],
        "type": event["type"],
        "channel": channel.bot_user_id,
        "kind": kind,
        "isRedelivery": event["deliveryContext"]["isRedelivery"],
        "status": status,
        "error": error,
        "fault": fault,
        "sentAt": iso(sim.config.now()),
        "event": event,
        "body": body.decode("utf-8"),
    }
    with sim.state.lock:
        sim.state.webhooks.append(entry)
    if rule and rule.status is not None and rule.after_accept:
        await send_event(sim, channel, redelivered(event), "redelivery", allow_faults=False)
    return entry


def redelivered(event: dict[str, Any], is_redelivery: bool = True) -> dict[str, Any]:
    copied = copy.deepcopy(event)
    copied["deliveryContext"] = {"isRedelivery": is_redelivery}
    return copied


def webhook_result(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": entry["status"],
        "webhookEventId": entry["webhookEventId"],
        "error": entry["error"],
    }
