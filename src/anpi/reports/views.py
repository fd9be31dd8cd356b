"""The monthly pilot report for staff: the page (charts inline), CSV and PDF.

Every view is a ``report_view``: staff and viewers (閲覧のみ, a city's officials)
open it, since the report holds aggregates only — no person's name, no
per-person row. The tenant comes from the session, a team or organization of
another tenant is a 404. Query: ``month=YYYY-MM`` (default:
this month) and ``scope=team-<id>`` or ``scope=org-<id>`` (default: the tenant).
"""

from __future__ import annotations

import re
from urllib.parse import quote, urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.translation import pgettext

from anpi.engine.clock import get_clock
from anpi.groups.models import Team
from anpi.tenants.access import StaffRequest, report_view, scoped, tenant_object_or_404
from anpi.tenants.models import Organization

from . import export
from .context import body_context
from .figures import Month, MonthlyReport, Scope, monthly_report

MONTHS_BACK = 24
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


def _month(request: StaffRequest, this_month: Month) -> Month:
    match = MONTH_RE.match(request.GET.get("month", ""))
    if not match:
        return this_month
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or (year, month) > (this_month.year, this_month.month):
        raise Http404
    return Month(year, month, request.tenant.timezone)


def _scope(request: StaffRequest) -> Scope:
    value = request.GET.get("scope", "")
    if value.startswith("team-") and value[5:].isdigit():
        return Scope(request.tenant, team=tenant_object_or_404(request, Team.objects, pk=value[5:]))
    if value.startswith("org-") and value[4:].isdigit():
        org = tenant_object_or_404(request, Organization.objects, pk=value[4:])
        return Scope(request.tenant, organization=org)
    if value:
        raise Http404
    return Scope(request.tenant)


def _report(request: StaffRequest) -> MonthlyReport:
    now = get_clock().now()
    month = _month(request, Month.of(request.tenant, now))
    return monthly_report(_scope(request), month, now)


def _recent_months(this_month: Month) -> list[tuple[str, str]]:
    year, month = this_month.year, this_month.month
    choices = []
    for _ in range(MONTHS_BACK):
        choices.append((f"{year}-{month:02d}", Month(year, month).label))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return choices


@report_view
def monthly(request: StaffRequest) -> HttpResponse:
    report = _report(request)
    this_month = Month.of(request.tenant, report.generated_at)
    month_value = f"{report.month.year}-{report.month.month:02d}"
    scope_value = request.GET.get("scope", "")
    query = urlencode({"month": month_value, "scope": scope_value})
    context = {
        **body_context(report),
        "nav": "reports",
        "month_choices": _recent_months(this_month),
        "month_value": month_value,
        "scope_value": scope_value,
        "scope_groups": [
            (
                pgettext("reports", "Organizations"),
                [
                    (f"org-{o.pk}", o.name)
                    for o in scoped(request, Organization.objects).order_by("name")
                ],
            ),
            (
                pgettext("reports", "Teams"),
                [(f"team-{t.pk}", t.name) for t in scoped(request, Team.objects).order_by("name")],
            ),
        ],
        "query": query,
    }
    return render(request, "reports/monthly.html", context)


def _attachment(response: HttpResponse, report: MonthlyReport, extension: str) -> HttpResponse:
    # The file's name in the request's language (「…_実証実験レポート.pdf」 in Japanese).
    name = pgettext("reports", "%(scope)s_%(month)s_pilot_report") % {
        "scope": report.scope.label,
        "month": report.month.label,
    }
    response["Content-Disposition"] = (
        f'attachment; filename="{export.filename(report, extension)}"; '
        f"filename*=UTF-8''{quote(f'{name}.{extension}')}"
    )
    return response


@report_view
def monthly_csv(request: StaffRequest) -> HttpResponse:
    report = _report(request)
    response = HttpResponse(
        export.report_csv(report).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    return _attachment(response, report, "csv")


@report_view
def monthly_pdf(request: StaffRequest) -> HttpResponse:
    from .pdf import PdfUnavailable, report_pdf

    report = _report(request)
    try:
        pdf = report_pdf(report)
    except PdfUnavailable as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    return _attachment(HttpResponse(pdf, content_type="application/pdf"), report, "pdf")
