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
