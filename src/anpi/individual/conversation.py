"""The individual service's LINE conversation (個人見守り, 1:1 chats).

Registered with the engine as the last event handler (``order=900``): the group
and team services see an event first, and whatever a 1:1 chat says that they did
not take is the individual service's:

- ``follow`` → greeting with the settings link (``actions.do_follow``);
  ``unfollow`` → checks stop (``actions.do_block``);
- the check's OK postback, or its smaller 少し不調 / 話したい (``anpi:unwell:<id>``,
  ``anpi:talk:<id>``) → ``engine.answer.answer_ok`` with that grade; the rich menu's
  「げんきです」 (``anpi:genki:0``) or OK typed in words → ``engine.early.answer_genki``
  (an early answer when nothing waits and the next check is near, else an OK);
  「ぐあいが わるい」/「はなしたい」 typed → the same graded answer as the buttons;
- 「どうい てっかい」/「同意を取り消す」 → consent withdrawn, checks stop
  (``withdrawal.do_withdraw_consent``);
- a language's name (「English」「中文」「Tiếng Việt」「にほんご」…) → anpi speaks
  it from now on; 「ことば」 → quick-reply buttons to choose (``language``);
- 「るす」 → until when? (quick replies, a date picker) → a pause;
  「るす おわり」 → checks resume (``pause_chat``, engine.pauses);
- 「せってい」 → a fresh settings link; a contact's link code → the contact
  links LINE (``contact_link``); 「とうろく <code>」 from a person's own QR
  sheet → the person staff enrolled links LINE (``person_link``);
  「れんらくさきに なる」 (the greeting's second button, in any language's
  ``word_become_contact``) → how to do that;
- anything else → the help text (a free reply).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from anpi.channels.line import profiles
from anpi.engine import messages as check_messages
from anpi.engine.answer import answer_ok
from anpi.engine.clock import Clock
from anpi.engine.early import answer_genki
from anpi.engine.events import event_time
from anpi.engine.outbox import enqueue_line, enqueue_reply
from anpi.people.consent import is_withdraw_text
from anpi.people.models import Person
from anpi.people.textnorm import (
    answer_grade_of_text,
    clean_display_name,
    is_away_end_text,
    is_away_text,
    is_ok_text,
    is_settings_text,
)
from anpi.tenants.actors import Actor
from anpi.tenants.models import LineChannel

from . import actions, contact_link, language, messages, pause_chat, person_link, withdrawal


def profile_before_transaction(channel: LineChannel, raw: dict[str, Any]) -> dict[str, Any]:
    """Registry lookup provider: a new friend's LINE name and app language,
    fetched before the event's transaction opens (no database lock held across
    HTTP). A profile LINE does not give leaves both empty: the follow goes on."""
    source = raw.get("source") or {}
    if raw.get("type") == "follow" and source.get("type") == "user":
        user_id = source.get("userId", "")
        profile = profiles.user_profile(channel.api_host, channel.access_token, user_id)
        return {
            # The name is echoed into chats and pages: no bidi overrides, no zero-width tricks.
            "display_name": clean_display_name(profile.display_name),
            "line_language": profile.language,
        }
    return {}


def handle_individual_event(
    channel: LineChannel, event: Event, clock: Clock, lookups: dict[str, Any]
) -> str | None:
    """Registry event handler for 1:1 chats; None for events of other chats."""
    if getattr(event.source, "type", None) != "user":
        return None
    now = clock.now()
    user_id = getattr(event.source, "user_id", None) or ""
    reply_token = getattr(event, "reply_token", None) or ""
    if isinstance(event, FollowEvent):
        actions.do_follow(
            channel,
            user_id,
            now,
            reply_token=reply_token,
            display_name=lookups.get("display_name", ""),
            line_language=lookups.get("line_language", ""),
            event_ms=event.timestamp,
        )
        return "follow"
    if isinstance(event, UnfollowEvent):
        actions.do_block(channel, user_id, now, event_ms=event.timestamp)
        return "unfollow"
    person = Person.objects.filter(channel=channel, line_user_id=user_id).first()
    if isinstance(event, PostbackEvent):
        parsed = check_messages.parse_postback_data(event.postback.data)
        if parsed and parsed[0] in check_messages.GRADES and person is not None:
            # 「げんきです」 or, from the smaller buttons, 少し不調 / 話したい.
            answer_ok(
                person,
                clock,
                reply_token=reply_token,
                event_at=event_time(event),
                grade=parsed[0],
            )
            return parsed[0]
        if parsed and parsed[0] == "genki" and person is not None:  # the rich menu's button
            return answer_genki(
                person, clock, reply_token=reply_token, via="richmenu", event_at=event_time(event)
            )
        if parsed and parsed[0] in pause_chat.POSTBACKS and person is not None:
            return pause_chat.handle_postback(
                person,
                parsed[0],
                parsed[1],
                event.postback.params or {},
                reply_token,
                now,
                event_time(event),
            )
        return "ignored"
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        return _text(
            channel, person, user_id, event.message.text, clock, reply_token, event_time(event)
        )
    return "ignored"


def _text(
    channel: LineChannel,
    person: Person | None,
    user_id: str,
    text: str,
    clock: Clock,
    reply_token: str,
    event_at: datetime,
) -> str:
    now = clock.now()
    own = person_link.do_link_person_line(channel, user_id, text, now, reply_token)
    if own is not None:
        return "person_" + own
    linked = contact_link.do_link_contact_line(channel, user_id, text, now, reply_token)
    if linked is not None:
        return "contact_" + linked
    # The greeting's second button, in whichever language the greeting was.
    if language.says_word(text, "word_become_contact"):
        if reply_token:
            enqueue_line(
                channel=channel,
                method="reply",
                to=user_id,
                reply_token=reply_token,
                messages=[
                    messages.become_contact_help_message(person.language if person else None)
                ],
                purpose="help",
                now=now,
                person=person,
            )
        return "become_contact"
    if person is None:
        return "ignored"
    if is_withdraw_text(text):
        withdrawal.do_withdraw_consent(
            person, Actor.line(user_id, person.name), now, via="line", reply_token=reply_token
        )
        return "consent_withdrawn"
    # 「るす」 (and "away", 外出, vắng nhà …: engine/texts word_away).
    if is_away_end_text(text) or language.says_word(text, "word_away_end"):
        return pause_chat.end(person, reply_token, now)
    if is_away_text(text) or language.says_word(text, "word_away"):
        return pause_chat.ask_dates(person, reply_token, now)
    chosen = language.language_named(text)
    if chosen is not None:
        language.do_set_language(
            person, chosen, Actor.line(user_id, person.name), now, via="line",
            reply_token=reply_token,
        )
        return "language_set"
    if language.says_word(text, "word_language"):
        language.send_language_prompt(person, now, reply_token)
        return "language_prompt"
    grade = answer_grade_of_text(text)
    if grade is not None:  # 「ちょっと ぐあいが わるい」 typed: as the button would
        answer_ok(
            person, clock, reply_token=reply_token, via="line_text", event_at=event_at, grade=grade
        )
        return grade
    if is_ok_text(text) or language.says_word(text, "button_ok"):  # 「I'm fine」「我很好」
        return answer_genki(
            person, clock, reply_token=reply_token, via="line_text", event_at=event_at
        )
    if is_settings_text(text) or language.says_word(text, "word_settings"):
        actions.do_send_settings_link(person, now, reply_token)
        return "settings_link"
    if reply_token:
        enqueue_reply(
            person=person,
            reply_token=reply_token,
            messages=[messages.help_message(person.language)],
            purpose="help",
            now=now,
        )
    return "help"
