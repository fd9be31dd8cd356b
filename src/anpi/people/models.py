"""Watched persons, their emergency contacts, schedules and pauses."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anpi.tenants.models import LineChannel, Tenant

from .schedule import Schedule


def _nonce() -> str:
    return secrets.token_urlsafe(12)


class Person(models.Model):
    """Someone who is watched over (見守られる人).

    ``next_check_at`` is the next schedule occurrence not yet planned; the planner
    reads it through ``person_plan_due_idx`` and moves it forward with a
    compare-and-set, so each occurrence yields exactly one check.
    """

    class Status(models.TextChoices):
        REGISTERING = "registering", _("Registering")
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked the account")
        STOPPED = "stopped", _("Stopped")

    class ScheduleKind(models.TextChoices):
        INTERVAL = "interval", _("Every N days")
        WEEKDAYS = "weekdays", _("Chosen weekdays")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="people")
    channel = models.ForeignKey(
        LineChannel, on_delete=models.PROTECT, related_name="people", null=True, blank=True
    )
    line_user_id = models.CharField(max_length=64, blank=True)
    display_name = models.CharField(_("LINE name"), max_length=200, blank=True)
    nickname = models.CharField(_("nickname"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REGISTERING)

    schedule_kind = models.CharField(
        max_length=10, choices=ScheduleKind.choices, default=ScheduleKind.INTERVAL
    )
    interval_days = models.PositiveSmallIntegerField(default=1)
    weekdays = models.CharField(
        max_length=20, blank=True, help_text="0=Mon … 6=Sun, comma separated"
    )
    check_time = models.TimeField(null=True, blank=True)
    schedule_anchor = models.DateField(null=True, blank=True)
    skip_holidays = models.BooleanField(default=False)
    next_check_at = models.DateTimeField(null=True, blank=True)

    consent_at = models.DateTimeField(null=True, blank=True)
    settings_nonce = models.CharField(max_length=32, default=_nonce)
    created_at = models.DateTimeField(auto_now_add=True)
    blocked_at = models.DateTimeField(null=True, blank=True)
    # LINE's timestamp (ms) of the last follow/unfollow applied: an older event
    # arriving late (a redelivery) never undoes a newer one.
    follow_event_ms = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "line_user_id"],
                condition=~Q(line_user_id=""),
                name="person_unique_line_user",
            )
        ]
        indexes = [
            # engine.plan.plan_due_checks: active persons whose next occurrence is near.
            models.Index(
                fields=["next_check_at"],
                condition=Q(status="active"),
                name="person_plan_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.nickname or self.display_name or f"#{self.pk}"

    def schedule(self) -> Schedule | None:
        if self.check_time is None or self.schedule_anchor is None:
            return None
        return Schedule(
            kind=self.schedule_kind,
            interval_days=self.interval_days,
            weekdays=frozenset(int(d) for d in self.weekdays.split(",") if d.strip()),
            at=self.check_time,
            anchor=self.schedule_anchor,
            skip_holidays=self.skip_holidays,
        )


class Contact(models.Model):
    """An emergency contact (緊急連絡先). Counts only once confirmed by the contact."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    relation = models.CharField(_("relation"), max_length=50)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    line_user_id = models.CharField(max_length=64, blank=True)
    token = models.CharField(max_length=32, unique=True, default=_nonce)
    # When the consent link (``token``) was sent; it expires (people.linkcodes).
    token_issued_at = models.DateTimeField(null=True, blank=True)
    link_code = models.CharField(max_length=16, blank=True)
    link_code_expires_at = models.DateTimeField(null=True, blank=True)
    # Wrong codes tried while this contact's code was waiting (people.linkcodes).
    link_code_failures = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None and self.declined_at is None


class Pause(models.Model):
    """Away / hospital: no checks on these local dates; resumes by itself."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="pauses")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on}"


class LinkCodeAttempt(models.Model):
    """A LINE user's try at a contact link code (people.linkcodes): the attempts
    of the last hour limit how fast anyone can guess."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    channel = models.ForeignKey(LineChannel, on_delete=models.CASCADE)
    line_user_id = models.CharField(max_length=64)
    at = models.DateTimeField()
    ok = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # individual.contact_link.do_link_contact_line: a user's recent failures.
            models.Index(fields=["channel", "line_user_id", "at"], name="linkcode_user_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.line_user_id} {'ok' if self.ok else 'wrong'} {self.at:%Y-%m-%d %H:%M}"
