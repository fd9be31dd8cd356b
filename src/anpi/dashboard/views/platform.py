"""The platform admin's page: the installation's tenants, and a new one with its
first tenant admin invited (the same action as ``anpi createtenant``)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import pgettext

from anpi.tenants import staff
from anpi.tenants.access import platform_admin_view
from anpi.tenants.actors import Actor
from anpi.tenants.models import Tenant

from ..account_forms import CTX, TenantForm


@platform_admin_view
def tenants(request: HttpRequest) -> HttpResponse:
    form = TenantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tenant, issued = staff.do_create_tenant(
            data["name"],
            data["slug"],
            data["kind"],
            data["admin_email"],
            Actor.staff(request.user),
            timezone.now(),
        )
        messages.success(
            request,
            pgettext(CTX, "Created %(tenant)s and invited %(email)s: %(url)s")
            % {"tenant": tenant.name, "email": issued.invite.email, "url": issued.url},
        )
        return redirect("dashboard:platform-tenants")
    return render(
        request,
        "dashboard/platform_tenants.html",
        {"form": form, "tenants": Tenant.objects.order_by("name")},
    )
