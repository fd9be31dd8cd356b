"""Where an alerted emergency contact reports back (engine.contacts).

The engine's contact alert links here (``registry.links["contact_report"]``).
The link is signed (people.links) for one (check, contact) and works once: the
first report on the timeline from this contact for this check uses it up.
「れんらくが つきました・ぶじでした」 closes the incident as safe;
「れんらくが つきません」 is noted for staff.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from anpi.engine.clock import get_clock
from anpi.engine.contacts import (
    REPORT_SAFE,
    REPORT_UNREACHABLE,
    ReportUsed,
    contact_reported,
    record_contact_report,
)
from anpi.engine.models import Check
from anpi.people.links import MAX_AGE, LinkError, read_link, sign_link
from anpi.people.models import Contact
from anpi.tenants.actors import Actor

SALT = "anpi.people.contact-report"


def report_url(check: Any, contact: Any) -> str:
    token = sign_link(SALT, check.pk, str(contact.pk), now=get_clock().now())
    return settings.BASE_URL + reverse("individual:contact-report", args=[token])


def _private(response):
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _load(token: str) -> tuple[Check, Contact]:
    check_id, contact_id = read_link(SALT, token, MAX_AGE, now=get_clock().now())
    check = Check.objects.select_related("person__tenant").filter(pk=check_id).first()
    contact = (
        Contact.objects.filter(pk=int(contact_id), person_id=check.person_id).first()
        if check is not None and str(contact_id).isdigit()
        else None
    )
    if check is None or contact is None:
        raise LinkError("invalid")
    return check, contact


@never_cache
@require_http_methods(["GET", "POST"])
def contact_report(request, token):
    try:
        check, contact = _load(token)
    except LinkError as error:
        status = 410 if str(error) == "expired" else 404
        return _private(
            render(request, "individual/link_error.html", {"reason": str(error)}, status=status)
        )
    person = check.person
    context = {"person": person, "tenant": person.tenant, "contact": contact}
    if request.method == "POST":
        report = request.POST.get("report")
        if report not in (REPORT_SAFE, REPORT_UNREACHABLE):
            return _private(render(request, "individual/contact_report.html", context, status=400))
        actor = (
            Actor.line(contact.line_user_id, contact.name)
            if contact.line_user_id
            else Actor.system(f"緊急連絡先 {contact.name}（報告リンク）")
        )
        try:
            record_contact_report(check.pk, contact, report, get_clock(), actor=actor)
        except ReportUsed:
            pass
        context["done"] = report
        return _private(render(request, "individual/contact_report.html", context))
    if contact_reported(check, contact.pk):
        context["done"] = "before"
    return _private(render(request, "individual/contact_report.html", context))
