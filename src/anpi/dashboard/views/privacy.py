"""A person's privacy on the person page: notes, consent, disclosure, erasure.

- notes and health notes (admin, operator; health notes only with consent);
- 「同意の撤回を記録」 (admin, operator): individual.withdrawal, audited;
- JSON download for a disclosure request (開示請求; tenant admin): audited;
- erasure on request (利用停止・消去; tenant admin) after a confirmation page:
  engine.retention.erase_person, audited.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from anpi.engine.clock import get_clock
from anpi.engine.personal_data import export_person
from anpi.engine.retention import erase_person
from anpi.individual import withdrawal
from anpi.people.models import Person
from anpi.people.notes import HealthConsentMissing, do_save_notes
from anpi.tenants.access import StaffRequest, admin_view, staff_view, tenant_object_or_404
from anpi.tenants.actors import Actor

from ..display import CTX


class NotesForm(forms.Form):
    notes = forms.CharField(
        label=pgettext_lazy(CTX, "Staff notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    health_notes = forms.CharField(
        label=pgettext_lazy(CTX, "Health and disability notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class EraseForm(forms.Form):
    confirm = forms.BooleanField(
        label=pgettext_lazy(
            CTX, "The person asked for their data to be erased, and I checked who asked."
        )
    )


def _person(request: StaffRequest, person_id: int) -> Person:
    return tenant_object_or_404(request, Person.objects.select_related("tenant"), pk=person_id)


@staff_view
@require_POST
def person_notes(request: StaffRequest, person_id: int) -> HttpResponse:
    person = _person(request, person_id)
    form = NotesForm(request.POST)
    if form.is_valid():
        try:
            do_save_notes(
                person,
                Actor.staff(request.user),
                get_clock().now(),
                notes=form.cleaned_data["notes"],
                health_notes=form.cleaned_data["health_notes"],
            )
            messages.success(request, pgettext(CTX, "Notes saved."))
        except HealthConsentMissing:
            messages.error(
                request,
                pgettext(CTX, "Health notes can be kept only with the person's consent."),
            )
    return redirect("dashboard:person", person.pk)


@staff_view
@require_POST
def person_withdraw_consent(request: StaffRequest, person_id: int) -> HttpResponse:
    """Staff record that the person withdrew consent (by phone, in person)."""
    person = _person(request, person_id)
    done = withdrawal.do_withdraw_consent(
        person, Actor.staff(request.user), get_clock().now(), via="staff"
    )
    if done:
        messages.success(request, pgettext(CTX, "Consent withdrawn: checks stopped."))
    else:
        messages.info(request, pgettext(CTX, "There was no consent to withdraw."))
    return redirect("dashboard:person", person.pk)


@admin_view
@require_POST
def person_export(request: StaffRequest, person_id: int) -> HttpResponse:
    """開示請求: everything about the person as a JSON download (audited)."""
    person = _person(request, person_id)
    data = export_person(person, Actor.staff(request.user), get_clock().now())
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="anpi-person-{person.pk}.json"'
    return response


@admin_view
def person_erase(request: StaffRequest, person_id: int) -> HttpResponse:
    """利用停止・消去: a confirmation page, then erasure (audited)."""
    person = _person(request, person_id)
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        erase_person(person, get_clock().now(), actor=Actor.staff(request.user), reason="request")
        messages.success(request, pgettext(CTX, "The person's personal data was erased."))
        return redirect("dashboard:person", person.pk)
    return render(
        request, "dashboard/person_erase.html", {"person": person, "form": form, "nav": "people"}
    )
