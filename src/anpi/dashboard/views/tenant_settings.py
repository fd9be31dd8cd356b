"""/settings/: the tenant admin's page for the tenant's own settings."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import pgettext

from anpi.engine.clock import get_clock
from anpi.tenants.access import StaffRequest, admin_view
from anpi.tenants.actors import Actor
from anpi.tenants.models import Tenant
from anpi.tenants.profile import do_update_tenant

from ..tenant_forms import CTX, TenantSettingsForm


@admin_view
def tenant_settings(request: StaffRequest) -> HttpResponse:
    # A fresh copy: the form must not change request.tenant when it is invalid.
    tenant = Tenant.objects.get(pk=request.tenant.pk)
    if request.method == "POST":
        form = TenantSettingsForm(request.POST, instance=Tenant.objects.get(pk=tenant.pk))
        if form.is_valid():
            changed = do_update_tenant(
                tenant, form.cleaned_data, Actor.staff(request.user), get_clock().now()
            )
            if changed:
                messages.success(request, pgettext(CTX, "Saved."))
            else:
                messages.info(request, pgettext(CTX, "Nothing changed."))
            return redirect("dashboard:tenant-settings")
    else:
        form = TenantSettingsForm(instance=tenant)
    return render(request, "dashboard/tenant_settings.html", {"nav": "settings", "form": form})
