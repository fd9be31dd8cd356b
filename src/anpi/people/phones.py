"""Phone numbers as people read and dial them in Japan."""

from __future__ import annotations

import phonenumbers


def display_phone(value: str) -> str:
    """Stored E.164 (+819012345678) as written in Japan (090-1234-5678); foreign
    numbers keep their international form; anything unparsable is shown as is."""
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, "JP")
    except phonenumbers.NumberParseException:
        return value
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 81
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def phone_lookup_key(value: str) -> str:
    """The canonical digits searched for (``tenants.crypto.lookup_hash``): the
    E.164 number without "+" (090-1234-5678, ０９０１２３４５６７８ and
    +81 90 1234 5678 all give "819012345678"); "" for nothing number-like.
    Anything phonenumbers cannot parse falls back to its digits."""
    from .textnorm import normalize_phone_text

    text = normalize_phone_text(value or "")
    try:
        number = phonenumbers.parse(text, "JP")
    except phonenumbers.NumberParseException:
        return "".join(ch for ch in text if ch.isdigit())
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+")


def email_lookup_key(value: str) -> str:
    """The canonical e-mail address searched for: ``textnorm.normalize_email``,
    then lower-cased whole (the local part's case never tells two people apart
    in practice); "" for an empty value."""
    from .textnorm import InvalidEmail, normalize_email

    value = (value or "").strip()
    if not value:
        return ""
    try:
        value = normalize_email(value)
    except InvalidEmail:
        pass
    return value.lower()
