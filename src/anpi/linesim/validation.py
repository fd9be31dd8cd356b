"""Checks a Messaging API request body the way LINE does.

Each check appends ``(property, message)`` to a list; the API answers 400 with
``{"message": "The request body has N error(s)", "details": [...]}`` when it is not
empty. The limits are those of LINE.md and the official OpenAPI spec.
"""

from __future__ import annotations

from typing import Any

Errors = list[tuple[str, str]]

MESSAGE_TYPES = {
    "text",
    "sticker",
    "image",
    "video",
    "audio",
    "location",
    "imagemap",
    "template",
    "flex",
    "textV2",
}
ACTION_TYPES = {
    "postback",
    "message",
    "uri",
    "datetimepicker",
    "camera",
    "cameraRoll",
    "location",
    "richmenuswitch",
    "clipboard",
}
FLEX_COMPONENTS = {
    "box",
    "button",
    "image",
    "video",
    "icon",
    "text",
    "span",
    "separator",
    "filler",
}
REQUIRED = "must be specified"


def _length(errors: Errors, prop: str, value: Any, high: int, low: int = 0) -> None:
    if not isinstance(value, str):
        errors.append((prop, "must be a string"))
    elif not low <= len(value) <= high:
        errors.append((prop, f"Length must be between {low} and {high}"))


def _required_str(
    errors: Errors, obj: dict[str, Any], prop: str, key: str, high: int, low: int = 1
) -> None:
    if key not in obj or obj[key] is None:
        errors.append((f"{prop}.{key}", REQUIRED))
    else:
        _length(errors, f"{prop}.{key}", obj[key], high, low)


def _array(errors: Errors, prop: str, value: Any, low: int, high: int) -> list[Any] | None:
    """``value`` if it is an array (its items are then checked even if there are
    too few or too many, as LINE does); None, with an error, if it is not."""
    if not isinstance(value, list):
        errors.append((prop, REQUIRED if value is None else "must be an array"))
        return None
    if not low <= len(value) <= high:
        errors.append((prop, f"Size must be between {low} and {high}"))
    return value


def validate_action(
    errors: Errors, prop: str, action: Any, label_max: int = 20, label_required: bool = True
) -> None:
    if not isinstance(action, dict):
        errors.append((prop, REQUIRED))
        return
    kind = action.get("type")
    if kind not in ACTION_TYPES:
        errors.append((f"{prop}.type", "Invalid action type"))
        return
    if "label" in action:
        _length(errors, f"{prop}.label", action["label"], label_max, 1)
    elif label_required and kind not in {"clipboard"}:
        errors.append((f"{prop}.label", REQUIRED))
    if kind == "postback":
        _required_str(errors, action, prop, "data", 300)
        if "displayText" in action:
            _length(errors, f"{prop}.displayText", action["displayText"], 300, 1)
        if "text" in action and "displayText" in action:
            errors.append((f"{prop}.text", "text and displayText cannot both be specified"))
    elif kind == "message":
        _required_str(errors, action, prop, "text", 300)
    elif kind == "uri":
        _required_str(errors, action, prop, "uri", 1000)
    elif kind == "datetimepicker":
        _required_str(errors, action, prop, "data", 300)
        if action.get("mode") not in {"date", "time", "datetime"}:
            errors.append((f"{prop}.mode", "must be one of date, time, datetime"))


def _validate_quick_reply(errors: Errors, prop: str, quick: Any) -> None:
    if not isinstance(quick, dict):
        errors.append((prop, "must be an object"))
        return
    items = _array(errors, f"{prop}.items", quick.get("items"), 1, 13)
    if items is None:
        return
    for i, item in enumerate(items):
        p = f"{prop}.items[{i}]"
        if not isinstance(item, dict) or item.get("type") != "action":
            errors.append((f"{p}.type", "must be action"))
            continue
        validate_action(errors, f"{p}.action", item.get("action"))


def _validate_template(errors: Errors, prop: str, tpl: Any) -> None:
    if not isinstance(tpl, dict):
        errors.append((prop, REQUIRED))
        return
    kind = tpl.get("type")
    if kind == "buttons":
        short = bool(tpl.get("title") or tpl.get("thumbnailImageUrl"))
        _required_str(errors, tpl, prop, "text", 60 if short else 160)
        if "title" in tpl:
            _length(errors, f"{prop}.title", tpl["title"], 40)
        if (actions := _array(errors, f"{prop}.actions", tpl.get("actions"), 1, 4)) is not None:
            for i, action in enumerate(actions):
                validate_action(errors, f"{prop}.actions[{i}]", action)
        if "defaultAction" in tpl:
            validate_action(
                errors, f"{prop}.defaultAction", tpl["defaultAction"], label_required=False
            )
    elif kind == "confirm":
        _required_str(errors, tpl, prop, "text", 240)
        if (actions := _array(errors, f"{prop}.actions", tpl.get("actions"), 2, 2)) is not None:
            for i, action in enumerate(actions):
                validate_action(errors, f"{prop}.actions[{i}]", action)
    elif kind == "carousel":
        if (columns := _array(errors, f"{prop}.columns", tpl.get("columns"), 1, 10)) is not None:
            for i, col in enumerate(columns):
                p = f"{prop}.columns[{i}]"
                if not isinstance(col, dict):
                    errors.append((p, "must be an object"))
                    continue
                short = bool(col.get("title") or col.get("thumbnailImageUrl"))
                _required_str(errors, col, p, "text", 60 if short else 120)
                if (
                    actions := _array(errors, f"{p}.actions", col.get("actions"), 1, 3)
                ) is not None:
                    for j, action in enumerate(actions):
                        validate_action(errors, f"{p}.actions[{j}]", action)
    elif kind == "image_carousel":
        if (columns := _array(errors, f"{prop}.columns", tpl.get("columns"), 1, 10)) is not None:
            for i, col in enumerate(columns):
                p = f"{prop}.columns[{i}]"
                if isinstance(col, dict):
                    _required_str(errors, col, p, "imageUrl", 2000)
                    validate_action(errors, f"{p}.action", col.get("action"), 12, False)
    else:
        errors.append((f"{prop}.type", "Value not supported"))


