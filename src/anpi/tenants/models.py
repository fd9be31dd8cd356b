"""Tenants, their LINE channels, organizations, teams and staff roles.

Every domain row in anpi carries ``tenant_id`` so that a tenant can be moved to
another database later; queries are always filtered by tenant.
"""

from __future__ import annotations

import secrets
from urllib.parse import quote

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from . import crypto


class Tenant(models.Model):
    """An NPO, 社協 or city running anpi on its own LINE account(s)."""

    KIND_CHOICES = [
        ("npo", _("NPO")),
        ("municipal", _("Municipality / 社協")),
    ]
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(unique=True)
    kind = models.CharField(max_length=20, choices=KIND_CHOICES, default="npo")
    timezone = models.CharField(max_length=64, default="Asia/Tokyo")
    staff_email = models.EmailField(blank=True, help_text=_("Where alerts for staff are e-mailed."))
    # The LINE Official Account plan (LINE.md "Plans in Japan"): how many pushes a
    # month are included; engine.cost warns staff at 80% and 95% of it.
    LINE_PLANS = [
        ("free", _("Communication (200 messages)")),
        ("light", _("Light (5,000 messages)")),
        ("standard", _("Standard (30,000 messages, then pay as you go)")),
        ("custom", _("Custom monthly limit")),
    ]
    line_plan = models.CharField(max_length=20, choices=LINE_PLANS, default="free")
    line_monthly_limit = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("For a custom plan: messages a month.")
    )
    # The cost guard's automatic measures (engine.cost, engine.habits). When this
    # month's paid pushes reach this percent of the plan, or the forecast exceeds
    # the plan, check messages switch to the identical form sent by multicast
    # (0: never switch) until the month ends (``identical_until``).
    identical_at_percent = models.PositiveSmallIntegerField(
        _("switch to identical check messages at (% of the plan)"), default=80
    )
    identical_until = models.DateTimeField(null=True, blank=True)
    # People who answer the check within minutes most days are asked, in the
    # free reply to their answer, to use the menu's 「げんきです」 before the
    # check (free); once per this many days (0: never ask).
    menu_hint_days = models.PositiveSmallIntegerField(
        _("days between asks to use the menu button"), default=90
    )
    # Retention (engine.retention, `anpi prune`): days after a person blocked the
    # account or withdrew consent before their personal data is erased
    # (statistics stay), and days raw webhook bodies keep their message texts.
    erase_after_days = models.PositiveSmallIntegerField(
        _("days before a stopped person's data is erased"), default=90
    )
    inbox_keep_days = models.PositiveSmallIntegerField(
        _("days to keep message texts of received events"), default=30
    )
    # How contacts, groups and teams reach the service: every alert to them says it.
    phone = models.CharField(
        _("phone"), max_length=30, blank=True, help_text=_("The number contacts call us on.")
    )
    # Quiet hours (engine.quiet): no staff calls or contact notifications between
    # these local times (e.g. 21:00–08:00, across midnight when start > end);
    # both empty: none. A policy step marked ``"emergency": true`` is not held.
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


def _webhook_token() -> str:
    return secrets.token_urlsafe(18)


class LineChannel(models.Model):
    """A LINE official account (Messaging API channel) of a tenant.

    ``api_host`` is empty in production (the SDK's default, api.line.me) and
    points at the simulator in demos and tests.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="channels")
    name = models.CharField(max_length=200)
    bot_user_id = models.CharField(
        max_length=64, blank=True, help_text=_("The bot's user id (webhook 'destination').")
    )
    basic_id = models.CharField(
        _("LINE basic ID"),
        max_length=40,
        blank=True,
        help_text=_("The account's @ID, for add-friend links and invite QR codes."),
    )
    secret_encrypted = models.TextField()
    token_encrypted = models.TextField()
    api_host = models.CharField(max_length=200, blank=True)
    webhook_token = models.CharField(max_length=64, unique=True, default=_webhook_token)
    # Shared back-off after a 429 so that every worker process respects it.
    throttled_until = models.DateTimeField(null=True, blank=True)
    # Set when LINE answers 429 "monthly limit" (staff are told once); cleared by
    # the next accepted push (a new month, or a bigger plan).
    quota_exhausted_at = models.DateTimeField(null=True, blank=True)
    # When LINE's webhook test (POST /v2/bot/channel/webhook/test) last reached
    # anpi with a valid signature; None: never, or the last test failed
    # (tenants.channel_setup).
    webhook_verified_at = models.DateTimeField(null=True, blank=True)
    # The rich menu with the 「げんきです」 button shown to every user
    # (individual.richmenu.do_setup_rich_menu); empty until it is made.
    rich_menu_id = models.CharField(max_length=64, blank=True)
    # The same menu in the persons' other languages, {language: richMenuId}, made
    # when someone first chooses the language and linked to each such user
    # (individual.richmenu.sync_person_menu); easy_ja is rich_menu_id, the default.
    rich_menu_ids = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    # Fernet tokens kept in plain text columns (tenants.rotation re-encrypts them).
    ENCRYPTED_TOKEN_COLUMNS = ("secret_encrypted", "token_encrypted")

    def __str__(self) -> str:
        return self.name

    def add_friend_url(self) -> str:
        """LINE's add-friend link for the account (LINE URL scheme
        ``https://line.me/R/ti/p/{LINE ID}``, the @ included); "" without a basic ID."""
        return f"https://line.me/R/ti/p/{quote(self.basic_id, safe='@')}" if self.basic_id else ""

    @property
    def channel_secret(self) -> str:
        return crypto.decrypt(self.secret_encrypted)

    @channel_secret.setter
    def channel_secret(self, value: str) -> None:
        self.secret_encrypted = crypto.encrypt(value)

    @property
    def access_token(self) -> str:
        return crypto.decrypt(self.token_encrypted)

    @access_token.setter
    def access_token(self, value: str) -> None:
        self.token_encrypted = crypto.encrypt(value)

    def webhook_path(self) -> str:
        return f"/line/webhook/{self.webhook_token}/"


