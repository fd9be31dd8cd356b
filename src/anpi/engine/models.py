"""The engine's tables: checks, human tasks, outbox, inbox and the timeline.

Concurrency rules are in docs/engine.md. In short: a check changes state only
through a compare-and-set on ``version`` (engine.advance, engine.answer); outbox
and inbox rows are claimed with a lease (engine.deliver, engine.ingest).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from anpi.people.models import Contact, Person
from anpi.tenants.models import LineChannel, Tenant

RETRY_KEY_NAMESPACE = uuid.UUID("6f0d5a52-4b1e-4a8e-9f62-0c5d1e7a3b21")


class Check(models.Model):
    """One cycle of asking one person "are you OK?" and escalating until known."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        RESOLVED = "resolved", _("Resolved by staff")
        CANCELLED = "cancelled", _("Cancelled")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="checks")
    due_at = models.DateTimeField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    # Index into ``policy`` of the next step to fire.
    step = models.PositiveSmallIntegerField(default=0)
    next_action_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)
    policy = models.JSONField()
    created_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    # How the person said they are (graded answers): "ok" (元気), "unwell"
    # (少し不調) or "talk" (話したい); blank when not answered or answered by staff.
    answer_grade = models.CharField(max_length=10, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        constraints = [
            # Invariant 1: each schedule occurrence yields exactly one check.
            models.UniqueConstraint(fields=["person", "due_at"], name="check_unique_occurrence")
        ]
        indexes = [
            # engine.advance._claim_due_checks: open checks whose next step is due.
            models.Index(
                fields=["next_action_at"], condition=Q(state="open"), name="check_due_idx"
            ),
            # dashboard people list / person page: a person's latest checks.
            models.Index(fields=["person", "-due_at"], name="check_person_recent_idx"),
            # dashboard.status.with_status and people_query._light_q: whether a
            # person has an open check (without it, every check of the person).
            models.Index(
                fields=["person"], condition=Q(state="open"), name="check_open_person_idx"
            ),
            # engine.tallies.answer_counts as the overview board (today) and the
            # pilot report (a month) call it: a tenant's checks due in a period.
            models.Index(fields=["tenant", "due_at"], name="check_tenant_due_idx"),
            # dashboard.overview.open_escalations: a tenant's open checks past a step.
            models.Index(
                fields=["tenant", "step"], condition=Q(state="open"), name="check_open_tenant_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"check {self.pk} of person {self.person_id} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.OPEN

    def current_action(self) -> str | None:
        """The action of the step that fired last (what the check is waiting on)."""
        index = self.fired_index()
        return None if index is None else self.policy[index]["action"]

    def fired_index(self) -> int | None:
        """Index into ``policy`` of the step that fired last, None before the first.

        Usually ``step - 1``; but the last step repeats in place (engine.advance),
        so at ``step == len(policy) - 1`` it has fired once it opened its decide
        task. A page listing many checks annotates ``decided`` (``decided_q``)
        so that this asks nothing more of the database."""
        decided = getattr(self, "decided", None)
        if decided is None and isinstance(self.policy, list) and self.step == len(self.policy) - 1:
            decided = self.tasks.filter(kind=Task.Kind.DECIDE).exists()
        return last_fired_index(self.policy, self.step, bool(decided))


class Task(models.Model):
    """A job for a human with a deadline. When the deadline passes the escalation goes on."""

    class Kind(models.TextChoices):
        CALL_PERSON = "call_person", _("Phone the person")
        CALL_CONTACT = "call_contact", _("Phone an emergency contact")
        DECIDE = "decide", _("Decide what comes next")
        VISIT = "visit", _("Visit the person")
        # Not an emergency: the person answered 少し不調 or 話したい (graded answers).
        FOLLOW_UP = "follow_up", _("Follow up (not urgent)")

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Deadline passed")

    class Outcome(models.TextChoices):
        SAFE = "safe", _("Talked to the person: safe")
        UNREACHABLE = "unreachable", _("Could not reach")
        OTHER = "other", _("Other (note)")
        # Decisions (「次の対応を決める」, engine.decisions) and a visit's result.
        SAFE_CONTACT = "safe_contact", _("Heard from a contact: safe")
        VISIT = "visit", _("Decided: visit")
        POLICE = "police", _("Called the police / fire service")
        AWAY = "away", _("In hospital or away")
        NOT_FOUND = "not_found", _("Visited: could not see the person")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    check_run = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="tasks")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="tasks")
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    reason = models.CharField(max_length=200, blank=True)
    deadline = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # Minutes staff spent on the phone for this task (timer or typed in); the pilot
    # report's staff-minutes figure sums it. None = not recorded.
    duration_minutes = models.PositiveIntegerField(null=True, blank=True)
    # Who took the task (claim/assign on the alerts board); None = nobody yet.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tasks",
    )

    class Meta:
        indexes = [
            # dashboard call queue: a tenant's open tasks, oldest deadline first.
            models.Index(
                fields=["tenant", "deadline"], condition=Q(state="open"), name="task_queue_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for person {self.person_id}"


class Outbox(models.Model):
    """A message to send. Rows are leased, sent, and recorded: at-least-once with
    an idempotency key (``retry_key``) so that LINE delivers at most once."""

    class State(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        # A member of a multicast row (``multicast``): sent, or failed, with it.
        GROUPED = "grouped", _("Grouped into a multicast")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    channel = models.ForeignKey(LineChannel, on_delete=models.CASCADE, null=True, blank=True)
    transport = models.CharField(max_length=10, default="line")  # line | email
    method = models.CharField(max_length=10, default="push")  # push | reply | multicast | email
    recipient = models.TextField()  # LINE id, comma-separated ids (multicast) or e-mail
    reply_token = models.CharField(max_length=200, blank=True)
    payload = models.JSONField()
    purpose = models.CharField(max_length=30)
    check_run = models.ForeignKey(Check, on_delete=models.SET_NULL, null=True, blank=True)
    person = models.ForeignKey(Person, on_delete=models.SET_NULL, null=True, blank=True)
    contact = models.ForeignKey(Contact, on_delete=models.SET_NULL, null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    leased_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Pending pushes of one channel with the same non-empty key carry identical
    # messages: engine.multicast sends them as multicast rows of <= 500 ids.
    coalesce_key = models.CharField(max_length=64, blank=True)
    multicast = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )

    class Meta:
        indexes = [
            # engine.deliver.claim_outbox_batch: rows waiting to be (re)sent.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state__in=["pending", "sending"]),
                name="outbox_due_idx",
            ),
            # engine.multicast.coalesce_identical_pushes: identical pushes to group.
            models.Index(
                fields=["channel", "coalesce_key", "id"],
                condition=Q(state="pending") & ~Q(coalesce_key=""),
                name="outbox_coalesce_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"outbox {self.pk} {self.transport}/{self.method} {self.purpose} [{self.state}]"

    @property
    def retry_key(self) -> str:
        """X-Line-Retry-Key: derived from the row, so every retry reuses it."""
        return str(uuid.uuid5(RETRY_KEY_NAMESPACE, f"{self.channel_id}:{self.pk}"))


class Inbox(models.Model):
    """A webhook event as received. Stored before the webhook answers 200."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    channel = models.ForeignKey(LineChannel, on_delete=models.CASCADE)
    webhook_event_id = models.CharField(max_length=64)
    event = models.JSONField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            # Duplicate and redelivered webhooks carry the same webhookEventId.
            models.UniqueConstraint(
                fields=["channel", "webhook_event_id"], name="inbox_unique_event"
            )
        ]
        indexes = [
            # engine.ingest.claim_inbox_batch: events not processed yet.
            models.Index(
                fields=["received_at"],
                condition=Q(processed_at__isnull=True),
                name="inbox_todo_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"inbox {self.webhook_event_id} ({self.event.get('type')})"


class TimelineEntry(models.Model):
    """What happened to a person, for staff: every step and every message."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="timeline")
    check_run = models.ForeignKey(Check, on_delete=models.SET_NULL, null=True, blank=True)
    at = models.DateTimeField()
    kind = models.CharField(max_length=40)
    text = models.TextField()
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["person", "-at"], name="timeline_person_idx")]
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.text}"


class WorkerHeartbeat(models.Model):
    """Each worker process beats here; `anpi health` reports stale ones."""

    name = models.CharField(max_length=100, unique=True)
    pid = models.IntegerField()
    host = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} @ {self.beat_at:%H:%M:%S}"


