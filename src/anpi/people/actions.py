"""Creating watched persons: the one place a ``Person`` row is made.

Services call ``create_person`` inside their own ``do_*`` action, which writes
the timeline entry with the actor (people sits below the engine and its
timeline). Every service's persons are made the same way, so a rule added here
(consent, encryption, limits) holds for all of them.
"""

from __future__ import annotations

from typing import Any

from .models import Person


def create_person(
    *, tenant_id: int, channel: Any, line_user_id: str = "", display_name: str = "", **fields: Any
) -> Person:
    """A new person of ``tenant_id`` on ``channel`` (may be None for a person
    staff enrol without LINE). ``fields``: any other ``Person`` field
    (``status``, ``consent_at``, ``nickname`` …); status defaults to
    ``registering``."""
    return Person.objects.create(
        tenant_id=tenant_id,
        channel=channel,
        line_user_id=line_user_id,
        display_name=display_name,
        **fields,
    )


def lock_or_create_line_person(channel: Any, line_user_id: str, display_name: str = "") -> tuple[Person, bool]:
    """The person of a LINE user on ``channel``, locked (``FOR UPDATE``), made
    if new (status ``registering``). Returns (person, created). The unique key
    (channel, line_user_id) makes two racing follows end with one person."""
    return Person.objects.select_for_update().get_or_create(
        channel=channel,
        line_user_id=line_user_id,
        defaults={"tenant_id": channel.tenant_id, "display_name": display_name},
    )
