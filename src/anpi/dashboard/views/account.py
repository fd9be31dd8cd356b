"""Joining by invite and the second factor (enrol, verify, recovery codes).

These are the only staff pages reachable without a verified second factor:
``staff_invite`` (anonymous, the link is the credential), ``two_factor_setup``
and ``two_factor_verify`` (signed in with a password, nothing else). None of
them shows any person's data.
"""

from __future__ import annotations

import logging

from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import pgettext
from django_otp import user_has_device

from anpi.tenants import staff, twofactor
from anpi.tenants.access import is_verified, no_store, require_second_factor

from ..account_forms import CTX, CodeForm, JoinForm

log = logging.getLogger(__name__)
RECOVERY_SESSION_KEY = "anpi_new_recovery_codes"


def _next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def staff_invite(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the join form; POST: create the account, sign in, go to TOTP enrolment."""
    now = timezone.now()
    try:
        invite = staff.find_invite(token, now)
    except staff.InviteInvalid as invalid:
        return no_store(
            render(
                request,
                "dashboard/account/invite_invalid.html",
                {"reason": invalid.reason},
                status=410,
            )
        )
    form = JoinForm(request.POST or None, email=invite.email, initial={"username": invite.email})
    if request.method == "POST" and form.is_valid():
        try:
            user = staff.do_accept_invite(
                token, form.cleaned_data["username"], form.cleaned_data["password1"], now
            )
        except staff.InviteInvalid as invalid:
            return no_store(
                render(
                    request,
                    "dashboard/account/invite_invalid.html",
                    {"reason": invalid.reason},
                    status=410,
                )
            )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("two-factor-setup")
    return no_store(
        render(request, "dashboard/account/invite.html", {"form": form, "invite": invite})
    )


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrol TOTP: show the secret (text and QR code), confirm with one code, then
    show the recovery codes once. A user who has a confirmed device must pass it
    first (otherwise a stolen password could enrol the thief's phone)."""
    if user_has_device(request.user) and not is_verified(request):
        return redirect("two-factor-verify")
    if user_has_device(request.user) and request.method == "GET" and "again" not in request.GET:
        return redirect(_next(request))
    device = twofactor.pending_totp(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        now = timezone.now()
        if twofactor.confirm_totp(request, device, form.cleaned_data["code"], now):
            request.session[RECOVERY_SESSION_KEY] = twofactor.new_recovery_codes(request.user, now)
            return redirect("two-factor-recovery")
        form.add_error("code", pgettext(CTX, "That code is not right. Try the newest one."))
    return no_store(
        render(
            request,
            "dashboard/account/setup.html",
            {
                "form": form,
                "secret": twofactor.base32_secret(device),
                "qr_svg": twofactor.qr_svg(device),
            },
        )
    )


@login_required
def two_factor_recovery(request: HttpRequest) -> HttpResponse:
    """The new recovery codes, shown once right after they were made."""
    refused = require_second_factor(request)
    if refused is not None:
        return refused
    codes = request.session.pop(RECOVERY_SESSION_KEY, None)
    if request.method == "POST":
        codes = twofactor.new_recovery_codes(request.user, timezone.now())
    return no_store(
        render(
            request,
            "dashboard/account/recovery.html",
            {"codes": codes, "remaining": twofactor.remaining_recovery_codes(request.user)},
        )
    )


@login_required
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Enter the current TOTP code or a recovery code after the password."""
    if not user_has_device(request.user):
        return redirect("two-factor-setup")
    if is_verified(request):
        return redirect(_next(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify_second_factor(request, form.cleaned_data["code"]):
            return redirect(_next(request))
        log.warning(
            "second factor failed for user %s from %s",
            request.user.get_username(),
            request.META.get("REMOTE_ADDR", ""),
        )
        form.add_error("code", pgettext(CTX, "That code is not right. Try the newest one."))
    return no_store(
        render(request, "dashboard/account/verify.html", {"form": form, "next": _next(request)})
    )
