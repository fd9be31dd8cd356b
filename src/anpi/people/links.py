"""Signed one-time links: the one signer behind every secret link anpi sends.

A token carries an object's id and its current ``settings_nonce`` (signed with
Django's ``signing`` under a salt per kind of link). Saving through the link
rotates the nonce, so a link works once; links also expire after ``MAX_AGE``
seconds. The individual service (a person's settings page) and つながり (a
group's schedule page) both sign with ``sign_link`` and read with ``read_link``.
"""

from __future__ import annotations

from typing import Any

from django.core import signing

MAX_AGE = 7 * 24 * 3600


class LinkError(Exception):
    """The link is ``expired``, ``invalid`` (forged or damaged) or ``used``."""


def sign_link(salt: str, pk: int, nonce: str) -> str:
    """A URL-safe token for object ``pk`` at nonce ``nonce``."""
    return signing.dumps({"p": pk, "n": nonce}, salt=salt, compress=True)


def read_link(salt: str, token: str, max_age: int = MAX_AGE) -> tuple[Any, Any]:
    """(pk, nonce) of a token; raises LinkError("expired" | "invalid").

    The caller loads the object and raises LinkError("used") when its current
    nonce differs: that is what makes the link one-time.
    """
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkError("expired") from exc
    except signing.BadSignature as exc:
        raise LinkError("invalid") from exc
    if not isinstance(data, dict):
        raise LinkError("invalid")
    return data.get("p"), data.get("n")
