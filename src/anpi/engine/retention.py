"""Retention: erasing a person's personal data, and pruning raw webhook bodies.

Both keep the statistics (how many checks, when answered, which tasks and
their outcomes) and drop what identifies or describes a person.

``erase_person`` (利用停止・消去, and ``anpi prune`` after the retention period):

1. lock the person; cancel open checks (with their tasks) and expire messages
   still waiting in the outbox;
2. blank the person's names, phone, notes and health notes, LINE user id and
   settings nonce; set ``erased_at``; status stays (``blocked`` / ``stopped``),
   and an ``active`` person becomes ``stopped``;
3. delete contacts (third parties' data), pauses (reasons) and link-code attempts;
   close open consents (``erased``; the consent records stay: purposes and dates);
4. blank the texts of the timeline (kind and time stay), task notes and reasons,
   and the payloads and addresses of the person's outbox rows;
5. reduce the person's raw webhook events in the inbox to stubs (``inbox_stub``).

``prune(now)`` (``anpi prune``, for cron): per tenant, erase persons blocked or
withdrawn more than ``tenant.erase_after_days`` ago and not yet erased, and stub
processed inbox rows older than ``tenant.inbox_keep_days``. Batched (one
transaction per person, per inbox batch), idempotent (erased persons and stubbed
rows are skipped), driven by the engine clock.

Not covered here: free text the group service keeps on its own rows (an
alert's note, ``groups.Alert.note``): the engine does not reach into services.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from anpi.people import consent as consents
from anpi.people.models import LinkCodeAttempt, Person
from anpi.tenants import audit
from anpi.tenants.actors import SYSTEM, Actor
from anpi.tenants.models import Tenant

from .models import Check, Inbox, Outbox, Task, TimelineEntry

ERASED_TEXT = "（消去済み）"
PRUNED_KEY = "anpiPruned"
BATCH = 200
# The Person columns that name or reach the person: blanked by erase_person
# (the roster's 氏名 and フリガナ too; statistics stay).
PERSONAL_FIELDS = (
    "nickname",
    "display_name",
    "full_name",
    "name_kana",
    "phone",
    "notes",
    "health_notes",
    "line_user_id",
)


def inbox_stub(event: dict[str, Any]) -> dict[str, Any]:
    """A webhook event reduced to its ids and type: ``type``,
    ``webhookEventId``, ``timestamp``, ``mode``, the source's type (and group
    or room id, not the user id), the message's id and type; ``anpiPruned``."""
    source = event.get("source") or {}
    stub: dict[str, Any] = {
        key: event[key] for key in ("type", "webhookEventId", "timestamp", "mode") if key in event
    }
    stub["source"] = {k: source[k] for k in ("type", "groupId", "roomId") if k in source}
    message = event.get("message")
    if isinstance(message, dict):
        stub["message"] = {k: message[k] for k in ("id", "type") if k in message}
    stub[PRUNED_KEY] = True
    return stub


@dataclass
class EraseResult:
    person_id: int
    counts: dict[str, int] = field(default_factory=dict)


