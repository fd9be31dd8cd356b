"""Template filters for the staff UI."""

from __future__ import annotations

from django import template

from anpi.people.phones import display_phone

register = template.Library()

# Staff dial Japanese numbers as written in Japan (090-1234-5678).
phone_display = register.filter("phone_display", display_phone)