def _validate_flex_component(errors: Errors, prop: str, comp: Any, depth: int = 0) -> None:
    if not isinstance(comp, dict):
        errors.append((prop, "must be an object"))
        return
    kind = comp.get("type")
    if kind not in FLEX_COMPONENTS:
        errors.append((f"{prop}.type", "Value not supported"))
        return
    if kind == "box":
        if comp.get("layout") not in {"vertical", "horizontal", "baseline"}:
            errors.append((f"{prop}.layout", REQUIRED))
        contents = _array(errors, f"{prop}.contents", comp.get("contents"), 0, 100)
        if contents is not None and depth < 20:
            for i, child in enumerate(contents):
                _validate_flex_component(errors, f"{prop}.contents[{i}]", child, depth + 1)
    elif kind == "button":
        validate_action(errors, f"{prop}.action", comp.get("action"), label_max=40)
    elif kind == "text":
        if "text" not in comp and "contents" not in comp:
            errors.append((f"{prop}.text", REQUIRED))
    elif kind in {"image", "icon"}:
        _required_str(errors, comp, prop, "url", 2000)
    if kind != "button" and "action" in comp:
        validate_action(errors, f"{prop}.action", comp["action"], 40, False)


def _validate_bubble(errors: Errors, prop: str, bubble: Any) -> None:
    if not isinstance(bubble, dict) or bubble.get("type") != "bubble":
        errors.append((f"{prop}.type", "must be bubble"))
        return
    for block in ("header", "hero", "body", "footer"):
        if block in bubble:
            _validate_flex_component(errors, f"{prop}.{block}", bubble[block])


def _validate_flex(errors: Errors, prop: str, msg: dict[str, Any]) -> None:
    _required_str(errors, msg, prop, "altText", 400)
    contents = msg.get("contents")
    p = f"{prop}.contents"
    if not isinstance(contents, dict):
        errors.append((p, REQUIRED))
    elif contents.get("type") == "carousel":
        bubbles = _array(errors, f"{p}.contents", contents.get("contents"), 1, 12)
        if bubbles is not None:
            for i, bubble in enumerate(bubbles):
                _validate_bubble(errors, f"{p}.contents[{i}]", bubble)
    else:
        _validate_bubble(errors, p, contents)


def validate_message(errors: Errors, prop: str, msg: Any) -> None:
    if not isinstance(msg, dict):
        errors.append((prop, "must be an object"))
        return
    kind = msg.get("type")
    if kind is None:
        errors.append((f"{prop}.type", REQUIRED))
        return
    if kind not in MESSAGE_TYPES:
        errors.append((f"{prop}.type", "Value not supported"))
        return
    if kind in {"text", "textV2"}:
        _required_str(errors, msg, prop, "text", 5000)
    elif kind == "sticker":
        for key in ("packageId", "stickerId"):
            if not msg.get(key):
                errors.append((f"{prop}.{key}", REQUIRED))
    elif kind in {"image", "video"}:
        for key in ("originalContentUrl", "previewImageUrl"):
            _required_str(errors, msg, prop, key, 2000)
    elif kind == "template":
        _required_str(errors, msg, prop, "altText", 400)
        _validate_template(errors, f"{prop}.template", msg.get("template"))
    elif kind == "flex":
        _validate_flex(errors, prop, msg)
    if "quickReply" in msg:
        _validate_quick_reply(errors, f"{prop}.quickReply", msg["quickReply"])


def validate_messages(errors: Errors, messages: Any) -> None:
    if messages is None:
        errors.append(("messages", REQUIRED))
        return
    if (items := _array(errors, "messages", messages, 1, 5)) is None:
        return
    for i, msg in enumerate(items):
        validate_message(errors, f"messages[{i}]", msg)


def error_body(errors: Errors) -> dict[str, Any]:
    return {
        "message": f"The request body has {len(errors)} error(s)",
        "details": [{"message": m, "property": p} for p, m in errors],
    }