@transaction.atomic
def erase_person(person: Person, now: datetime, *, actor: Actor, reason: str) -> EraseResult:
    """Erase ``person``'s personal data (module docstring, steps 1–5) and write
    the audit row ``person.erase`` with ``reason`` (``request`` | ``retention``).
    Running it again on an erased person only rewrites blanks."""
    from .tasks import close_check

    person = Person.objects.select_for_update().get(pk=person.pk)
    counts: dict[str, int] = {}
    for check in Check.objects.filter(person=person, state=Check.State.OPEN):
        close_check(check, state=Check.State.CANCELLED, reason="erased", now=now)
    Outbox.objects.filter(person=person, state=Outbox.State.PENDING).update(
        state=Outbox.State.EXPIRED, last_error="erased"
    )
    line_user_id, channel_id = person.line_user_id, person.channel_id
    if person.status in (Person.Status.ACTIVE, Person.Status.REGISTERING):
        person.status = Person.Status.STOPPED
    for name in PERSONAL_FIELDS:
        setattr(person, name, "")
    person.settings_nonce = secrets.token_urlsafe(12)
    person.next_check_at = None
    person.consent_at = None
    person.erased_at = now
    person.save(
        update_fields=[
            "status",
            *PERSONAL_FIELDS,
            "settings_nonce",
            "next_check_at",
            "consent_at",
            "erased_at",
        ]
    )
    consents.withdraw_person_consent(person, now, via="erased")
    for contact in person.contacts.all():
        consents.withdraw_contact_consent(contact, now, via="erased")
    counts["contacts"] = person.contacts.all().delete()[0]
    counts["pauses"] = person.pauses.all().delete()[0]
    counts["timeline"] = TimelineEntry.objects.filter(person=person).update(
        text=ERASED_TEXT, data={}
    )
    counts["tasks"] = Task.objects.filter(person=person).update(note="", reason="")
    counts["outbox"] = Outbox.objects.filter(person=person).update(
        payload={"erased": True}, recipient="", reply_token=""
    )
    if line_user_id and channel_id:
        LinkCodeAttempt.objects.filter(channel_id=channel_id, line_user_id=line_user_id).delete()
        events = Inbox.objects.filter(channel_id=channel_id, event__source__userId=line_user_id)
        counts["inbox"] = 0
        while done := _stub_rows(events):
            counts["inbox"] += done
    audit.record(person.tenant_id, actor, "person.erase", person, now, reason=reason, erased=counts)
    return EraseResult(person.pk, counts)


def _stub_rows(rows: Any) -> int:
    todo = list(rows.exclude(event__has_key=PRUNED_KEY).only("id", "event")[:BATCH])
    for row in todo:
        row.event = inbox_stub(row.event)
    Inbox.objects.bulk_update(todo, ["event"])
    return len(todo)


def persons_due_for_erasure(tenant: Tenant, now: datetime) -> Any:
    """The tenant's persons blocked or withdrawn ≥ ``erase_after_days`` ago,
    not yet erased."""
    cutoff = now - timedelta(days=tenant.erase_after_days)
    blocked = Q(status=Person.Status.BLOCKED, blocked_at__lte=cutoff)
    withdrawn = Q(status=Person.Status.STOPPED, consent_withdrawn_at__lte=cutoff)
    return Person.objects.filter(blocked | withdrawn, tenant=tenant, erased_at__isnull=True)


def prune(
    now: datetime, *, batch_size: int = BATCH, progress: Callable[[str], Any] = lambda s: None
) -> dict[str, int]:
    """One pass of retention over every tenant; returns {"erased": n, "inbox": n}.

    Safe to run from cron at any interval and concurrently with the worker:
    each erasure locks its person, inbox rows are stubbed only once processed.
    """
    totals = {"erased": 0, "inbox": 0}
    for tenant in Tenant.objects.order_by("pk"):
        while True:
            ids = list(
                persons_due_for_erasure(tenant, now).values_list("pk", flat=True)[:batch_size]
            )
            if not ids:
                break
            for person in Person.objects.filter(pk__in=ids):
                erase_person(person, now, actor=SYSTEM, reason="retention")
                totals["erased"] += 1
            progress(
                f"{tenant.slug}: erased {len(ids)} persons after {tenant.erase_after_days} days"
            )
        cutoff = now - timedelta(days=tenant.inbox_keep_days)
        old = Inbox.objects.filter(
            tenant=tenant, processed_at__isnull=False, received_at__lte=cutoff
        ).order_by("pk")
        while True:
            with transaction.atomic():
                done = _stub_rows(old)
            if not done:
                break
            totals["inbox"] += done
            progress(
                f"{tenant.slug}: pruned {done} webhook bodies older than {tenant.inbox_keep_days} days"
            )
    return totals
