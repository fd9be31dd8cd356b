"""The tenant admin's audit log (監査ログ): read, filter, export as CSV.

Admins only (``admin_view``); an operator gets 403. Entries are the tenant's
own (``scoped``), newest first, 50 a page. The CSV export takes the same
filters, is written by ``dashboard.csv_export`` (formula-safe, UTF-8 with BOM)
and is itself audited (``audit.export`` with the filters and the row count).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import pgettext

from anpi.tenants.access import StaffRequest, admin_view, scoped
from anpi.tenants.audit import audited, note
from anpi.tenants.models import AuditEntry

from ..audit_forms import CTX, AuditFilterForm, action_label
from ..csv_export import csv_response

ENTRIES_PER_PAGE = 50
EXPORT_LIMIT = 100_000


def _filtered(request: StaffRequest) -> tuple[AuditFilterForm, Any]:
    form = AuditFilterForm(request.GET or None, tenant=request.tenant)
    entries = scoped(request, AuditEntry.objects).select_related("actor_user")
    if form.is_bound and form.is_valid():
        entries = form.filter(entries)
    return form, entries.order_by("-at", "-pk")


def _persons(entry: AuditEntry) -> list[int]:
    return [int(i) for i in entry.person_ids.strip(",").split(",") if i]


@admin_view
def audit_log(request: StaffRequest) -> HttpResponse:
    form, entries = _filtered(request)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        {
            "entry": e,
            "label": action_label(e.action),
            "persons": _persons(e),
            "reason": e.detail.get("reason", "") if isinstance(e.detail, dict) else "",
        }
        for e in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "dashboard/audit.html",
        {
            "nav": "audit",
            "form": form,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
        },
    )


@admin_view
@audited("audit.export")
def audit_export(request: StaffRequest) -> HttpResponse:
    form, entries = _filtered(request)
    zone = timezone.get_current_timezone()
    headers = [
        pgettext(CTX, "Time"),
        pgettext(CTX, "Staff"),
        pgettext(CTX, "Kind"),
        pgettext(CTX, "Address"),
        pgettext(CTX, "Action"),
        pgettext(CTX, "Object"),
        pgettext(CTX, "Object No."),
        pgettext(CTX, "Persons"),
        pgettext(CTX, "Break-glass"),
        pgettext(CTX, "Details"),
    ]
    rows = [
        [
            e.at.astimezone(zone).isoformat(timespec="seconds"),
            e.actor_label,
            e.actor_kind,
            e.ip_address or "",
            e.action,
            e.object_type,
            e.object_id,
            " ".join(str(p) for p in _persons(e)),
            "1" if e.break_glass else "",
            json.dumps(e.detail, ensure_ascii=False, sort_keys=True),
        ]
        for e in entries[:EXPORT_LIMIT].iterator()
    ]
    note(request, filters=form.applied() if form.is_bound else {}, rows=len(rows))
    stamp = timezone.localtime(timezone.now(), zone).strftime("%Y%m%d-%H%M")
    return csv_response(f"audit-{request.tenant.slug}-{stamp}.csv", headers, rows)
