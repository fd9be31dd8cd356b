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
  work in LINE and get the 403 page too; a disabled membership counts as none;
- a viewer (``Membership.role == "viewer"``, 閲覧のみ: a city's officials of a
  pilot) opens only the pages behind ``report_view`` (the pilot report and its
  downloads) and their own account pages; every ``staff_view`` — anything
  that shows a person — is the 403 page for them. Which tenant a request is for
  is chosen among all these memberships, viewer ones included, so a user who is
  a viewer of one tenant and an operator of another is refused the people of
  the first even while being an operator of the second;
- nothing is shown before the session has a verified second factor
  (``require_second_factor``): a user without a device is sent to enrol one
  (``two-factor-setup``), a user with one to enter a code (``two-factor-verify``);
- every response of a staff page carries ``Cache-Control: no-store``.
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
from django.utils.cache import patch_cache_control
from django_otp import user_has_device

from .models import STAFF_ROLES, VIEWER_ROLE, Membership, Tenant

M = TypeVar("M", bound=Model)
P = ParamSpec("P")


class StaffRequest(HttpRequest):
    """The request a ``staff_view`` hands to its view: the tenant is chosen.

    Only a type: at run time it is the usual request with these attributes set
    by ``staff_view``."""

    tenant: Tenant
    membership: Membership
    # Every membership that opens a page (viewers too): the tenant switch lists them.
    staff_memberships: list[Membership]


SESSION_TENANT_KEY = "anpi_tenant_id"
# Who may open the pilot report: the staff and the viewers (閲覧のみ).
REPORT_ROLES = (*STAFF_ROLES, VIEWER_ROLE)


def _memberships(user: Any, roles: tuple[str, ...]) -> list[Membership]:
    if not user.is_authenticated:
        return []
    return list(
        Membership.objects.filter(user=user, role__in=roles, disabled_at__isnull=True)
        .select_related("tenant")
        .order_by("tenant__name", "tenant_id")
    )


def staff_memberships(user: Any) -> list[Membership]:
    """The memberships that see people (admin, operator), in a stable order."""
    return _memberships(user, STAFF_ROLES)


def dashboard_memberships(user: Any) -> list[Membership]:
    """Every membership that opens a dashboard page (viewers too), in a stable
    order (first = default): the tenants a request may be for."""
    return _memberships(user, REPORT_ROLES)


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
    """The 403 page. For a viewer it points to the report they may read
    instead of saying "ask your administrator"."""
    user = request.user
    reports_only = bool(
        user.is_authenticated
        and Membership.objects.filter(
            user=user, role=VIEWER_ROLE, disabled_at__isnull=True
        ).exists()
    )
    return render(request, "dashboard/forbidden.html", {"reports_only": reports_only}, status=403)


def is_verified(request: HttpRequest) -> bool:
    """Did this session pass the second factor (django-otp's ``OTPMiddleware``)?"""
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def require_second_factor(request: HttpRequest) -> HttpResponse | None:
    """``None`` when the request may see personal data; otherwise the redirect:
    to the login page (anonymous), to TOTP enrolment (no confirmed device yet)
    or to the code page (a device, but not verified in this session)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if is_verified(request):
        return None
    where = "two-factor-verify" if user_has_device(request.user) else "two-factor-setup"
    return redirect_to_login(request.get_full_path(), login_url=where)


def no_store(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, no_store=True, private=True)
    return response


def _tenant_view(
    view: Callable[Concatenate[StaffRequest, P], HttpResponse], roles: tuple[str, ...]
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """``view`` for the members of the chosen tenant whose role is in ``roles``;
    every other signed-in, verified user gets the 403 page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        refused = require_second_factor(request)
        if refused is not None:
            return refused
        memberships = dashboard_memberships(request.user)
        membership = pick_membership(request, memberships)
        # The role of the tenant this request is for decides, not the user's
        # best role elsewhere: a viewer of city A who is an operator of city B
        # sees no person of city A.
        if membership is None or membership.role not in roles:
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
            return no_store(response)

    return wrapper


def staff_view(
    view: Callable[Concatenate[StaffRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Decorator: logged-in staff (admin, operator) of a tenant only, second
    factor verified; sets ``request.tenant``. Viewers and watchers get 403."""
    return _tenant_view(view, STAFF_ROLES)


def report_view(
    view: Callable[Concatenate[StaffRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Decorator: a ``staff_view`` that admits viewers (閲覧のみ) too — for pages
    of aggregates only (the pilot report), never a page that names a person."""
    return _tenant_view(view, REPORT_ROLES)


def admin_view(
    view: Callable[Concatenate[StaffRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Decorator: a ``staff_view`` for the tenant admin role only (others get 403)."""

    @wraps(view)
    def only_admins(request: StaffRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        if request.membership.role != "admin":
            return forbidden(request)
        return view(request, *args, **kwargs)

    return staff_view(only_admins)


def platform_admin_view(
    view: Callable[Concatenate[HttpRequest, P], HttpResponse],
) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """Decorator: platform admins only (Django's ``is_staff``), second factor verified.

    A platform admin runs the installation (creates tenants); they see no
    tenant's people unless they also hold a membership."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
        refused = require_second_factor(request)
        if refused is not None:
            return refused
        if not getattr(request.user, "is_staff", False):
            return forbidden(request)
        return no_store(view(request, *args, **kwargs))

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
