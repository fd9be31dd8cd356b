"""API tokens: made and revoked by a tenant admin, checked on every API call.

A token reads ``anpi_<prefix>_<secret>``:

- ``prefix``: 8 hex characters, stored as they are (unique); it finds the row
  and lets staff tell tokens apart on the token page;
- ``secret``: 32 random bytes (``secrets.token_urlsafe``); only its SHA-256 is
  stored, compared in constant time.

``do_create_token`` returns the token once (``IssuedToken.token``); it is never
stored or shown again. ``do_revoke_token`` sets ``revoked_at`` with a
compare-and-set, so revoking twice writes one audit row. Both write a
``tenants.audit`` row in the same transaction as the change.

``authenticate`` answers the token row for a live token, or None (unknown,
malformed, wrong secret, revoked: the API answers 401 to all alike). It notes
``last_used_at`` at most once a minute per token, so a busy client does not
write on every call.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q

from anpi.tenants import audit
from anpi.tenants.actors import Actor
from anpi.tenants.models import Tenant

from .models import ApiToken

TOKEN_PREFIX = "anpi_"
SECRET_BYTES = 32
LAST_USED_RESOLUTION = timedelta(minutes=1)
NAME_MAX = 100


@dataclass
class IssuedToken:
    row: ApiToken
    token: str  # only here, never stored


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _new_prefix() -> str:
    while True:
        prefix = secrets.token_hex(4)
        if not ApiToken.objects.filter(prefix=prefix).exists():
            return prefix


def actor_for(token: ApiToken) -> Actor:
    """The ``Actor`` every change made with ``token`` is recorded under."""
    return Actor.api(token.name, token.prefix)


def do_create_token(tenant: Tenant, name: str, actor: Actor, at: datetime) -> IssuedToken:
    """A new live token of ``tenant`` named ``name`` (what it is for, e.g.
    「市の基幹システム連携」). Raises ValueError for an empty or too long name."""
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise ValueError(f"a token needs a name of 1 to {NAME_MAX} characters")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    with transaction.atomic():
        row = ApiToken.objects.create(
            tenant=tenant,
            name=name,
            prefix=_new_prefix(),
            secret_hash=secret_hash(secret),
            created_at=at,
            created_by=actor.user,
        )
        audit.record(tenant.pk, actor, "api_token.create", row, at, name=name, prefix=row.prefix)
    return IssuedToken(row, f"{TOKEN_PREFIX}{row.prefix}_{secret}")


def do_revoke_token(token: ApiToken, actor: Actor, at: datetime) -> bool:
    """Revoke ``token`` at once (its next call answers 401). Returns False when
    it was already revoked (nothing is written)."""
    with transaction.atomic():
        revoked = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=at, revoked_by=actor.user
        )
        if revoked != 1:
            return False
        token.refresh_from_db()
        audit.record(
            token.tenant_id,
            actor,
            "api_token.revoke",
            token,
            at,
            name=token.name,
            prefix=token.prefix,
        )
    return True


def parse(token: str) -> tuple[str, str] | None:
    """(prefix, secret) of a well-formed token, else None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not sep or len(prefix) != 8 or not secret or len(secret) > 128:
        return None
    return prefix, secret


def authenticate(token: str, at: datetime) -> ApiToken | None:
    """The live token row for ``token`` (with its tenant), or None."""
    parts = parse(token)
    if parts is None:
        return None
    prefix, secret = parts
    row: Any = ApiToken.objects.select_related("tenant").filter(prefix=prefix).first()
    if row is None or not hmac.compare_digest(row.secret_hash, secret_hash(secret)):
        return None
    if row.revoked_at is not None:
        return None
    if row.last_used_at is None or row.last_used_at <= at - LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=row.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=at - LAST_USED_RESOLUTION)
        ).update(last_used_at=at)
        row.last_used_at = at
    return row
