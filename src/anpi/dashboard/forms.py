"""Forms of the staff dashboard."""

from __future__ import annotations

from django import forms
from django.utils.translation import pgettext_lazy

from anpi.engine.models import Task

from .display import CTX


class TaskOutcomeForm(forms.Form):
    """One of the three call-queue buttons, plus an optional note."""

    outcome = forms.ChoiceField(choices=Task.Outcome.choices)
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=pgettext_lazy(CTX, "Note"),
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        data["note"] = (data.get("note") or "").strip()
        if data.get("outcome") == Task.Outcome.OTHER and not data["note"]:
            self.add_error("note", pgettext_lazy(CTX, "Please write a note about what happened."))
        return data


class PeopleFilterForm(forms.Form):
    q = forms.CharField(required=False, label=pgettext_lazy(CTX, "Name or phone"))
    light = forms.ChoiceField(
        required=False,
        label=pgettext_lazy(CTX, "Status"),
        choices=[
            ("", pgettext_lazy(CTX, "All")),
            ("red", pgettext_lazy(CTX, "Needs a call")),
            ("yellow", pgettext_lazy(CTX, "Waiting for the answer")),
            ("green", pgettext_lazy(CTX, "Fine")),
            ("grey", pgettext_lazy(CTX, "Not being checked")),
        ],
    )
