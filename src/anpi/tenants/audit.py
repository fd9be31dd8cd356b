"""The audit log: an append-only record of changes to a tenant's set-up.

``record`` is called inside the action's transaction, so the audit row exists
iff the change committed. Rows are never updated or deleted through the app
(``AuditEntry.save`` refuses an update, ``delete`` refuses outright).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .actors import Actor
from .models import AuditEntry


def record(
    tenant_id: int, actor: Actor, action: str, obj: Any, at: datetime, **detail: Any
) -> AuditEntry:
    """Append one row: ``action`` is a dotted verb (``team.create``), ``obj`` the
    model instance changed (its type and id are kept), ``detail`` JSON."""
    return AuditEntry.objects.create(
        tenant_id=tenant_id,
        at=at,
        actor_kind=actor.kind,
        actor_user=actor.user,
        actor_line_user_id=actor.line_user_id,
        actor_label=actor.label,
        action=action,
        object_type=type(obj).__name__ if obj is not None else "",
        object_id=str(getattr(obj, "pk", "") or ""),
        detail=detail,
    )
