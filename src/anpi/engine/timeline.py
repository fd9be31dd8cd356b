"""Timeline entries: staff see every step and every message of a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import translation

from .models import Check, TimelineEntry


def in_site_language(text: Any) -> str:
    """Timeline text is stored once for every reader, in the site's language
    (Japanese), whatever language the staff member who caused it uses.

    ``text`` may be a lazy string or a callable (``task.get_kind_display``
    translates when called, so it must be called inside the override)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text() if callable(text) else text)


def record(
    person: Any,
    kind: str,
    text: str,
    at: datetime,
    check: Check | None = None,
    *,
    actor: Any = None,
    **data: Any,
) -> TimelineEntry:
    """Append an entry to ``person``'s timeline. ``actor`` (a
    ``tenants.actors.Actor``) names who caused it; it is kept in ``data``."""
    if actor is not None:
        data["actor"] = actor.as_data()
    return TimelineEntry.objects.create(
        tenant_id=person.tenant_id,
        person=person,
        check_run=check,
        at=at,
        kind=kind,
        text=text,
        data=data,
    )
