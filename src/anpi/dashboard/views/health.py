"""/healthz: up or down for anyone, the details for a monitor or signed-in staff.

- anonymous: ``{"ok": true|false}`` (200 or 503) and nothing else; the request
  neither opens nor closes a health incident and never sends mail, so a
  stranger cannot make anpi e-mail every tenant's staff;
- ``Authorization: Bearer $ANPI_HEALTH_TOKEN`` (a monitor) or a signed-in,
  second-factor-verified staff user: the whole report, and the incident is
  tracked (opened or closed, staff told once) as ``anpi health`` does.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse

from anpi.tenants.access import is_verified, staff_memberships


def _trusted(request: HttpRequest) -> bool:
    token = settings.ANPI_HEALTH_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header[len("Bearer ") :].encode(), token.encode())
    user = request.user
    return bool(
        user.is_authenticated
        and is_verified(request)
        and (user.is_staff or staff_memberships(user))
    )


def healthz(request: HttpRequest) -> JsonResponse:
    from anpi.engine.health import health_report, track_incident

    report = health_report()
    status = 200 if report["ok"] else 503
    if not _trusted(request):
        return JsonResponse({"ok": bool(report["ok"])}, status=status)
    if report.get("database") == "ok":
        track_incident(report)
    return JsonResponse(report, status=status)
