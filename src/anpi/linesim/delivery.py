"""Putting accepted messages into chats, and counting them against the quota."""

from __future__ import annotations

from typing import Any

from anpi.linesim.config import PLAN_INCLUDED, PLAN_MONTHLY_LIMITS
from anpi.linesim.context import Sim
from anpi.linesim.state import Channel, ChatEntry, iso, new_token


def over_quota(sim: Sim, channel: Channel, cost: int) -> bool:
    limit = PLAN_MONTHLY_LIMITS.get(channel.plan)
    if limit is None or cost == 0:
        return False
    return channel.usage.get(sim.state.month(), 0) + cost > limit


def count_usage(sim: Sim, channel: Channel, cost: int) -> None:
    if cost:
        month = sim.state.month()
        with sim.state.lock:
            channel.usage[month] = channel.usage.get(month, 0) + cost


def quota_json(channel: Channel) -> dict[str, Any]:
    included = PLAN_INCLUDED.get(channel.plan)
    if included is None or channel.plan == "standard":
        # LINE reports a target limit only when one applies; standard may go beyond.
        return {"type": "none"}
    return {"type": "limited", "value": included}


def deliver(
    sim: Sim,
    channel: Channel,
    chat: str,
    messages: list[dict[str, Any]],
    *,
    via: str,
    request_id: str,
    retry_key: str | None,
    reachable: bool,
) -> list[dict[str, str]]:
    """Put ``messages`` into ``chat`` (a user or group id) and log each delivery.

    When the chat is not reachable (the user blocked the account or never added it),
    LINE still answers 200 with message ids but shows nothing: such messages go to the
    ``dropped`` log instead of ``deliveries``.
    """
    sent: list[dict[str, str]] = []
    now = sim.config.now()
    with sim.state.lock:
        for message in messages:
            message_id = sim.state.next_message_id()
            quote_token = new_token(32)
            sent.append({"id": message_id, "quoteToken": quote_token})
            record = {
                "recipient": chat,
                "chatType": "group" if chat.startswith("C") else "user",
                "channel": channel.bot_user_id,
                "retryKey": retry_key,
                "requestId": request_id,
                "messageId": message_id,
                "via": via,
                "message": message,
                "at": iso(now),
            }
            if reachable:
                sim.state.add_chat_entry(
                    ChatEntry(message_id, chat, channel.bot_user_id, "bot", message, via, now)
                )
                sim.state.deliveries.append(record)
            else:
                sim.state.dropped.append(record)
    return sent
