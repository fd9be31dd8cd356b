"""Session lifetime and the security headers every response carries.

``SessionLifetimeMiddleware``: Django's ``SESSION_COOKIE_AGE`` with
``SESSION_SAVE_EVERY_REQUEST`` is the idle timeout; this adds the absolute
lifetime. The time of sign-in is stored in the session (``SIGNED_IN_AT``, set
by the ``user_logged_in`` signal, see ``apps.py``); once
``ANPI_SESSION_MAX_SECONDS`` have passed, or when the stamp is missing, the
session is logged out and the request goes on as anonymous (so a staff page
answers with the login redirect).

``SecurityHeadersMiddleware``: ``Permissions-Policy`` on every response and
``Cache-Control: no-store`` on every response a view made without its own
``Cache-Control`` (static files are answered by WhiteNoise before this runs).
Nearly every dynamic page of anpi shows personal data (dashboard, settings
pages reached by a link, 2FA secrets), so no-store is the default, not a list.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

SIGNED_IN_AT = "anpi_signed_in_at"


def stamp_sign_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: remember when this session signed in."""
    if request is not None and hasattr(request, "session"):
        request.session[SIGNED_IN_AT] = int(time.time())


class SessionLifetimeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            signed_in_at = request.session.get(SIGNED_IN_AT)
            max_age = settings.ANPI_SESSION_MAX_SECONDS
            if not isinstance(signed_in_at, int) or time.time() - signed_in_at > max_age:
                logout(request)
        return self.get_response(request)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.ANPI_PERMISSIONS_POLICY)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class AuditAddressMiddleware:
    """Every audit row written while this request is served carries its client
    address (``tenants.audit.record`` reads it from a context variable), so
    actions need not be handed the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from .audit import client_ip, request_address

        with request_address(client_ip(request)):
            return self.get_response(request)


class BodyLimitMiddleware:
    """413 for a request announcing a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``,
    before any view, form or webhook reads it.

    Django's own check (``RequestDataTooBig``, a 400) stays behind it. anpi
    takes no file uploads, so the whole body counts."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if limit is not None and length > limit:
            return HttpResponse("request body too large", status=413, content_type="text/plain")
        return self.get_response(request)
