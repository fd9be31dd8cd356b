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

from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.views import redirect_to_login
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from .models import Membership

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


def staff_view(view):
    """Decorator: logged-in staff of a tenant only; sets ``request.tenant``."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        memberships = staff_memberships(request.user)
        membership = pick_membership(request, memberships)
        if membership is None:
            return forbidden(request)
        request.membership = membership
        request.tenant = membership.tenant
        request.staff_memberships = memberships
        with timezone.override(ZoneInfo(membership.tenant.timezone)):
            response = view(request, *args, **kwargs)
            # Render lazily-rendered responses while the tenant's zone is active.
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
            return response

    return wrapper


def scoped(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    """``queryset`` limited to the request's tenant."""
    return queryset.filter(tenant=request.tenant)


def tenant_object_or_404(request: HttpRequest, queryset: QuerySet, **lookup: Any) -> Model:
    """One object of the request's tenant; anything else (another tenant's too) is 404."""
    obj = scoped(request, queryset).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj
