"""Words staff read: schedules, statuses, task kinds, consent.

All strings use the message context "dashboard" so that they never clash with
msgids of other apps in the shared ``locale/ja`` catalogue.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext, pgettext_lazy

CTX = "dashboard"

WEEKDAY_ABBR = [
    pgettext_lazy(CTX, "Mon"),
    pgettext_lazy(CTX, "Tue"),
    pgettext_lazy(CTX, "Wed"),
    pgettext_lazy(CTX, "Thu"),
    pgettext_lazy(CTX, "Fri"),
    pgettext_lazy(CTX, "Sat"),
    pgettext_lazy(CTX, "Sun"),
]

# Person.status -> the label staff see next to a grey light.
PERSON_STATUS = {
    "registering": pgettext_lazy(CTX, "Registering"),
    "active": pgettext_lazy(CTX, "Active"),
    "blocked": pgettext_lazy(CTX, "Blocked"),
    "stopped": pgettext_lazy(CTX, "Stopped"),
}

LIGHTS = {
    "red": pgettext_lazy(CTX, "Needs a call"),
    "yellow": pgettext_lazy(CTX, "Waiting for the answer"),
    "green": pgettext_lazy(CTX, "Fine"),
    "grey": pgettext_lazy(CTX, "Not being checked"),
}

TASK_KIND = {
    "call_person": pgettext_lazy(CTX, "Phone the person"),
    "call_contact": pgettext_lazy(CTX, "Phone the emergency contact"),
    "decide": pgettext_lazy(CTX, "Decide what comes next"),
}

TASK_STATE = {
    "open": pgettext_lazy(CTX, "Open"),
    "done": pgettext_lazy(CTX, "Done"),
    "cancelled": pgettext_lazy(CTX, "Cancelled"),
    "expired": pgettext_lazy(CTX, "Deadline passed"),
}

OUTCOME = {
    "safe": pgettext_lazy(CTX, "Talked to the person: safe"),
    "unreachable": pgettext_lazy(CTX, "Could not reach"),
    "other": pgettext_lazy(CTX, "Other (note)"),
}


def schedule_words(person: Any) -> str:
    """毎日 9:00 / 月・水・金 18:30 / 3日ごと 9:00 (or the English equivalent)."""
    if person.check_time is None:
        return pgettext(CTX, "Not set")
    at = f"{person.check_time.hour}:{person.check_time.minute:02d}"
    if person.schedule_kind == "weekdays":
        days = sorted({int(d) for d in person.weekdays.split(",") if d.strip().isdigit()})
        names = pgettext(CTX, ", ").join(str(WEEKDAY_ABBR[d]) for d in days if 0 <= d <= 6)
        when = names or pgettext(CTX, "No weekday chosen")
    elif person.interval_days == 1:
        when = pgettext(CTX, "Daily")
    else:
        when = pgettext(CTX, "Every %(days)s days") % {"days": person.interval_days}
    if person.skip_holidays:
        when += pgettext(CTX, " (not on holidays)")
    return f"{when} {at}"


def contact_consent(contact: Any) -> tuple[str, str]:
    """(css class, label) for a contact's consent."""
    if contact.declined_at is not None:
        return "declined", str(pgettext_lazy(CTX, "Declined"))
    if contact.confirmed_at is not None:
        return "confirmed", str(pgettext_lazy(CTX, "Consented"))
    return "pending", str(pgettext_lazy(CTX, "Waiting for consent"))


def user_label(user: Any) -> str:
    if user is None:
        return pgettext(CTX, "someone")
    return user.get_full_name() or user.get_username()
