"""Switching between the tenants a user works for."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from anpi.tenants.access import SESSION_TENANT_KEY, StaffRequest, report_view


@report_view
@require_POST
def switch_tenant(request: StaffRequest) -> HttpResponse:
    """Choose the tenant to work for; only tenants of the user's memberships count.

    Viewers switch too (a city official of two pilots); the landing page
    (``dashboard:home``) then shows what the role in the new tenant may see."""
    wanted = request.POST.get("tenant", "")
    for membership in request.staff_memberships:
        if str(membership.tenant_id) == wanted:
            request.session[SESSION_TENANT_KEY] = membership.tenant_id
            break
    return redirect("dashboard:home")
