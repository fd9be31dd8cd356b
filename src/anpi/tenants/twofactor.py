"""The second factor of every staff sign-in: TOTP plus one-time recovery codes.

Built on django-otp: a ``TOTPDevice`` (RFC 6238, 30 s steps, 6 digits) per
user and a ``StaticDevice`` named ``recovery`` holding ``RECOVERY_CODES``
single-use codes. django-otp's ``OTPMiddleware`` turns the device stored in the
session into ``request.user.is_verified()``; ``tenants.access`` refuses every
page with personal data until it is true.

Enrolment: ``pending_totp`` gives the user's unconfirmed device (made once,
the same secret on every reload of the page); ``confirm_totp`` checks a code
against it, confirms it, makes fresh recovery codes and writes an audit row in
each tenant the user works for. A user who already has a confirmed device
cannot enrol another without first passing it (the views enforce that).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import segno
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .actors import Actor
from .models import Membership

RECOVERY_CODES = 10
TOTP_NAME = "totp"
RECOVERY_NAME = "recovery"


def pending_totp(user: Any) -> TOTPDevice:
    """The user's TOTP device awaiting confirmation (created on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def base32_secret(device: TOTPDevice) -> str:
    """The secret as authenticator apps want it typed (RFC 4648 base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def qr_svg(device: TOTPDevice) -> str:
    """An inline ``<svg>`` of the device's ``otpauth://`` URL for authenticator apps."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4)


def _record_everywhere(user: Any, action: str, obj: Any, at: datetime, **detail: Any) -> None:
    tenant_ids = Membership.objects.filter(user=user).values_list("tenant_id", flat=True)
    for tenant_id in tenant_ids:
        audit.record(tenant_id, Actor.staff(user), action, obj, at, **detail)


def new_recovery_codes(user: Any, at: datetime) -> list[str]:
    """Replace the user's recovery codes with ``RECOVERY_CODES`` new ones; returns them
    (shown once: only django-otp's table holds them afterwards)."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
        _record_everywhere(user, "staff.recovery_codes", device, at)
    return codes


def confirm_totp(request: HttpRequest, device: TOTPDevice, token: str, at: datetime) -> bool:
    """Confirm ``device`` if ``token`` is its current code; on success the session
    is verified (django-otp ``login``) and an audit row is written.

    Returns False for a wrong code (nothing changes)."""
    user = request.user
    if device.user_id != user.pk or not device.verify_token(token.strip()):
        return False
    with transaction.atomic():
        # One confirmed TOTP device per user: an old one (if any) goes.
        TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        _record_everywhere(user, "staff.2fa_enrol", device, at)
    otp_login(request, device)
    return True


def verify_second_factor(request: HttpRequest, token: str) -> bool:
    """Check a TOTP code (6 digits) or a recovery code against the user's confirmed
    devices; on success mark the session verified. Each device throttles
    repeated failures itself (django-otp ``ThrottlingMixin``)."""
    token = token.strip().replace(" ", "")
    user = request.user
    model: type[TOTPDevice] | type[StaticDevice] = (
        TOTPDevice if token.isdigit() and len(token) == 6 else StaticDevice
    )
    for device in model.objects.filter(user=user, confirmed=True):
        matched = verify_token(user, device.persistent_id, token)
        if matched is not None:
            otp_login(request, matched)
            return True
    return False


def remaining_recovery_codes(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_NAME).count()
