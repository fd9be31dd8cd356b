"""Tenant scoping and roles: who may see what, for every staff page (dashboard and services).

Every dashboard view runs behind ``staff_view``. It finds the tenant the user is
working for (``Membership``; a user may belong to several tenants, the choice
lives in the session under ``SESSION_TENANT_KEY``, the first membership is the
default), sets ``request.tenant`` / ``request.membership`` and renders the
rest of the request in the tenant's time zone.

Rules every view follows:

- every query filters by ``request.tenant``; use ``tenant_object_or_404`` to
  fetch one object so that another tenant's object is a plain 404 (never 403:
  staff must not learn that an id exists elsewhere);
- a logged-in user with no staff membership gets the 403 page; watchers (見守る人)
  work in LINE and get the 403 page too for now.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec, TypeVar, cast
from zoneinfo import ZoneInfo

from django.contrib.auth.views import redirect_to_login
from django.db.models import Manager, Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import Membership, Tenant

M = TypeVar("M", bound=Model)
P = ParamSpec("P")


class StaffRequest(HttpRequest):
    """The request a ``staff_view`` hands to its view: the tenant is chosen.

    Only a type: at run time it is the usual request with these attributes set
    by ``staff_view``."""

    tenant: Tenant
    membership: Membership
    staff_memberships: list[Membership]


SESSION_TENANT_KEY = "anpi_tenant_id"
STAFF_ROLES = ("admin", "operator")


def staff_memberships(user: Any) -> list[Membership]:
    """The memberships that open the dashboard, in a stable order (first = default)."""
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, role__in=STAFF_ROLES)
        .select_related("tenant")
        .order_by("tenant__name", "tenant_id")
    )


def pick_membership(request: HttpRequest, memberships: list[Membership]) -> Membership | None:
    """The membership chosen in the session, or the first one."""
    if not memberships:
        return None
    chosen = request.session.get(SESSION_TENANT_KEY)
    for membership in memberships:
        if membership.tenant_id == chosen:
            return membership
    return memberships[0]


def forbidden(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/forbidden.html", status=403)


def staff_view(
    view: Callable[Concatenate[StaffRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Decorator: logged-in staff of a tenant only; sets ``request.tenant``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        memberships = staff_memberships(request.user)
        membership = pick_membership(request, memberships)
        if membership is None:
            return forbidden(request)
        # From here on the request is a StaffRequest: the three attributes are set.
        staff_request = cast(StaffRequest, request)
        staff_request.membership = membership
        staff_request.tenant = membership.tenant
        staff_request.staff_memberships = memberships
        with timezone.override(ZoneInfo(membership.tenant.timezone)):
            response = view(staff_request, *args, **kwargs)
            # Render lazily-rendered responses while the tenant's zone is active.
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    return wrapper


def scoped(request: StaffRequest, queryset: QuerySet[M] | Manager[M]) -> QuerySet[M]:
    """``queryset`` (or a model's manager) limited to the request's tenant."""
    return queryset.filter(tenant=request.tenant)


def tenant_object_or_404(
    request: StaffRequest, queryset: QuerySet[M] | Manager[M], **lookup: Any
) -> M:
    """One object of the request's tenant; anything else (another tenant's too) is 404."""
    obj = scoped(request, queryset).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
