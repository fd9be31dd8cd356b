"""A tenant admin changes the tenant's own settings: the name and phone number
that every alert to contacts, groups and teams gives, where staff alerts are
e-mailed, the LINE plan the cost guard counts against, and how long personal
data is kept.

``do_update_tenant`` is the one way these change outside ``anpi createtenant``:
one transaction and one audit row naming the fields changed (old and new values;
none of them is personal data).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from . import audit
from .actors import Actor
from .models import Tenant

FIELDS = (
    "name",
    "phone",
    "staff_email",
    "line_plan",
    "line_monthly_limit",
    "identical_at_percent",
    "menu_hint_days",
    "erase_after_days",
    "inbox_keep_days",
)


def do_update_tenant(tenant: Tenant, data: dict[str, Any], actor: Actor, now: datetime) -> list[str]:
    """Apply the validated ``data`` (keys of ``FIELDS``) to ``tenant``.

    Returns the names of the fields that changed (empty: nothing was saved and
    nothing audited). Raises nothing of its own; the caller validates first.
    """
    changed = {
        name: (getattr(tenant, name), data[name])
        for name in FIELDS
        if name in data and getattr(tenant, name) != data[name]
    }
    if not changed:
        return []
    with transaction.atomic():
        for name, (_old, new) in changed.items():
            setattr(tenant, name, new)
        tenant.save(update_fields=list(changed))
        audit.record(
            tenant.pk,
            actor,
            "tenant.settings",
            tenant,
            now,
            changes={name: [old, new] for name, (old, new) in changed.items()},
        )
    return list(changed)
