"""Pauses and quiet hours in the dashboard.

- The person page's 「確認を休む」 panel (``_pause_panel.html``): staff set a
  pause (from, to, why) or end the current ones, through engine.pauses with
  the staff user as actor (audited there). Use it when staff know the person
  is in hospital or away: contacts alarmed by a running check are told so.
- The tenant admin's quiet hours page (静かな時間帯): engine.quiet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from anpi.engine import pauses, quiet
from anpi.engine.clock import get_clock
from anpi.people.models import Person
from anpi.tenants.access import StaffRequest, admin_view, staff_view, tenant_object_or_404
from anpi.tenants.actors import Actor

from ..display import CTX


class PauseForm(forms.Form):
    starts_on = forms.DateField(
        label=pgettext_lazy(CTX, "From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=pgettext_lazy(CTX, "Until (inclusive)"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    reason = forms.CharField(label=pgettext_lazy(CTX, "Why"), required=False, max_length=100)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("starts_on"), data.get("ends_on")
        if first and last and last < first:
            self.add_error("ends_on", pgettext_lazy(CTX, "The last day must be on or after the first day."))
        return data


PAUSE_ERRORS = {
    "order": pgettext_lazy(CTX, "The last day must be on or after the first day."),
    "past": pgettext_lazy(CTX, "A pause cannot start before today."),
    "too_long": pgettext_lazy(CTX, "A pause can last at most %(days)s days."),
}


def pause_context(person: Person, now: datetime) -> dict[str, Any]:
    """What the person page's pause panel shows (merged into its context)."""
    return {"pauses": pauses.pause_rows(person, now), "pause_form": PauseForm()}


def _person(request: StaffRequest, person_id: int) -> Person:
    return tenant_object_or_404(request, Person.objects.select_related("tenant"), pk=person_id)


@staff_view
@require_POST
def person_pause(request: StaffRequest, person_id: int) -> HttpResponse:
    """Staff set a pause; bad dates get a Japanese error and nothing is saved."""
    person = _person(request, person_id)
    form = PauseForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("dashboard:person", person.pk)
    data = form.cleaned_data
    try:
        pauses.pause_person(
            person,
            data["starts_on"],
            data["ends_on"],
            Actor.staff(request.user),
            get_clock().now(),
            reason=data["reason"].strip(),
        )
    except pauses.PauseError as exc:
        messages.error(request, str(PAUSE_ERRORS[exc.code]) % {"days": pauses.MAX_PAUSE_DAYS})
    else:
        messages.success(
            request,
            pgettext(CTX, "Checks pause from %(first)s until %(last)s, then resume by themselves.")
            % {"first": f"{data['starts_on']:%m/%d}", "last": f"{data['ends_on']:%m/%d}"},
        )
    return redirect("dashboard:person", person.pk)


@staff_view
@require_POST
def person_pause_end(request: StaffRequest, person_id: int) -> HttpResponse:
    """Staff end the person's current and coming pauses: checks resume today."""
    person = _person(request, person_id)
    if pauses.end_pause(person, Actor.staff(request.user), get_clock().now()):
        messages.success(request, pgettext(CTX, "Pause ended: checks resume today."))
    else:
        messages.info(request, pgettext(CTX, "There was no pause to end."))
    return redirect("dashboard:person", person.pk)


class QuietHoursForm(forms.Form):
    quiet_start = forms.TimeField(
        label=pgettext_lazy(CTX, "Quiet from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_end = forms.TimeField(
        label=pgettext_lazy(CTX, "Quiet until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("quiet_start"), data.get("quiet_end")
        if (start is None) != (end is None):
            raise forms.ValidationError(
                pgettext_lazy(CTX, "Give both times, or leave both empty for no quiet hours.")
            )
        if start is not None and start == end:
            raise forms.ValidationError(
                pgettext_lazy(CTX, "The start and the end of the quiet hours must differ.")
            )
        return data


@admin_view
def quiet_hours(request: StaffRequest) -> HttpResponse:
    """The tenant admin's quiet hours: no staff calls or contact notifications in
    them (engine.quiet); steps marked emergency in a policy are not held."""
    tenant = request.tenant
    if request.method == "POST":
        form = QuietHoursForm(request.POST)
        if form.is_valid():
            quiet.do_set_quiet_hours(
                tenant,
                form.cleaned_data["quiet_start"],
                form.cleaned_data["quiet_end"],
                Actor.staff(request.user),
                get_clock().now(),
            )
            messages.success(request, pgettext(CTX, "Quiet hours saved."))
            return redirect("dashboard:quiet-hours")
    else:
        form = QuietHoursForm(
            initial={"quiet_start": tenant.quiet_start, "quiet_end": tenant.quiet_end}
        )
    return render(request, "dashboard/quiet_hours.html", {"form": form, "nav": "quiet"})
