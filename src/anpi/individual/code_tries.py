"""The guessing limits shared by the two kinds of LINE link code: a contact's
(``contact_link``) and a staff-enrolled person's own (``person_link``).

A LINE user who sent ``linkcodes.MAX_USER_FAILURES`` wrong codes within
``linkcodes.FAILURE_WINDOW`` is refused for a while, whatever code they send;
one code (a Contact's or a Person's, both with the fields of ``CODE_FIELDS``)
guessed wrong ``linkcodes.MAX_CONTACT_FAILURES`` times is revoked. Every try
is recorded (``people.LinkCodeAttempt``). The callers lock the code's row and
write what staff see on the timeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import F

from anpi.people import linkcodes
from anpi.people.models import LinkCodeAttempt
from anpi.tenants.models import LineChannel

# The code's columns on Contact and on Person alike.
CODE_FIELDS = ["link_code", "link_code_expires_at", "link_code_failures"]


def clear_code(holder: Any) -> None:
    """Forget ``holder``'s code (unsaved: the caller saves ``CODE_FIELDS``)."""
    holder.link_code = ""
    holder.link_code_expires_at = None
    holder.link_code_failures = 0


def user_locked_out(channel: LineChannel, line_user_id: str, now: datetime) -> bool:
    """Whether this LINE user got too many codes wrong in the last window."""
    recent = LinkCodeAttempt.objects.filter(
        channel=channel,
        line_user_id=line_user_id,
        ok=False,
        at__gt=now - linkcodes.FAILURE_WINDOW,
    ).count()
    return recent >= linkcodes.MAX_USER_FAILURES


def record_try(channel: LineChannel, line_user_id: str, now: datetime, ok: bool) -> None:
    LinkCodeAttempt.objects.create(
        tenant_id=channel.tenant_id, channel=channel, line_user_id=line_user_id, at=now, ok=ok
    )


def count_wrong_secret(holder: Any) -> bool:
    """One more wrong secret for ``holder``'s code (a locked Contact or Person).
    Returns True when that reached the limit and the code is now revoked
    (cleared and saved); the caller tells staff on the timeline."""
    type(holder).objects.filter(pk=holder.pk).update(link_code_failures=F("link_code_failures") + 1)
    holder.refresh_from_db(fields=["link_code_failures"])
    if holder.link_code_failures < linkcodes.MAX_CONTACT_FAILURES:
        return False
    clear_code(holder)
    holder.save(update_fields=CODE_FIELDS)
    return True
