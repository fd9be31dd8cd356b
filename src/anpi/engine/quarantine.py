"""The poison-row rule: a row that raises in a batch job is set aside alone.

Every batch job (plan, advance, ingest, deliver) catches an exception per row,
calls ``quarantine`` in a transaction of its own (the failed one has rolled
back) and goes on with the rest of its batch. One tenant's bad policy or one
malformed event never stops the work for anyone else. A quarantined row is
never silent: ``anpi health`` and /healthz list it (so the health incident
e-mails staff and the dashboard shows the banner) until it is resolved.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, F

from .models import Quarantine

log = logging.getLogger(__name__)


def quarantine(
    kind: str, object_id: int, error: BaseException | str, now: datetime, tenant_id: int | None = None
) -> None:
    """Record (or count again) an open quarantine of row ``object_id`` of
    ``kind`` (``Quarantine.Kind``). Never raises: it runs on the error path."""
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    try:
        with transaction.atomic():
            bumped = Quarantine.objects.filter(
                kind=kind, object_id=object_id, resolved_at__isnull=True
            ).update(count=F("count") + 1, last_at=now, error=text[:2000])
            if not bumped:
                Quarantine.objects.create(
                    tenant_id=tenant_id,
                    kind=kind,
                    object_id=object_id,
                    error=text[:2000],
                    first_at=now,
                    last_at=now,
                )
                log.error("quarantined %s %s: %s", kind, object_id, text)
    except IntegrityError:
        pass  # another worker recorded it at the same moment
    except Exception:  # noqa: BLE001 - the error path must not raise
        log.exception("could not record the quarantine of %s %s", kind, object_id)


def resolve(kind: str, object_id: int, now: datetime) -> int:
    """The row worked again (or staff fixed it): close its open quarantine."""
    return Quarantine.objects.filter(
        kind=kind, object_id=object_id, resolved_at__isnull=True
    ).update(resolved_at=now)


def open_counts() -> dict[str, int]:
    """{kind: number of open quarantines} for health reports."""
    rows = (
        Quarantine.objects.filter(resolved_at__isnull=True)
        .values("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    return dict(rows)
