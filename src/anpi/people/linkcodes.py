"""The codes by which an emergency contact links LINE, and consent-link expiry.

A contact who agreed to be a contact can receive alerts by LINE: they friend the
account and send their link code. Whoever sends the right code receives that
person's alerts and learns their name, so the code must be impossible to guess:

- format ``<contact id>-<secret>``, e.g. ``1234-K7QX2MPA``: the secret is 8
  characters of a 32-symbol alphabet without look-alikes (32**8 ≈ 1.1e12);
- it expires ``CODE_LIFETIME`` after it was issued and works once;
- a LINE user may get ``MAX_USER_FAILURES`` codes wrong per hour, then is
  refused for the rest of the hour;
- a contact's code is revoked after ``MAX_CONTACT_FAILURES`` wrong secrets for
  that contact id (the service's staff issue a new one).

With those limits a guesser expects to need ~10**11 hours. Codes are typed in
any width and with any dash (``textnorm.normalize_input``).

A person staff enrolled without LINE (dashboard registration, CSV import) gets
a code of the same shape and the same limits for their own account, sent with
the word 「とうろく」 (``parse_person``: the word is required, so that the two
kinds of code can never be taken for each other). It is printed on a sheet that
is handed over or posted, so it lasts ``PERSON_CODE_LIFETIME`` instead of a day.
"""

from __future__ import annotations

import hmac
import re
import secrets
from datetime import datetime, timedelta

from .textnorm import normalize_input

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
SECRET_LENGTH = 8
CODE_LIFETIME = timedelta(hours=24)
MAX_USER_FAILURES = 5
MAX_CONTACT_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=1)
# A person's own sheet goes by post or at a visit: a day would be too short.
PERSON_CODE_LIFETIME = timedelta(days=30)
PERSON_CODE_WORD = "とうろく"
# The consent page (/p/c/<token>/) link: it reaches a stranger's inbox, so it ends.
CONSENT_LINK_LIFETIME = timedelta(days=14)

_CODE = re.compile(
    r"^(?:(?:れんらく|連絡|レンラク)(?:さき|先)?(?:こーど|コード)?|code)?\s*[:：]?\s*"
    r"(\d{1,9})\s*-\s*([A-Z2-9]{4})\s*-?\s*([A-Z2-9]{4})\s*[。.!！]?$",
    re.IGNORECASE,
)

_PERSON_CODE = re.compile(
    r"^(?:とうろく|登録|トウロク)(?:こーど|コード)?\s*[:：]?\s*"
    r"(\d{1,9})\s*-\s*([A-Z2-9]{4})\s*-?\s*([A-Z2-9]{4})\s*[。.!！]?$",
    re.IGNORECASE,
)


def new_code(contact_id: int) -> str:
    """A fresh code for contact (or person) ``contact_id``: ``"1234-K7QX2MPA"``."""
    secret = "".join(secrets.choice(ALPHABET) for _ in range(SECRET_LENGTH))
    return f"{contact_id}-{secret}"


def display(code: str) -> str:
    """The code as printed for people: ``1234-K7QX-2MPA``."""
    contact_id, _, secret = code.partition("-")
    return f"{contact_id}-{secret[:4]}-{secret[4:]}" if len(secret) == 8 else code


def parse(text: str) -> tuple[int, str] | None:
    """(contact id, secret) of a typed code, or None if the text is not one.

    Accepts 「1234-K7QX-2MPA」, 「れんらく １２３４ーｋ７ｑｘ２ｍｐａ」, with or
    without the inner hyphen, in any case and width."""
    return _parse(_CODE, text)


def parse_person(text: str) -> tuple[int, str] | None:
    """(person id, secret) of a person's own code, or None if the text is not
    one: 「とうろく 1234-K7QX-2MPA」 (the word first, then the code, as
    ``person_code_text`` writes it), in any case and width."""
    return _parse(_PERSON_CODE, text)


def person_code_text(code: str) -> str:
    """The message a person sends to link LINE: 「とうろく 1234-K7QX-2MPA」."""
    return f"{PERSON_CODE_WORD} {display(code)}"


def _parse(pattern: re.Pattern[str], text: str) -> tuple[int, str] | None:
    match = pattern.match(normalize_input(text or ""))
    if match is None:
        return None
    secret = (match.group(2) + match.group(3)).upper()
    if any(c not in ALPHABET for c in secret):
        return None
    return int(match.group(1)), secret


def secret_matches(stored_code: str, secret: str) -> bool:
    """Constant-time comparison of a typed secret with the stored code's."""
    stored_secret = stored_code.partition("-")[2]
    return bool(stored_secret) and hmac.compare_digest(stored_secret, secret)


def consent_link_expired(issued_at: datetime | None, now: datetime) -> bool:
    """Whether a consent link issued at ``issued_at`` has expired (links issued
    before issue times were recorded count from the migration: never None here
    for new contacts)."""
    return issued_at is not None and now > issued_at + CONSENT_LINK_LIFETIME
