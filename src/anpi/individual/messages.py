"""What the individual service (個人見守り) says in the 1:1 chat and by e-mail.

Messages to watched persons are short, in やさしい日本語 with one large button;
messages to contacts are ordinary Japanese. What a registered person hears
again and again (help, registered, welcome back) follows the person's
language (engine/texts, engine.phrases). The check's own questions are the
engine's (``engine.messages``), as every service asks the same way.
"""

from __future__ import annotations

from typing import Any

from anpi.channels.line import flex
from anpi.engine.phrases import contact_subject, in_contact_languages, say, say_to_contact


def settings_link_message(
    url: str, *, welcome: bool, language: str | None = None
) -> dict[str, Any]:
    """The settings link in the person's ``language``. The greeting
    (``welcome``: the first message after a follow, in the language of the
    person's LINE app when anpi speaks it, else やさしい日本語) also offers the
    path of someone who friended the account to become an emergency contact."""
    intro = say(language, "welcome_intro" if welcome else "settings_intro")
    contents = flex.bubble(
        [flex.text(intro, size="lg")],
        {"type": "uri", "label": say(language, "settings_button"), "uri": url},
    )
    if welcome:
        contents["footer"]["contents"].append(
            {
                "type": "button",
                "style": "link",
                "height": "sm",
                "action": {
                    "type": "message",
                    "label": say(language, "welcome_contact_button"),
                    # What the person "says" by tapping; conversation knows
                    # every language's (``language.says_word``).
                    "text": say(language, "word_become_contact"),
                },
            }
        )
    return {"type": "flex", "altText": say(language, "settings_alt"), "contents": contents}


def invite_code_greeting(language: str | None = None) -> dict[str, Any]:
    """The greeting of a city's account (安否通知): whoever friends it joins with
    an invite code, as a watched person or as a watcher, so the greeting
    presumes neither; each role's welcome answers the code."""
    return {"type": "text", "text": say(language, "welcome_invite_code")}


def welcome_back_message(language: str | None = None) -> dict[str, Any]:
    return {"type": "text", "text": say(language, "welcome_back")}


def help_message(language: str | None = None) -> dict[str, Any]:
    return {"type": "text", "text": say(language, "help")}


def registered_message(summary: str, language: str | None = None) -> dict[str, Any]:
    return {"type": "text", "text": say(language, "registered", summary=summary)}


def contact_linked_message(person_name: str, person_language: str | None = None) -> dict[str, Any]:
    """To a contact who linked LINE: in the person's contact language, then
    Japanese (``phrases.in_contact_languages``)."""
    text = in_contact_languages(
        person_language, lambda language: say_to_contact(language, "linked", name=person_name)
    )
    return {"type": "text", "text": text}


def contact_request_email(
    person_name: str,
    tenant_name: str,
    relation: str,
    url: str,
    person_language: str | None = None,
) -> tuple[str, str]:
    """Subject and body of the e-mail asking someone to be an emergency contact,
    in the person's contact language then Japanese, as every notice to contacts
    (docs/texts.md). The relation is what the person wrote about the contact
    (むすめ: the contact is their daughter), so it is said from the person's side."""
    values = {"name": person_name, "tenant": tenant_name, "relation": relation, "url": url}
    subject = contact_subject(person_language, "request_subject", **values)
    body = in_contact_languages(
        person_language, lambda language: say_to_contact(language, "request_body", **values)
    )
    return subject, body


def contact_accepted_message(contact_name: str, language: str | None = None) -> dict[str, Any]:
    """To the person: a contact agreed (in the person's ``language``)."""
    return {"type": "text", "text": say(language, "contact_accepted", contact=contact_name)}


def contact_declined_message(contact_name: str, language: str | None = None) -> dict[str, Any]:
    """To the person: a contact declined; how to choose someone else."""
    return {"type": "text", "text": say(language, "contact_declined", contact=contact_name)}


LINK_WRONG_TEXT = (
    "この コードは つかえません。\n"
    "コードが ただしいか、きげん（24じかん）が すぎていないか たしかめてください。"
)
LINK_LOCKED_TEXT = (
    "まちがいが おおいので、しばらく うけつけません。1じかん たってから おくってください。"
)


def become_contact_help_message(language: str | None = None) -> dict[str, Any]:
    """The answer to the greeting's second button: how to become a contact."""
    return {"type": "text", "text": say(language, "become_contact_help")}


# The withdrawal of consent (individual.withdrawal): what stops and what stays,
# in やさしい日本語. ``days`` is the tenant's erase_after_days.
WITHDRAW_BUTTON_TEXT = "どうい てっかい"


def consent_withdrawn_message(days: int, language: str | None = None) -> dict[str, Any]:
    """What withdrawing consent did; ``days``: how long records are kept."""
    return {"type": "text", "text": say(language, "consent_withdrawn", days=days)}


def schedule_changed_by_staff_message(summary: str, language: str | None = None) -> dict[str, Any]:
    """Staff changed when checks come (dashboard or API): the person is told."""
    return {"type": "text", "text": say(language, "schedule_changed", summary=summary)}


def person_linked_message(url: str) -> dict[str, Any]:
    """The reply to a person's own code (``person_link``): their LINE is linked;
    one button to the settings page, where they check what staff wrote and agree."""
    contents = flex.bubble(
        [
            flex.text(
                "LINEの とうろくが できました。\nさいごに せっていを みて、「どうい」を してください。",
                size="lg",
            )
        ],
        {"type": "uri", "label": "せってい する", "uri": url},
    )
    return {"type": "flex", "altText": "せっていを してください", "contents": contents}


PERSON_LINK_WRONG_TEXT = "この コードは つかえません。\nかみに かいてある コードを たしかめるか、スタッフに きいてください。"
PERSON_LINK_TAKEN_TEXT = (
    "この LINEは もう ほかの かたで とうろく されています。スタッフに きいてください。"
)
