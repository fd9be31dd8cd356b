"""Timeline entries: staff see every step and every message of a person."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .models import Check, TimelineEntry


def record(
    person: Any,
    kind: str,
    text: str,
    at: datetime,
    check: Check | None = None,
    **data: Any,
) -> TimelineEntry:
    return TimelineEntry.objects.create(
        tenant_id=person.tenant_id,
        person=person,
        check_run=check,
        at=at,
        kind=kind,
        text=text,
        data=data,
    )
