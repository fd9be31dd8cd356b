"""Tenants, their LINE channels, organizations, teams and staff roles.

Every domain row in anpi carries ``tenant_id`` so that a tenant can be moved to
another database later; queries are always filtered by tenant.
"""

from __future__ import annotations

import secrets

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
    # The rich menu with the 「げんきです」 button shown to every user
    # (individual.richmenu.do_setup_rich_menu); empty until it is made.
    rich_menu_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name

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


class Membership(models.Model):
    """A user's role in a tenant. A user may work for several tenants."""

    ROLE_CHOICES = [
        ("admin", _("Tenant admin")),
        ("operator", _("Operator")),
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


class StaffInvite(models.Model):
    """An e-mailed invitation to become staff of a tenant (tenants.staff).

    Only a SHA-256 of the link's token is stored, so a copied database opens no
    invite. Single use (``used_at``, set with a compare-and-set) and short-lived
    (``expires_at``)."""

    ROLE_CHOICES = [("admin", _("Tenant admin")), ("operator", _("Operator"))]
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


class AuditEntry(models.Model):
    """One change to a tenant's set-up, with who made it (``tenants.audit``).

    Append-only: the app has no update or delete path."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="audit_entries")
    at = models.DateTimeField()
    actor_kind = models.CharField(max_length=10)
    actor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_line_user_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=200, blank=True)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict)

    class Meta:
        indexes = [
            # The tenant admin's audit page: newest first within a tenant.
            models.Index(fields=["tenant", "-at"], name="audit_tenant_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise RuntimeError("audit entries are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise RuntimeError("audit entries are append-only")
