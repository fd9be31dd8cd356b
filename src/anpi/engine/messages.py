"""What anpi says, as LINE message objects.

Messages to watched persons are short, in やさしい日本語 (easy Japanese, mostly
hiragana, short sentences) with one large button. Messages to contacts and staff
are ordinary Japanese. Every builder returns plain dicts in the Messaging API's
JSON shape; the LINE transport hands them to the official SDK.
"""

from __future__ import annotations

import copy
from typing import Any

from anpi.channels.line import flex
from anpi.channels.line.flex import GREEN

OK_LABEL = "げんきです"


def postback_data(action: str, check_id: int | None = None) -> str:
    return f"anpi:{action}:{check_id or 0}"


def parse_postback_data(data: str) -> tuple[str, int | None] | None:
    """Inverse of postback_data; None for data that is not ours."""
    parts = data.split(":")
    if len(parts) != 3 or parts[0] != "anpi":
        return None
    try:
        check_id = int(parts[2]) or None
    except ValueError:
        return None
    return parts[1], check_id


def ok_button(check_id: int | None) -> dict[str, Any]:
    return {
        "type": "postback",
        "label": OK_LABEL,
        "data": postback_data("ok", check_id),
        "displayText": OK_LABEL,
    }


def _question(
    alt: str, title: str, body: str, check_id: int | None, color: str = GREEN
) -> dict[str, Any]:
    """A question to the person: a title, a short text and the one big OK button."""
    return {
        "type": "flex",
        "altText": alt,
        "contents": flex.bubble(
            [flex.text(title, weight="bold", size="xl"), flex.text(body, size="lg")],
            ok_button(check_id),
            color=color,
        ),
    }


def check_message(name: str, check_id: int) -> dict[str, Any]:
    return _question(
        f"{name}さん、げんきですか？",
        f"{name}さん",
        "げんきですか？\nげんきなら ボタンを おしてください。",
        check_id,
    )


def identical_check_message() -> dict[str, Any]:
    """The check message without a name or check id: the same bytes for every
    person, so LINE can take it as one multicast (engine.multicast). The OK
    needs no check id: ``answer_ok`` answers every open check of the person."""
    return _question(
        "げんきですか？",
        "あんぴの かくにん",
        "げんきですか？\nげんきなら ボタンを おしてください。",
        None,
    )


def resend_message(name: str, check_id: int) -> dict[str, Any]:
    return _question(
        f"{name}さん、へんじが ありません。げんきですか？",
        f"{name}さん",
        "へんじが ありません。\nげんきですか？ ボタンを おしてください。",
        check_id,
    )


def last_notice_message(name: str, check_id: int) -> dict[str, Any]:
    return _question(
        f"{name}さん、れんらくが とれません。",
        f"{name}さん",
        "れんらくが とれません。\nこのあと かぞくなどに れんらくします。\n"
        "げんきなら ボタンを おしてください。",
        check_id,
        color="#E8590C",
    )


def thanks_message() -> dict[str, Any]:
    return {"type": "text", "text": "ありがとうございます。あんしんしました。"}


WELCOME_BACK_TEXT = "おかえりなさい。きょうから また かくにんします。"


def with_welcome_back(message: dict[str, Any]) -> dict[str, Any]:
    """``message`` (a check question) that also says welcome back, for the first
    check after a pause (engine.pauses): one push, not an extra one. Returns a
    new dict; a flex question gets the line on top of its body, anything else
    is left as it is with the line in front of its text or altText."""
    changed = copy.deepcopy(message)
    if changed.get("type") == "flex":
        changed["altText"] = f"{WELCOME_BACK_TEXT}\n{changed['altText']}"
        changed["contents"]["body"]["contents"].insert(
            0, flex.text(WELCOME_BACK_TEXT, size="lg", weight="bold")
        )
    elif changed.get("type") == "text":
        changed["text"] = f"{WELCOME_BACK_TEXT}\n{changed['text']}"
    return changed
