"""Staff enrol a person without LINE, and print the person's own LINE sheet.

- 「利用者を登録」 (``person_new``): the roster names, the settings staff may
  set and up to three contacts, validated by ``individual.enrol.EnrolmentForms``
  (the person's own settings form), saved by ``staff_actions.do_enrol_person``
  (audited ``person.enrol``). The person stays 登録中 (no checks).
- The sheet (``person_line_sheet``, audited ``person.line_sheet``): one person
  per printed page, a large QR code that opens the account's chat with the
  person's code typed in (``individual.person_link``), the code for typing
  and やさしい日本語 steps. ``person_line_code`` prints a new code (audited
  ``person.link_code``) when the sheet was lost or the code expired.

Operators and admins alike: enrolling is the daily work of a city's staff.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import pgettext
from django.views.decorators.http import require_http_methods, require_POST

from anpi.channels.line.oamessage import qr_svg
from anpi.engine.clock import get_clock
from anpi.individual import person_link, staff_actions
from anpi.individual.enrol import EnrolmentForms
from anpi.individual.forms import DEFAULT_TIME
from anpi.people import linkcodes
from anpi.people.models import Person
from anpi.tenants.access import StaffRequest, staff_view, tenant_object_or_404
from anpi.tenants.actors import Actor
from anpi.tenants.audit import audited, note
from anpi.tenants.channel_setup import tenant_channel

from ..display import CTX

# Large enough to scan from a sheet held at arm's length (one module = 10 px).
SHEET_QR_SCALE = 10


@staff_view
@require_http_methods(["GET", "POST"])
def person_new(request: StaffRequest) -> HttpResponse:
    if request.method == "POST":
        forms = EnrolmentForms(request.tenant.pk, request.POST)
        if forms.is_valid():
            person = staff_actions.do_enrol_person(
                request.tenant.pk,
                forms.cleaned(),
                Actor.staff(request.user),
                get_clock().now(),
            )
            messages.success(
                request, pgettext(CTX, "Registered %(name)s.") % {"name": person.full_name}
            )
            return redirect("dashboard:person-line-sheet", person.pk)
    else:
        forms = EnrolmentForms(
            request.tenant.pk,
            None,
            initial={"schedule_kind": "interval", "interval_days": 1, "check_time": DEFAULT_TIME},
        )
    return render(
        request,
        "dashboard/person_new.html",
        {"forms": forms, "nav": "people", "has_errors": bool(forms.names.is_bound and forms.errors())},
    )


@staff_view
@audited("person.line_sheet", "Person", "person_id")
def person_line_sheet(request: StaffRequest, person_id: int) -> HttpResponse:
    person = tenant_object_or_404(request, Person.objects.all(), pk=person_id)
    note(request, person_ids=[person.pk])
    now = get_clock().now()
    channel = tenant_channel(request.tenant)
    valid = person_link.code_is_valid(person, now)
    url = person_link.line_link(channel, person) if valid else ""
    code_text = linkcodes.person_code_text(person.link_code) if valid else ""
    return render(
        request,
        "dashboard/person_line_sheet.html",
        {
            "person": person,
            "nav": "people",
            "linked": bool(person.line_user_id),
            "valid": valid,
            "code_text": code_text,
            "expires_at": person.link_code_expires_at if valid else None,
            "line_url": url,
            "qr": qr_svg(url, scale=SHEET_QR_SCALE) if url else "",
            "friend_qr": qr_svg(channel.add_friend_url(), scale=6)
            if channel is not None and channel.basic_id and not url
            else "",
            "tenant": request.tenant,
        },
    )


@staff_view
@require_POST
def person_line_code(request: StaffRequest, person_id: int) -> HttpResponse:
    person = tenant_object_or_404(request, Person.objects.all(), pk=person_id)
    try:
        person_link.do_issue_person_code(person, Actor.staff(request.user), get_clock().now())
    except ValueError:
        messages.error(request, pgettext(CTX, "This person has linked LINE already."))
        return redirect("dashboard:person", person.pk)
    messages.success(request, pgettext(CTX, "A new code was made. Print the new sheet."))
    return redirect("dashboard:person-line-sheet", person.pk)
