"""Signed one-time links to the mobile settings page.

The token carries the person id and their current ``settings_nonce``; saving the
settings rotates the nonce, so a link works once. Links also expire.
"""

from __future__ import annotations

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Person

SALT = "anpi.people.settings-link"
MAX_AGE = 7 * 24 * 3600


def settings_token(person: Person) -> str:
    return signing.dumps({"p": person.pk, "n": person.settings_nonce}, salt=SALT, compress=True)


def settings_url(person: Person) -> str:
    return settings.BASE_URL + reverse("people:settings", args=[settings_token(person)])


class LinkError(Exception):
    pass


def person_from_token(token: str) -> Person:
    """The person a settings token belongs to, or LinkError (expired, used, forged)."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.SignatureExpired as exc:
        raise LinkError("expired") from exc
    except signing.BadSignature as exc:
        raise LinkError("invalid") from exc
    person = Person.objects.select_related("tenant").filter(pk=data.get("p")).first()
    if person is None or person.settings_nonce != data.get("n"):
        raise LinkError("used")
    return person