class Organization(models.Model):
    """A local body taking part in a municipal service (社協, 民生委員, 町会 …)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="organizations")
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=100, blank=True)

    def __str__(self) -> str:
        return self.name


# The roles that see the tenant's people (call queue, people, alerts): the
# dashboard's staff (tenants.access.staff_view). A viewer (閲覧のみ) reads the
# pilot report and nothing with a person in it, so that a city's officials can
# read the report of a pilot without access to the personal data of its people.
STAFF_ROLES = ("admin", "operator")
VIEWER_ROLE = "viewer"


class Membership(models.Model):
    """A user's role in a tenant. A user may work for several tenants."""

    ROLE_CHOICES = [
        ("admin", _("Tenant admin")),
        ("operator", _("Operator")),
        (VIEWER_ROLE, _("Viewer (reports only)")),
        ("watcher", _("Watcher")),
    ]
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=ROLE_CHOICES, default="operator")
    # Set by a tenant admin (tenants.staff.do_disable_staff): the membership no
    # longer opens anything; the user's sessions were ended at that moment.
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user"], name="membership_unique_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.tenant} ({self.role})"

    @property
    def sees_people(self) -> bool:
        """May this role open pages that show a watched person (the nav asks)?"""
        return self.role in STAFF_ROLES


class StaffInvite(models.Model):
    """An e-mailed invitation to become staff of a tenant (tenants.staff).

    Only a SHA-256 of the link's token is stored, so a copied database opens no
    invite. Single use (``used_at``, set with a compare-and-set) and short-lived
    (``expires_at``)."""

    ROLE_CHOICES = [
        ("admin", _("Tenant admin")),
        ("operator", _("Operator")),
        (VIEWER_ROLE, _("Viewer (reports only)")),
    ]
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="staff_invites")
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    used_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.email} → {self.tenant} ({self.role})"


class AuditEntryQuerySet(models.QuerySet):
    """``update()`` and ``delete()`` of many rows refuse too (no bulk path around
    ``AuditEntry.save`` / ``delete``)."""

    def update(self, **kwargs):
        raise RuntimeError("audit entries are append-only")

    def delete(self):
        raise RuntimeError("audit entries are append-only")


class AuditEntry(models.Model):
    """One change, or one look at personal data, with who did it and from where
    (``tenants.audit``).

    Append-only: the app has no update or delete path (``save`` refuses an
    update, ``delete`` refuses outright) and on PostgreSQL a trigger refuses
    UPDATE and DELETE of the table (migration 0006). Neither the tenant nor the
    staff user can be deleted while entries name them (``PROTECT``): staff are
    disabled, never deleted (``tenants.staff.do_disable_staff``)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="audit_entries")
    at = models.DateTimeField()
    actor_kind = models.CharField(max_length=10)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_line_user_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    # The client address of a staff request (tenants.audit.client_ip: REMOTE_ADDR,
    # or X-Forwarded-For behind ANPI_PROXY_COUNT proxies, as django-axes reads it).
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    # Every person whose data the entry shows or changes, written ",12,34," (a
    # list page names each row it showed), so that the audit page finds every
    # look at one person with a plain LIKE on SQLite and PostgreSQL alike.
    person_ids = models.TextField(blank=True)
    # A look at a person outside the user's own teams, with a reason (detail["reason"]).
    break_glass = models.BooleanField(default=False)
    detail = models.JSONField(default=dict)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        indexes = [
            # The tenant admin's audit page: newest first within a tenant.
            models.Index(fields=["tenant", "-at"], name="audit_tenant_at_idx"),
            # The audit page filtered by one person or object (dashboard.views.audit).
            models.Index(fields=["tenant", "object_type", "object_id"], name="audit_tenant_obj_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit entries are append-only")


class KeyRotation(models.Model):
    """Progress of ``anpi rotate-key`` for one table under one new key.

    ``key_id`` is ``crypto.key_id()`` of the new key (a fingerprint, not the
    key); ``last_pk`` the highest primary key re-encrypted so far, written in the
    same transaction as its batch, so an interrupted run resumes after it.
    """

    key_id = models.CharField(max_length=16)
    table = models.CharField(max_length=100)
    last_pk = models.BigIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "table"], name="keyrotation_unique_table")
        ]

    def __str__(self) -> str:
        return f"{self.table} under {self.key_id}: after pk {self.last_pk}"
