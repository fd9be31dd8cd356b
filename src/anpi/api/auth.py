"""Bearer-token authentication and the per-request helpers every endpoint uses.

``TokenAuth`` finds the live token (``tokens.authenticate``); ninja stores it
on ``request.auth``. Endpoints then scope every query with ``scoped`` (the
token's tenant) and fetch one object with ``object_or_404``, so another
tenant's object is a plain 404, never a 403: a caller must not learn that an
id exists elsewhere (the same rule as ``tenants.access`` for staff pages).
"""

from __future__ import annotations

from typing import Any, TypeVar, cast

from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from ninja.security import HttpBearer

from anpi.engine.clock import get_clock
from anpi.tenants import audit
from anpi.tenants.actors import Actor

from . import tokens
from .models import ApiToken

M = TypeVar("M", bound=Model)


class TokenAuth(HttpBearer):
    """``Authorization: Bearer anpi_<prefix>_<secret>``; anything else is 401."""

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        return tokens.authenticate(token, get_clock().now())


def token_of(request: HttpRequest) -> ApiToken:
    return cast(ApiToken, request.auth)  # type: ignore[attr-defined]


def actor_of(request: HttpRequest) -> Actor:
    return tokens.actor_for(token_of(request))


def scoped(request: HttpRequest, queryset: QuerySet[M]) -> QuerySet[M]:
    """``queryset`` limited to the token's tenant."""
    return queryset.filter(tenant_id=token_of(request).tenant_id)


def object_or_404(request: HttpRequest, queryset: QuerySet[M], **lookup: Any) -> M:
    """One object of the token's tenant; anything else is 404."""
    obj = scoped(request, queryset).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def audit_read(request: HttpRequest, action: str, obj: Any = None, **detail: Any) -> None:
    """Record that the token read personal data (``api.person.read`` …)."""
    token = token_of(request)
    audit.record(token.tenant_id, actor_of(request), action, obj, get_clock().now(), **detail)