class EscalationPolicy(models.Model):
    """A tenant's named escalation ladder. Checks copy ``steps`` when created."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="policies")
    name = models.CharField(_("name"), max_length=100)
    steps = models.JSONField()
    is_default = models.BooleanField(default=False)

    def __str__(self) -> str:
        return self.name


class HealthIncident(models.Model):
    """A stretch of time during which the platform itself was unhealthy.

    At most one open incident exists: ``is_open`` is True while open and NULL
    once closed, and NULLs never collide in a unique index. The process whose
    insert succeeds sends the staff e-mails, so each incident is announced once
    however many web and worker processes notice it.
    """

    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    is_open = models.BooleanField(null=True, default=True, unique=True)
    problems = models.JSONField(default=list)

    def __str__(self) -> str:
        return f"incident {self.opened_at:%Y-%m-%d %H:%M}: {'; '.join(self.problems)}"


class Quarantine(models.Model):
    """A row that raised in a batch job, set aside alone so that the rest of the
    batch goes on (the poison-row rule, docs/engine.md). Shown in ``anpi
    health``, /healthz and the dashboard until staff resolve it."""

    class Kind(models.TextChoices):
        INBOX = "inbox", _("webhook event")
        CHECK = "check", _("check")
        PERSON = "person", _("person (planning)")
        OUTBOX = "outbox", _("outgoing message")

    tenant = models.ForeignKey(Tenant, null=True, blank=True, on_delete=models.CASCADE)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    object_id = models.BigIntegerField()
    error = models.TextField()
    first_at = models.DateTimeField()
    last_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=1)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One open quarantine per row: repeats only bump count and last_at.
            models.UniqueConstraint(
                fields=["kind", "object_id"],
                condition=Q(resolved_at__isnull=True),
                name="quarantine_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.error[:60]}"


class CostAlert(models.Model):
    """Staff were warned that a tenant's paid LINE messages reached ``threshold``
    percent of its plan in ``month`` (engine.cost): once per threshold a month."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    month = models.CharField(max_length=7)  # "2026-12", in the tenant's time zone
    threshold = models.PositiveSmallIntegerField()
    used = models.PositiveIntegerField()
    limit = models.PositiveIntegerField()
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "month", "threshold"], name="cost_alert_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.month} {self.threshold}%"


def decided_q() -> Exists:
    """Annotation for a Check queryset: whether the check has a decide task,
    i.e. its last step (``decide_task``) has fired (``Check.fired_index``)."""
    return Exists(Task.objects.filter(check_run=OuterRef("pk"), kind=Task.Kind.DECIDE))


def last_fired_index(policy: Any, step: int, decided: bool) -> int | None:
    """Index of the step that fired last for a check now at ``step``, or None.

    ``step`` is the index of the next step to fire, except for the last step
    (``decide_task``): it repeats in place, so ``step`` stays on it after it
    fired; it fired if the check has a decide task (``decided``; only that
    step, and a decision taken on its task, open one). This is what is
    happening to the person now: the person page's timeline, the alerts
    board's "Step n of m" and the overview's escalations by step all say it."""
    if step <= 0 or not isinstance(policy, list) or not policy:
        return None
    last = len(policy) - 1
    if step >= last and decided:
        return last
    return min(step, len(policy)) - 1
