"""Flex message building blocks in the Messaging API's JSON shape.

Shared by every service's messages so that all of anpi's questions look alike:
short text, one large button (LINE Flex: ``bubble``/``box``/``button``; an
action label is at most 40 characters in Flex, LINE.md).
"""

from __future__ import annotations

from typing import Any

GREEN = "#06C755"


def text(value: str, **style: Any) -> dict[str, Any]:
    """A wrapping text component."""
    return {"type": "text", "text": value, "wrap": True, **style}


def bubble(
    lines: list[dict[str, Any]],
    button: dict[str, Any],
    color: str = GREEN,
    more: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A bubble: ``lines`` (components) in the body and one large primary button.

    ``more``: further actions shown below it as small link-style buttons
    (``height: sm``), so the first button stays the one obvious tap for people
    who need just one (graded answers: 少し不調 / 話したい)."""
    buttons: list[dict[str, Any]] = [
        {"type": "button", "style": "primary", "height": "md", "color": color, "action": button}
    ]
    buttons += [
        {"type": "button", "style": "link", "height": "sm", "action": a} for a in more or []
    ]
    return {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": lines},
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons},
    }
