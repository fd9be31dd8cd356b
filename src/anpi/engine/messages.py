"""What anpi says, as LINE message objects.

Messages to watched persons are short, in やさしい日本語 (easy Japanese, mostly
hiragana, short sentences) with one large button. Messages to contacts and staff
are ordinary Japanese. Every builder returns plain dicts in the Messaging API's
JSON shape; the LINE transport hands them to the official SDK.
"""

from __future__ import annotations

from typing import Any

from anpi.channels.line import flex
from anpi.channels.line.flex import GREEN

OK_LABEL = "げんきです"
# Graded answers (元気 / 少し不調 / 話したい): the postback action and the label of
# each smaller button under the big OK. A label is at most 40 characters in Flex.
GRADE_LABELS = {"unwell": "すこし ぐあいが わるい", "talk": "はなしたい"}
GRADES = ("ok", *GRADE_LABELS)


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


def grade_buttons(check_id: int | None) -> list[dict[str, Any]]:
    """The two smaller answers under the big OK (postback ``anpi:unwell:<id>``
    and ``anpi:talk:<id>``): each answers the check like an OK and asks staff
    to get in touch (engine.answer)."""
    return [
        {
            "type": "postback",
            "label": label,
            "data": postback_data(grade, check_id),
            "displayText": label,
        }
        for grade, label in GRADE_LABELS.items()
    ]


def _question(
    alt: str, title: str, body: str, check_id: int | None, color: str = GREEN
) -> dict[str, Any]:
    """A question to the person: a title, a short text, the one big OK button
    first, and the two graded answers small below it."""
    return {
        "type": "flex",
        "altText": alt,
        "contents": flex.bubble(
            [flex.text(title, weight="bold", size="xl"), flex.text(body, size="lg")],
            ok_button(check_id),
            color=color,
            more=grade_buttons(check_id),
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


THANKS = {
    "ok": "ありがとうございます。あんしんしました。",
    "unwell": "おしえて くれて ありがとうございます。かかりの ひとから れんらくします。",
    "talk": "わかりました。かかりの ひとから れんらくします。",
}


def thanks_message(grade: str = "ok") -> dict[str, Any]:
    """The free reply to an answer, worded for its grade (``GRADES``)."""
    return {"type": "text", "text": THANKS[grade]}


def early_hint_message() -> dict[str, Any]:
    """Asked once of people who answer within minutes most days (engine.cost):
    the menu's 「げんきです」 before the check makes the check free."""
    return {
        "type": "text",
        "text": "つぎからは、かくにんの まえに したの メニューの 「げんきです」を "
        "おしても だいじょうぶです。",
    }
