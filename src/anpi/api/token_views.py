"""The tenant admin's API token page: make a token (shown once), revoke one.

Admins only, second factor verified (``tenants.access.admin_view``); another
tenant's token is a 404. The new token is rendered in the POST's own answer
(never stored, never put in a redirect or a session), with ``no-store``.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from anpi.engine.clock import get_clock
from anpi.tenants.access import StaffRequest, admin_view, scoped, tenant_object_or_404
from anpi.tenants.actors import Actor

from . import tokens
from .models import ApiToken


class NewTokenForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("api", "What is it for?"),
        max_length=tokens.NAME_MAX,
        help_text=pgettext_lazy("api", "For example: the city's case-management system"),
    )


@admin_view
def token_list(request: StaffRequest) -> HttpResponse:
    form = NewTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = tokens.do_create_token(
                request.tenant,
                form.cleaned_data["name"],
                Actor.staff(request.user),
                get_clock().now(),
            )
        except ValueError:
            form.add_error("name", pgettext("api", "Give the token a name."))
        else:
            form = NewTokenForm()
    rows = scoped(request, ApiToken.objects.select_related("created_by", "revoked_by")).order_by(
        "revoked_at", "-created_at"
    )
    return render(
        request,
        "api/tokens.html",
        {"nav": "api-tokens", "form": form, "issued": issued, "tokens": rows},
    )


@admin_view
@require_POST
def token_revoke(request: StaffRequest, token_id: int) -> HttpResponse:
    token = tenant_object_or_404(request, ApiToken.objects.all(), pk=token_id)
    if tokens.do_revoke_token(token, Actor.staff(request.user), get_clock().now()):
        messages.success(
            request,
            pgettext("api", "Revoked %(name)s. It no longer opens the API.") % {"name": token.name},
        )
    return redirect("api-tokens")
