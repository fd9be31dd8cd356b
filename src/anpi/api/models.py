"""API tokens: a tenant's programs authenticate with one (``anpi.api.tokens``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anpi.tenants.models import Tenant


class ApiToken(models.Model):
    """A per-tenant bearer token for the JSON API.

    The token itself (``anpi_<prefix>_<secret>``) is shown once, when it is
    made. Only ``prefix`` (public, for lookup and for staff to tell tokens
    apart) and the SHA-256 of the random 32-byte ``secret`` are stored, so a
    copied database opens nothing. A revoked token (``revoked_at``) answers 401.
    """

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [
            # api.token_views.token_list: a tenant's tokens, newest first.
            models.Index(fields=["tenant", "-created_at"], name="apitoken_tenant_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
