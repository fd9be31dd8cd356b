"""「るす」 in the 1:1 chat: the person pauses their own checks (engine.pauses).

The conversation, all in free replies (no paid push):

1. The person sends 「るす」 (also ルス, 留守, ｒｕｓｕ-width variants,
   ``people.textnorm.is_away_text``). anpi asks until when, with quick replies:
   「きょうから 3にち」 (postback ``anpi:away:3``), 「1しゅうかん」
   (``anpi:away:7``) and 「ひにちを えらぶ」, a LINE datetime picker
   (``type: datetimepicker``, ``mode: date``; Messaging API "Datetime picker
   action") whose postback ``anpi:awayfrom:0`` carries ``params.date``.
2. After a chosen first day, one more picker asks the last day; its data carries
   the first day (``anpi:awayto:YYYYMMDD``), so nothing is kept between the two
   taps.
3. The pause is made (``engine.pauses.pause_person``, actor: the person's LINE)
   and confirmed: 「12がつ 3にち から 12がつ 5にち まで おやすみ します」, with one
   button 「るすを おわる」 (``anpi:awayend:0``).
4. 「るす おわり」 typed, or that button: ``engine.pauses.end_pause``; checks
   resume today.

A date the picker should not have allowed (in the past, last day before the
first, longer than ``MAX_PAUSE_DAYS``) gets a short explanation and nothing is
saved.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from anpi.channels.line import flex
from anpi.engine import registry
from anpi.engine.outbox import enqueue_reply
from anpi.engine.pauses import MAX_PAUSE_DAYS, PauseError, end_pause, local_today, pause_person
from anpi.engine.phrases import say
from anpi.people.models import Person
from anpi.tenants.actors import Actor

POSTBACKS = ("away", "awayfrom", "awayto", "awayend")
# Quick answers: days from today, and the key of their label (engine/texts).
QUICK_DAYS = ((3, "away_3days"), (7, "away_week"))

registry.register_purpose("pause", "るす（休止）の受付", on_reply_refused="push")


def _day(language: str, value: date) -> str:
    return say(language, "away_day", month=value.month, day=value.day)


def _picker(label: str, data: str, initial: date, low: date, high: date) -> dict[str, Any]:
    return {
        "type": "datetimepicker",
        "label": label,
        "data": data,
        "mode": "date",
        "initial": initial.isoformat(),
        "min": low.isoformat(),
        "max": high.isoformat(),
    }


def ask_dates_message(today: date, language: str = "easy_ja") -> dict[str, Any]:
    """Until when? Two quick answers and a date picker (quick replies), in the
    person's ``language``."""
    items: list[dict[str, Any]] = [
        {
            "type": "action",
            "action": {
                "type": "postback",
                "label": say(language, key),
                "data": f"anpi:away:{days}",
                "displayText": say(language, key),
            },
        }
        for days, key in QUICK_DAYS
    ]
    last = today + timedelta(days=MAX_PAUSE_DAYS - 1)
    picker = _picker(say(language, "away_pick"), "anpi:awayfrom:0", today, today, last)
    items.append({"type": "action", "action": picker})
    return {"type": "text", "text": say(language, "away_ask"), "quickReply": {"items": items}}


def ask_last_day_message(first: date, language: str = "easy_ja") -> dict[str, Any]:
    """The second picker: the last day, from ``first`` on (one large button)."""
    action = _picker(
        say(language, "away_pick_last"),
        f"anpi:awayto:{first:%Y%m%d}",
        first,
        first,
        first + timedelta(days=MAX_PAUSE_DAYS - 1),
    )
    return {
        "type": "flex",
        "altText": say(language, "away_until"),
        "contents": flex.bubble(
            [flex.text(say(language, "away_from", first=_day(language, first)), size="lg")], action
        ),
    }


def paused_message(first: date, last: date, language: str = "easy_ja") -> dict[str, Any]:
    """The confirmation, with the one button that ends the pause early."""
    days = (_day(language, first), _day(language, last))
    said = say(language, "away_set", first=days[0], last=days[1])
    button = {
        "type": "postback",
        "label": say(language, "away_end_button"),
        "data": "anpi:awayend:0",
        "displayText": say(language, "away_end_typed"),
    }
    return {
        "type": "flex",
        "altText": said,
        "contents": flex.bubble(
            [flex.text(say(language, "away_confirm", first=days[0], last=days[1]), size="lg")],
            button,
        ),
    }


def _text(person: Person, key: str) -> dict[str, Any]:
    return {"type": "text", "text": say(person.language, key)}


def _reply(person: Person, reply_token: str, message: dict[str, Any], now: datetime) -> None:
    if reply_token:
        enqueue_reply(
            person=person, reply_token=reply_token, messages=[message], purpose="pause", now=now
        )


def ask_dates(person: Person, reply_token: str, now: datetime) -> str:
    """Step 1: the person sent 「るす」."""
    _reply(person, reply_token, ask_dates_message(local_today(person, now), person.language), now)
    return "pause_asked"


def end(person: Person, reply_token: str, now: datetime) -> str:
    """Step 4: 「るす おわり」 or the button."""
    ended = end_pause(person, Actor.line(person.line_user_id, person.name), now)
    _reply(person, reply_token, _text(person, "away_ended" if ended else "away_not_paused"), now)
    return "pause_ended" if ended else "pause_none"


def _parse_day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _yyyymmdd(number: int) -> str:
    text = f"{number:08d}"
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}"


def handle_postback(
    person: Person,
    action: str,
    number: int | None,
    params: dict[str, Any],
    reply_token: str,
    now: datetime,
    event_at: datetime,
) -> str:
    """A tap of one of this module's buttons (``POSTBACKS``); ``number``: the
    number in the data (days, or the first day as YYYYMMDD); ``params``: the
    picker's ``{"date": "YYYY-MM-DD"}``; ``event_at``: LINE's timestamp of the
    tap. 「きょうから」 means the day of the tap (LINE's order, not arrival
    order): a tap redelivered a day late is refused as a past date, never
    moved to a later week."""
    if action == "awayend":
        return end(person, reply_token, now)
    today = local_today(person, event_at)
    first: date | None
    last: date | None
    if action == "away":
        if number not in dict(QUICK_DAYS):
            return "ignored"
        first, last = today, today + timedelta(days=(number or 1) - 1)
    elif action == "awayfrom":
        first = _parse_day(params.get("date"))
        if first is None or first < today:
            _reply(person, reply_token, _text(person, "away_bad_date"), now)
            return "pause_refused"
        _reply(person, reply_token, ask_last_day_message(first, person.language), now)
        return "pause_asked_last_day"
    else:  # awayto
        first = _parse_day(_yyyymmdd(number or 0))
        last = _parse_day(params.get("date"))
    if first is None or last is None:
        _reply(person, reply_token, _text(person, "away_bad_date"), now)
        return "pause_refused"
    try:
        pause_person(person, first, last, Actor.line(person.line_user_id, person.name), now)
    except PauseError:
        _reply(person, reply_token, _text(person, "away_bad_date"), now)
        return "pause_refused"
    _reply(person, reply_token, paused_message(first, last, person.language), now)
    return "paused"
