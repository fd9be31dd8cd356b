"""The language anpi speaks to a person, chosen in the chat or on the settings page.

In the chat (individual.conversation):

- 「ことば」 (or another language's word for it, ``word_language`` in each
  person.toml: 言葉, language, 语言, ngôn ngữ) → a question with one quick-reply
  button per language, each labelled with the language's own name;
- a language's own name (the quick-reply button sends it: 「English」「中文」
  「Tiếng Việt」「日本語」「やさしい にほんご」) or one of its ``language_words``
  (「にほんご」「えいご」…) → that language from now on: checks, buttons,
  replies, the rich menu under the chat (``richmenu.sync_person_menu``), and
  what the person's contacts are told.

Words are compared without case, width or spaces (「ｅｎｇｌｉｓｈ」「tiếngviệt」).
"""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from django.db import transaction

from anpi.engine import timeline
from anpi.engine.outbox import enqueue_reply
from anpi.engine.phrases import LANGUAGES, say
from anpi.people.models import Language, Person
from anpi.tenants.actors import Actor

from .actions import send_to_person
from .richmenu import sync_person_menu_after_commit

VIA_TEXT = {"line": "LINEで", "settings_page": "設定ページで"}


def _key(text: str) -> str:
    """Typed text in a comparable form: NFKC, case folded, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _words(language: str, key: str) -> set[str]:
    return {_key(word) for word in say(language, key).split("|") if word.strip()}


def language_named(text: str) -> str | None:
    """The language ``text`` names (its own name or one of its words), or None."""
    typed = _key(text)
    for language in LANGUAGES:
        if typed in _words(language, "language_name") | _words(language, "language_words"):
            return language
    return None


def says_word(text: str, key: str) -> bool:
    """True if ``text`` is any language's ``key`` word: ``word_language``
    (「ことば」「language」…) or ``word_settings`` (「せってい」「settings」…)."""
    typed = _key(text)
    return any(typed in _words(language, key) for language in LANGUAGES)


def language_prompt_message(language: str) -> dict[str, Any]:
    """The question in the person's current language, with one quick-reply
    button per language (LINE: at most 13 items, labels at most 20 characters)."""
    return {
        "type": "text",
        "text": say(language, "language_prompt"),
        "quickReply": {
            "items": [
                {
                    "type": "action",
                    "action": {
                        "type": "message",
                        "label": say(choice, "language_name"),
                        "text": say(choice, "language_name"),
                    },
                }
                for choice in LANGUAGES
            ]
        },
    }


def send_language_prompt(person: Person, now: datetime, reply_token: str) -> None:
    """Ask which language (a free reply; dropped if the token has expired)."""
    if reply_token:
        enqueue_reply(
            person=person,
            reply_token=reply_token,
            messages=[language_prompt_message(person.language)],
            purpose="help",
            now=now,
        )


@transaction.atomic
def do_set_language(
    person: Person, language: str, actor: Actor, now: datetime, *, via: str, reply_token: str = ""
) -> bool:
    """Speak ``language`` (a people.models.Language value) to ``person`` from now
    on; ``via`` is ``line`` or ``settings_page``. The person is told in the new
    language (a reply when ``reply_token`` is given, else a push — only from
    the chat). Returns False when it was already that language. Raises
    ValueError for an unknown language."""
    if language not in Language.values:
        raise ValueError(f"unknown language {language!r}")
    person = Person.objects.select_for_update(of=("self",)).get(pk=person.pk)
    if person.language == language:
        changed = False
    else:
        person.language = language
        person.save(update_fields=["language"])
        label = Language(language).label
        timeline.record(
            person,
            "language",
            f"{VIA_TEXT.get(via, '')}話す言葉を「{label}」に変更",
            now,
            actor=actor,
            via=via,
            language=language,
        )
        # The rich menu in the new language: linked over HTTP after the commit.
        sync_person_menu_after_commit(person)
        changed = True
    if via == "line" and person.line_user_id and person.channel_id:
        message = {"type": "text", "text": say(language, "language_set")}
        send_to_person(person, message, "language_set", now, reply_token)
    return changed
