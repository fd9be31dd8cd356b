"""A schedule in words: one place for what a person is told and what staff read.

Works on anything with the schedule fields of ``Person`` and ``Group``
(``check_time``, ``schedule_kind``, ``interval_days``, ``weekdays``,
``skip_holidays``). The time is always ``check_time`` itself, formatted one way
(``9:00``), so the time a person is told is the time they are asked.

- ``for_person``: やさしい日本語 msgids (English from ``locale/en``), for chats
  and the mobile pages: 「まいにち 9:00」「まいしゅう げつ・すい の 18:30」.
- ``for_staff``: the dashboard's words: 「毎日 9:00」 / "Mon, Wed, Fri 18:30".
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import pgettext, pgettext_lazy

STAFF = "dashboard"  # the dashboard's translation context

PERSON_WEEKDAYS = [
    pgettext_lazy("summary", "げつ"),
    pgettext_lazy("summary", "か"),
    pgettext_lazy("summary", "すい"),
    pgettext_lazy("summary", "もく"),
    pgettext_lazy("summary", "きん"),
    pgettext_lazy("summary", "ど"),
    pgettext_lazy("summary", "にち"),
]
STAFF_WEEKDAYS = [
    pgettext_lazy(STAFF, "Mon"),
    pgettext_lazy(STAFF, "Tue"),
    pgettext_lazy(STAFF, "Wed"),
    pgettext_lazy(STAFF, "Thu"),
    pgettext_lazy(STAFF, "Fri"),
    pgettext_lazy(STAFF, "Sat"),
    pgettext_lazy(STAFF, "Sun"),
]


def clock_time(value: Any) -> str:
    """``9:00``, ``18:30`` (hours without a leading zero, as people say them)."""
    return f"{value.hour}:{value.minute:02d}"


def weekdays_of(obj: Any) -> list[int]:
    """The chosen weekdays, 0 = Monday … 6 = Sunday, sorted, invalid ones dropped."""
    found = {int(d) for d in (obj.weekdays or "").split(",") if d.strip().isdigit()}
    return sorted(d for d in found if 0 <= d <= 6)


def for_person(obj: Any) -> str:
    """「まいにち 9:00」, 「3にちに 1かい 9:00」, 「まいしゅう げつ・すい の 18:30」;
    "" when no time is set."""
    parts = person_parts(obj)
    return f"{parts[0]} {parts[1]}" if parts else ""


def person_parts(obj: Any) -> tuple[str, str] | None:
    """(when, at) of ``for_person``, for sentences that place them apart."""
    if obj.check_time is None:
        return None
    at = clock_time(obj.check_time)
    if obj.schedule_kind == "weekdays":
        days = pgettext("summary", "・").join(str(PERSON_WEEKDAYS[d]) for d in weekdays_of(obj))
        when = pgettext("summary", "まいしゅう %(days)s の") % {"days": days}
    elif obj.interval_days == 1:
        when = pgettext("summary", "まいにち")
    elif obj.interval_days == 7:
        when = pgettext("summary", "1しゅうかんに 1かい")
    else:
        when = pgettext("summary", "%(n)sにちに 1かい") % {"n": obj.interval_days}
    return when, at


def for_staff(obj: Any) -> str:
    """毎日 9:00 / 月・水・金 18:30 / 3日ごと 9:00 (or the English equivalent)."""
    if obj.check_time is None:
        return pgettext(STAFF, "Not set")
    at = clock_time(obj.check_time)
    if obj.schedule_kind == "weekdays":
        names = pgettext(STAFF, ", ").join(str(STAFF_WEEKDAYS[d]) for d in weekdays_of(obj))
        when = names or pgettext(STAFF, "No weekday chosen")
    elif obj.interval_days == 1:
        when = pgettext(STAFF, "Daily")
    else:
        when = pgettext(STAFF, "Every %(days)s days") % {"days": obj.interval_days}
    if obj.skip_holidays:
        when += pgettext(STAFF, " (not on holidays)")
    return f"{when} {at}"
