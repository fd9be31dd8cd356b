"""つながり groups and 安否通知 teams.

- ``Group``: a LINE group the bot is in. A *peer* group (つながり) is checked as
  a whole: one push per occurrence (``GroupOccurrence``) and one ``Check`` per
  member (``GroupMember.person``), so each member's OK counts for that member only.
  A *team* group is where a municipal team's watchers get alerts.
- ``Team``: watchers (``TeamWatcher``) and watched persons (``TeamPerson``) of a
  tenant's organization, with its own escalation policy.
- ``Invite``: a one-time code that attaches a LINE user to a team.
- ``Alert``: "○○さんから安否確認が届いていません" for one check. Anyone allowed
  claims it with a compare-and-set on ``state`` (first wins) and records the outcome.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anpi.engine.models import Check, EscalationPolicy
from anpi.people.models import Person
from anpi.people.schedule import Schedule
from anpi.tenants.models import LineChannel, Organization, Tenant

# Codes people type or scan: no 0/O, 1/I/L.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code(length: int = 8) -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))


def _nonce() -> str:
    return secrets.token_urlsafe(12)


class Team(models.Model):
    """A team of watchers (見守る人) and watched persons of one organization."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="teams")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="teams"
    )
    name = models.CharField(_("name"), max_length=200)
    policy = models.ForeignKey(
        EscalationPolicy,
        verbose_name=_("escalation policy"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty: the standard team policy."),
    )
    # Sent in a LINE group to make it this team's alert group.
    group_code = models.CharField(max_length=12, unique=True, default=new_code)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

    def alert_group(self) -> Group | None:
        return self.groups.filter(status=Group.Status.ACTIVE).order_by("-joined_at").first()


class Group(models.Model):
    class Status(models.TextChoices):
        REGISTERING = "registering", _("Waiting for a schedule")
        ACTIVE = "active", _("Active")
        LEFT = "left", _("Bot removed")

    class Kind(models.TextChoices):
        PEER = "peer", _("つながり (peer group)")
        TEAM = "team", _("Team alert group")

    class ScheduleKind(models.TextChoices):
        INTERVAL = "interval", _("Every N days")
        WEEKDAYS = "weekdays", _("Chosen weekdays")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="line_groups")
    channel = models.ForeignKey(LineChannel, on_delete=models.CASCADE, related_name="groups")
    line_group_id = models.CharField(max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PEER)
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="groups"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REGISTERING)
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.PROTECT, null=True, blank=True)

    schedule_kind = models.CharField(
        max_length=10, choices=ScheduleKind.choices, default=ScheduleKind.INTERVAL
    )
    interval_days = models.PositiveSmallIntegerField(default=1)
    weekdays = models.CharField(max_length=20, blank=True)
    check_time = models.TimeField(null=True, blank=True)
    schedule_anchor = models.DateField(null=True, blank=True)
    skip_holidays = models.BooleanField(default=False)
    next_check_at = models.DateTimeField(null=True, blank=True)

    settings_nonce = models.CharField(max_length=32, default=_nonce)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    # LINE's timestamp (ms) of the last join/leave applied (order, not arrival).
    membership_event_ms = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "line_group_id"], name="group_unique_line")
        ]
        indexes = [
            # groups.plan.plan_group_checks: active peer groups whose occurrence is near.
            models.Index(
                fields=["next_check_at"],
                condition=Q(status="active", kind="peer"),
                name="group_plan_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name or self.line_group_id

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

    def active_members(self) -> models.QuerySet[GroupMember]:
        return self.members.filter(left_at__isnull=True)


class GroupMember(models.Model):
    """A member of a peer group. ``person`` is the watched record the checks hang on:
    one per membership, without a LINE id of its own, so it never mixes with the
    same user's individual service."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="members")
    line_user_id = models.CharField(max_length=64)
    display_name = models.CharField(max_length=200, blank=True)
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="group_member")
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)
    # LINE's timestamp (ms) of the last memberJoined/memberLeft applied.
    membership_event_ms = models.BigIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "line_user_id"], name="member_unique_user")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.person.nickname or self.display_name or "メンバー"


class GroupOccurrence(models.Model):
    """One scheduled check of a peer group: the push goes out once (``sent_at`` CAS)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="occurrences")
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "due_at"], name="occurrence_unique")
        ]

    def __str__(self) -> str:
        return f"{self.group} {self.due_at:%Y-%m-%d %H:%M}"


class TeamWatcher(models.Model):
    """A 見守る人: gets alerts in LINE (1:1 or the team group); may log in to the
    small watcher view when ``user`` is set."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="watchers")
    name = models.CharField(_("name"), max_length=100, blank=True)
    line_user_id = models.CharField(max_length=64, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="team_watchers",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["team", "line_user_id"],
                condition=~Q(line_user_id=""),
                name="watcher_unique_line_user",
            )
        ]

    def __str__(self) -> str:
        return self.name or self.line_user_id


class TeamPerson(models.Model):
    """A watched person's team. One team per person: its policy is the person's."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="people")
    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="team_link")
    joined_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.person} in {self.team}"


class Invite(models.Model):
    """A one-time code (typed, or sent from a QR code) that joins a team."""

    class Role(models.TextChoices):
        WATCHED = "watched", _("Watched person")
        WATCHER = "watcher", _("Watcher")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=10, choices=Role.choices)
    label = models.CharField(_("for whom"), max_length=100, blank=True)
    code = models.CharField(max_length=12, unique=True, default=new_code)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.CharField(max_length=64, blank=True)

    def __str__(self) -> str:
        return self.code


class Alert(models.Model):
    """Someone must go and see a person who did not answer one check."""

    class State(models.TextChoices):
        OPEN = "open", _("Waiting for someone to claim it")
        CLAIMED = "claimed", _("Claimed")
        RESOLVED = "resolved", _("Outcome recorded")
        CLOSED = "closed", _("Closed (answered or cancelled)")

    class Outcome(models.TextChoices):
        SAFE = "safe", _("無事")
        ABSENT = "absent", _("不在")
        HOSPITAL = "hospital", _("救急搬送")
        OTHER = "other", _("その他")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    check_run = models.OneToOneField(Check, on_delete=models.CASCADE, related_name="alert")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="alerts")
    group = models.ForeignKey(Group, on_delete=models.SET_NULL, null=True, blank=True)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    rounds = models.PositiveSmallIntegerField(default=0)
    claimed_by = models.CharField(max_length=64, blank=True)  # LINE user id
    claimed_by_name = models.CharField(max_length=200, blank=True)
    claimed_in = models.CharField(max_length=64, blank=True)  # group id or user id of the chat
    claimed_at = models.DateTimeField(null=True, blank=True)
    awaiting_note = models.BooleanField(default=False)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    note = models.TextField(blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)
    # Why a closed alert closed: the close reason of the member's incident
    # (ok, staff_safe, contact_safe, away…), group_left, group_bot_removed.
    close_reason = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        indexes = [
            # municipal.views.open_alerts: a tenant's alerts still waiting for someone.
            models.Index(
                fields=["tenant", "created_at"],
                condition=Q(state__in=["open", "claimed"]),
                name="alert_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"No.{self.pk} {self.person}"

    @property
    def is_active(self) -> bool:
        return self.state in (self.State.OPEN, self.State.CLAIMED)
