"""What anpi says, as LINE message objects.

Messages to watched persons are short — at most three short lines — with one
large button, in the person's language (``Person.language``; やさしい日本語 by
default). The words come from engine/texts (engine.phrases), the first line of
a check from engine.greetings. Every builder returns plain dicts in the Messaging API's
JSON shape; the LINE transport hands them to the official SDK.
"""

from __future__ import annotations

import copy
from datetime import date
from typing import Any

from anpi.channels.line import flex
from anpi.channels.line.flex import GREEN

from .greetings import greeting_for
from .phrases import say

# The OK label in やさしい日本語 (the rich menu's button, engine.early); a check's
# button says ``button_ok`` in the person's language.
OK_LABEL = "げんきです"
# Graded answers (元気 / 少し不調 / 話したい): the postback action of each smaller
# button under the big OK, and the key of its label in engine/texts (at most 20
# characters, the lint test holds them to it).
GRADE_LABELS = {"unwell": "button_unwell", "talk": "button_talk"}
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


def ok_button(check_id: int | None, language: str | None = None) -> dict[str, Any]:
    """The check's one big button: the same postback in every language, its
    label in the person's (``button_ok``)."""
    label = say(language, "button_ok")
    return {
        "type": "postback",
        "label": label,
        "data": postback_data("ok", check_id),
        "displayText": label,
    }


def grade_buttons(check_id: int | None, language: str | None = None) -> list[dict[str, Any]]:
    """The two smaller answers under the big OK (postback ``anpi:unwell:<id>``
    and ``anpi:talk:<id>``), labelled in the person's language: each answers the
    check like an OK and asks staff to get in touch (engine.answer)."""
    return [
        {
            "type": "postback",
            "label": say(language, key),
            "data": postback_data(grade, check_id),
            "displayText": say(language, key),
        }
        for grade, key in GRADE_LABELS.items()
    ]


def _question(
    alt: str,
    lines: list[str],
    check_id: int | None,
    language: str | None,
    color: str = GREEN,
) -> dict[str, Any]:
    """A question to the person: up to three short lines — the day's greeting
    (if any), the question in bold, what to do — the one big OK button, always
    in the same place (the footer), and the two graded answers small below it."""
    *greeting, question, hint = lines
    body = [flex.text(line, size="md", color="#555555") for line in greeting]
    body += [flex.text(question, weight="bold", size="xl"), flex.text(hint, size="lg")]
    return {
        "type": "flex",
        "altText": alt,
        "contents": flex.bubble(
            body, ok_button(check_id, language), color=color, more=grade_buttons(check_id, language)
        ),
    }


def _greeting(day: date | None, language: str | None) -> list[str]:
    return [greeting_for(day, language)] if day is not None else []


def check_message(
    name: str, check_id: int, *, language: str | None = None, day: date | None = None
) -> dict[str, Any]:
    """The check: ``day`` (the due date in the tenant's time zone) picks the
    greeting line (engine.greetings); ``language`` a people.models.Language value."""
    return _question(
        say(language, "check_alt", name=name),
        [
            *_greeting(day, language),
            say(language, "check_question", name=name),
            say(language, "check_hint"),
        ],
        check_id,
        language,
    )


def identical_check_message(
    *, language: str | None = None, day: date | None = None
) -> dict[str, Any]:
    """The check message without a name or check id: the same bytes for every
    person of one language on one day, so LINE can take it as one multicast
    (engine.multicast). The OK needs no check id: ``answer_ok`` answers every
    open check of the person."""
    return _question(
        say(language, "identical_alt"),
        [
            *_greeting(day, language),
            say(language, "identical_question"),
            say(language, "check_hint"),
        ],
        None,
        language,
    )


def resend_message(
    name: str, check_id: int, *, language: str | None = None, day: date | None = None
) -> dict[str, Any]:
    return _question(
        say(language, "resend_alt", name=name),
        [
            *_greeting(day, language),
            say(language, "resend_question", name=name),
            say(language, "resend_hint"),
        ],
        check_id,
        language,
    )


def last_notice_message(
    name: str, check_id: int, *, language: str | None = None
) -> dict[str, Any]:
    """The last message before contacts are told. No greeting: a seasonal line
    must not soften the warning."""
    return _question(
        say(language, "last_notice_alt", name=name),
        [
            say(language, "last_notice_question", name=name),
            say(language, "last_notice_warning"),
            say(language, "last_notice_hint"),
        ],
        check_id,
        language,
        color="#E8590C",
    )


def thanks_message(language: str | None = None, grade: str = "ok") -> dict[str, Any]:
    """The free reply to an answer in the person's language, worded for its
    grade (``GRADES``: the texts ``thanks``, ``thanks_unwell``, ``thanks_talk``)."""
    key = "thanks" if grade == "ok" else f"thanks_{grade}"
    return {"type": "text", "text": say(language, key)}


def early_hint_message(language: str | None = None) -> dict[str, Any]:
    """Asked once of people who answer within minutes most days (engine.cost):
    the menu's 「げんきです」 before the check makes the check free."""
    return {"type": "text", "text": say(language, "early_hint")}


def with_welcome_back(message: dict[str, Any], language: str | None = None) -> dict[str, Any]:
    """``message`` (a check question) that also says welcome back, for the first
    check after a pause (engine.pauses): one push, not an extra one. Returns a
    new dict. In a flex question the welcome takes the place of the day's
    greeting (the first of its three body lines), so the check keeps three lines;
    a text message gets the line in front."""
    line = say(language, "away_ended")  # the same words as the reply to 「るす おわり」
    changed = copy.deepcopy(message)
    if changed.get("type") == "flex":
        changed["altText"] = f"{line}\n{changed['altText']}"
        body = changed["contents"]["body"]["contents"]
        welcome = flex.text(line, size="lg", weight="bold")
        if len(body) >= 3:
            body[0] = welcome
        else:
            body.insert(0, welcome)
    elif changed.get("type") == "text":
        changed["text"] = f"{line}\n{changed['text']}"
    return changed
