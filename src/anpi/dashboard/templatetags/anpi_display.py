"""Template filters for the staff UI."""

from __future__ import annotations

import phonenumbers
from django import template

register = template.Library()


@register.filter
def phone_display(value: str) -> str:
    """Stored E.164 (+819012345678) as staff dial it in Japan (090-1234-5678);
    foreign numbers keep their international form."""
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
