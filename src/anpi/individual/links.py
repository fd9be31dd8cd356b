"""The person's settings link (signed, one-time, expiring: see people.links)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from anpi.engine.clock import get_clock
from anpi.people.links import MAX_AGE, LinkError, read_link, sign_link
from anpi.people.models import Person

SALT = "anpi.people.settings-link"  # unchanged, so links already sent keep working

__all__ = ["MAX_AGE", "LinkError", "person_from_token", "settings_token", "settings_url"]


def settings_token(person: Person) -> str:
    return sign_link(SALT, person.pk, person.settings_nonce, now=get_clock().now())


def settings_url(person: Person) -> str:
    """The person's settings link. A person spoken to in a language the pages
    have besides Japanese gets it with ``?lang=`` (``page_language``), so that
    the page opens in it, whatever the phone's browser prefers."""
    url = settings.BASE_URL + reverse("individual:settings", args=[settings_token(person)])
    language = page_language(person.language)
    return f"{url}?{LANGUAGE_PARAM}={language}" if language else url


#: The query parameter of a link that names the page's language.
LANGUAGE_PARAM = "lang"


def page_language(language: str | None) -> str | None:
    """The pages' language (settings.LANGUAGES) for a person's language, if
    the pages have it and it is not Japanese, the pages' default."""
    if language and language != "ja" and language in dict(settings.LANGUAGES):
        return language
    return None


def person_from_token(token: str) -> Person:
    """The person a settings token belongs to, or LinkError (expired, used, forged)."""
    pk, nonce = read_link(SALT, token, MAX_AGE, now=get_clock().now())
    person = Person.objects.select_related("tenant").filter(pk=pk).first()
    if person is None or person.settings_nonce != nonce:
        raise LinkError("used")
    return person
