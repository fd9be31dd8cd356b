"""Words staff read: schedules, statuses, task kinds, consent.

All strings use the message context "dashboard" so that they never clash with
msgids of other apps in the shared ``locale/ja`` catalogue.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import pgettext, pgettext_lazy

from anpi.people.schedule_words import for_staff as schedule_for_staff

CTX = "dashboard"

schedule_words = schedule_for_staff  # the one place: anpi.people.schedule_words


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
    "new": pgettext_lazy(CTX, "New"),
    "settled": pgettext_lazy(CTX, "Settled by staff or others"),
}



def light_label(light: str, status: str) -> str:
    """The words next to a person's light. A grey light of a person still
    registering says checks have not started (「確認開始前」), not that they
    were stopped: nothing was ever stopped for them."""
    if light == "grey" and status == "registering":
        return str(pgettext_lazy(CTX, "Checks not started yet"))
    return str(LIGHTS[light])


TASK_KIND = {
    "call_person": pgettext_lazy(CTX, "Phone the person"),
    "call_contact": pgettext_lazy(CTX, "Phone the emergency contact"),
    "decide": pgettext_lazy(CTX, "Decide what comes next"),
    "visit": pgettext_lazy(CTX, "Visit the person"),
    "follow_up": pgettext_lazy(CTX, "Follow up (not urgent)"),
}

# Check.answer_grade: how the person said they are (graded answers).
ANSWER_GRADE = {
    "ok": pgettext_lazy(CTX, "Answered: fine"),
    "unwell": pgettext_lazy(CTX, "A little unwell"),
    "talk": pgettext_lazy(CTX, "Wants to talk"),
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
    "safe_contact": pgettext_lazy(CTX, "Heard from a contact: safe"),
    "visit": pgettext_lazy(CTX, "Decided: visit"),
    "police": pgettext_lazy(CTX, "Called the police / fire service"),
    "away": pgettext_lazy(CTX, "In hospital or away"),
    "not_found": pgettext_lazy(CTX, "Visited: could not see the person"),
}


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


# A friend who never finished registering is not watched: staff should know.
STUCK_REGISTERING = timedelta(days=int(os.environ.get("ANPI_STUCK_REGISTERING_DAYS", "3")))


def registration_stuck(person: Any, now: datetime) -> str:
    """Why staff should look at a person who is still ``registering`` after
    ``STUCK_REGISTERING`` (e.g. the greeting never reached them), or ""."""
    if person.status != "registering" or person.created_at is None:
        return ""
    waiting = now - person.created_at
    if waiting < STUCK_REGISTERING:
        return ""
    return pgettext(
        CTX,
        "Registration not finished for %(days)s days: resend the settings link or call",
    ) % {"days": waiting.days}
