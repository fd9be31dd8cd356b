"""A new friend's language, taken from their LINE app (``actions.do_follow``).

anpi greets someone the moment they friend the account, before they could
choose a language. LINE's profile tells the language of their LINE app (when
they agreed to share it); if anpi speaks it, and it is not Japanese, anpi
speaks it from the greeting on: the greeting, the settings link, checks, the
rich menu, and what their contacts are told. Japanese, a language anpi lacks,
no language, or a profile LINE did not give keep the default やさしい日本語.

A person's own choice always wins: the language is taken only while the
person is registering, has never saved the settings page (which has a
language choice) and has never chosen one in the chat.
"""

from __future__ import annotations

from datetime import datetime

from anpi.engine import timeline
from anpi.engine.models import TimelineEntry
from anpi.engine.phrases import DEFAULT_LANGUAGE
from anpi.people.line_language import language_of_line_tag
from anpi.people.models import Language, Person

from .richmenu import sync_person_menu_after_commit

#: ``via`` of the timeline entry written here (not the person's own choice).
VIA = "line_profile"


def chose_language(person: Person) -> bool:
    """True if the person (or staff for them) picked a language: the settings
    page was saved, or a language was chosen in the chat, or it is not the
    default for any other reason."""
    if person.consent_at is not None or person.language != DEFAULT_LANGUAGE:
        return True
    return (
        TimelineEntry.objects.filter(person=person, kind="language")
        .exclude(data__via=VIA)
        .exists()
    )


def adopt_line_language(person: Person, line_tag: str, now: datetime) -> bool:
    """Speak the language of ``line_tag`` (LINE's BCP 47 tag, "" when unknown)
    to a registering ``person`` who never chose one. Call it with the person
    locked. Returns True when the language changed."""
    language = language_of_line_tag(line_tag)
    if language is None or language == Language.JA or person.status != Person.Status.REGISTERING:
        return False
    if chose_language(person):
        return False
    person.language = language
    person.save(update_fields=["language"])
    timeline.record(
        person,
        "language",
        f"LINEアプリの言語（{line_tag}）から、話す言葉を「{Language(language).label}」にしました",
        now,
        via=VIA,
        language=language,
        line_language=line_tag,
    )
    # The rich menu in that language: linked over HTTP after the commit.
    sync_person_menu_after_commit(person)
    return True
