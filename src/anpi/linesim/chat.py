"""What a chat shows: labels and actions of sent messages, and what a tap presses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from anpi.linesim.state import ChatEntry, SimState, iso


def _flex_components(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for key in ("header", "hero", "body", "footer"):
            if key in node:
                yield from _flex_components(node[key])
        for child in node.get("contents", []) if isinstance(node.get("contents"), list) else []:
            yield from _flex_components(child)
        if isinstance(node.get("contents"), dict):
            yield from _flex_components(node["contents"])


def button_actions(message: dict[str, Any]) -> list[dict[str, Any]]:
    """Actions a user can press on the message body (not its quick reply).

    Template: ``actions`` of buttons/confirm and of each carousel column, never
    ``defaultAction``. Flex: the action of every ``button`` component, then any other
    component's action that has a label.
    """
    kind = message.get("type")
    found: list[dict[str, Any]] = []
    if kind == "template":
        tpl = message.get("template") or {}
        found.extend(a for a in tpl.get("actions", []) if isinstance(a, dict))
        for col in tpl.get("columns", []) or []:
            if isinstance(col, dict):
                found.extend(a for a in col.get("actions", []) if isinstance(a, dict))
                if isinstance(col.get("action"), dict) and tpl.get("type") == "image_carousel":
                    found.append(col["action"])
    elif kind == "flex":
        others: list[dict[str, Any]] = []
        for comp in _flex_components(message.get("contents")):
            action = comp.get("action")
            if not isinstance(action, dict):
                continue
            if comp.get("type") == "button":
                found.append(action)
            elif action.get("label"):
                others.append(action)
        found.extend(others)
    return found


def flex_button_labels(message: dict[str, Any]) -> list[str]:
    if message.get("type") != "flex":
        return []
    return [
        str(comp["action"].get("label", ""))
        for comp in _flex_components(message.get("contents"))
        if comp.get("type") == "button" and isinstance(comp.get("action"), dict)
    ]


def quick_reply_actions(message: dict[str, Any]) -> list[dict[str, Any]]:
    quick = message.get("quickReply") or {}
    return [
        item["action"]
        for item in quick.get("items", []) or []
        if isinstance(item, dict) and isinstance(item.get("action"), dict)
    ]


def summarize(entry: ChatEntry, state: SimState) -> dict[str, Any]:
    msg = entry.message
    actions = button_actions(msg)
    if msg.get("type") == "flex":
        buttons = flex_button_labels(msg)
    else:
        buttons = [str(a.get("label", "")) for a in actions]
    data: dict[str, Any] = {
        "id": entry.id,
        "type": msg.get("type"),
        "from": "bot" if entry.sender == "bot" else "user",
        "buttons": buttons,
        "quickReplies": [str(a.get("label", "")) for a in quick_reply_actions(msg)],
        "actions": actions,
        "raw": msg,
        "via": entry.via,
        "sentAt": iso(entry.sent_at),
        "channel": entry.channel,
    }
    if "text" in msg:
        data["text"] = msg["text"]
    if "altText" in msg:
        data["altText"] = msg["altText"]
    if entry.sender != "bot":
        data["userId"] = entry.sender
        user = state.users.get(entry.sender)
        data["displayName"] = user.display_name if user else entry.sender
    return data


def find_tap_target(
    entries: list[ChatEntry], label: str, message_id: str | None = None
) -> tuple[ChatEntry, dict[str, Any]] | None:
    """The action labelled ``label`` on the newest bot message that has one.

    With ``message_id`` only that message is considered (the phone page taps the
    bubble the person pressed). Quick-reply chips only count on the very last bubble
    of the chat: LINE hides them once anything else is said.
    """
    if not entries:
        return None
    last = entries[-1]
    if last.sender == "bot" and message_id in (None, last.id):
        for action in quick_reply_actions(last.message):
            if action.get("label") == label:
                return last, action
    for entry in reversed(entries):
        if entry.sender != "bot" or message_id not in (None, entry.id):
            continue
        for action in button_actions(entry.message):
            if action.get("label") == label:
                return entry, action
    return None
