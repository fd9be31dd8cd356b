"""The tenant admin's staff page: who works here, invite by e-mail, disable.

Admins only (``admin_view``); a membership of another tenant is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from anpi.tenants import staff
from anpi.tenants.access import StaffRequest, admin_view, scoped, tenant_object_or_404
from anpi.tenants.actors import Actor
from anpi.tenants.models import Membership, StaffInvite

from ..account_forms import CTX, InviteStaffForm


@admin_view
def staff_list(request: StaffRequest) -> HttpResponse:
    form = InviteStaffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        issued = staff.do_invite_staff(
            request.tenant,
            form.cleaned_data["email"],
            form.cleaned_data["role"],
            Actor.staff(request.user),
            timezone.now(),
        )
        messages.success(
            request,
            pgettext(CTX, "Invited %(email)s. The link (valid 72 hours, once): %(url)s")
            % {"email": issued.invite.email, "url": issued.url},
        )
        return redirect("dashboard:staff")
    members = (
        scoped(request, Membership.objects)
        .select_related("user")
        .order_by("disabled_at", "role", "user__username")
    )
    invites = scoped(request, StaffInvite.objects).filter(
        used_at__isnull=True, expires_at__gt=timezone.now()
    )
    return render(
        request,
        "dashboard/staff.html",
        {"nav": "staff", "form": form, "members": members, "invites": invites.order_by("-pk")},
    )


@admin_view
@require_POST
def staff_disable(request: StaffRequest, membership_id: int) -> HttpResponse:
    membership = tenant_object_or_404(
        request, Membership.objects.select_related("user"), pk=membership_id
    )
    try:
        staff.do_disable_staff(membership, Actor.staff(request.user), timezone.now())
    except ValueError:
        messages.error(request, pgettext(CTX, "You cannot disable yourself."))
        return redirect("dashboard:staff")
    messages.success(
        request,
        pgettext(CTX, "Disabled %(name)s; their sessions have ended.")
        % {"name": membership.user.get_username()},
    )
    return redirect("dashboard:staff")


@admin_view
@require_POST
def staff_enable(request: StaffRequest, membership_id: int) -> HttpResponse:
    membership = tenant_object_or_404(
        request, Membership.objects.select_related("user"), pk=membership_id
    )
    staff.do_enable_staff(membership, Actor.staff(request.user), timezone.now())
    return redirect("dashboard:staff")
