"""Signed one-time links: the one signer behind every secret link anpi sends.

A token carries an object's id and its current ``settings_nonce`` (signed with
Django's ``signing`` under a salt per kind of link). Saving through the link
rotates the nonce, so a link works once; links also expire after ``MAX_AGE``
seconds, counted on anpi's clock (the caller passes ``now``), so that a link
expires on the demo's fast clock and on a test's fixed clock as it would in a
week of real time. The individual service (a person's settings page) and つながり (a
group's schedule page) both sign with ``sign_link`` and read with ``read_link``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core import signing

MAX_AGE = 7 * 24 * 3600


class LinkError(Exception):
    """The link is ``expired``, ``invalid`` (forged or damaged) or ``used``."""


class _ClockSigner(signing.TimestampSigner):
    """Django's TimestampSigner with the time taken from anpi's clock instead of
    ``time.time()``; the token format is unchanged, so links already sent work."""

    def __init__(self, salt: str, now: datetime) -> None:
        super().__init__(salt=salt)
        self._at = now.timestamp()

    def timestamp(self) -> str:
        return signing.b62_encode(int(self._at))

    def unsign(self, value: str, max_age: float | None = None) -> str:  # type: ignore[override]
        result = signing.Signer.unsign(self, value)
        value, stamp = result.rsplit(self.sep, 1)
        age = self._at - signing.b62_decode(stamp)
        if max_age is not None and age > max_age:
            raise signing.SignatureExpired(f"Signature age {age} > {max_age} seconds")
        return value


def sign_link(salt: str, pk: int, nonce: str, *, now: datetime) -> str:
    """A URL-safe token for object ``pk`` at nonce ``nonce``, stamped with ``now``
    (anpi's clock: ``engine.clock.get_clock().now()`` in the caller)."""
    return _ClockSigner(salt, now).sign_object({"p": pk, "n": nonce}, compress=True)


def read_link(salt: str, token: str, max_age: int = MAX_AGE, *, now: datetime) -> tuple[Any, Any]:
    """(pk, nonce) of a token; raises LinkError("expired" | "invalid").

    ``max_age`` is in seconds, measured from the token's stamp to ``now``. The
    caller loads the object and raises LinkError("used") when its current nonce
    differs: that is what makes the link one-time.
    """
    try:
        data = _ClockSigner(salt, now).unsign_object(token, max_age=max_age)
    except signing.SignatureExpired as exc:
        raise LinkError("expired") from exc
    except signing.BadSignature as exc:
        raise LinkError("invalid") from exc
    if not isinstance(data, dict):
        raise LinkError("invalid")
    return data.get("p"), data.get("n")
