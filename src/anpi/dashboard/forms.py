"""Forms of the staff dashboard."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import pgettext_lazy

from anpi.engine.models import Task
from anpi.engine.tasks import MAX_CALL_MINUTES

from .display import CTX

# Lazy, so each request reads it in its own language.
MINUTES_ERROR = format_lazy(
    pgettext_lazy(CTX, "Enter the call time as whole minutes from 0 to {max}."),
    max=MAX_CALL_MINUTES,
)


class TaskOutcomeForm(forms.Form):
    """One of the three call-queue buttons, plus an optional note and the call's
    duration in whole minutes (typed, or filled by the page's start/stop timer,
    ``static/dashboard/call_timer.js``); empty means not recorded."""

    outcome = forms.ChoiceField(choices=Task.Outcome.choices)
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=pgettext_lazy(CTX, "Note"),
    )
    duration_minutes = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_CALL_MINUTES,
        label=pgettext_lazy(CTX, "Call time (minutes)"),
        error_messages={
            "invalid": MINUTES_ERROR,
            "min_value": MINUTES_ERROR,
            "max_value": MINUTES_ERROR,
        },
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self):
        data = super().clean()
        data["note"] = (data.get("note") or "").strip()
        if data.get("outcome") == Task.Outcome.OTHER and not data["note"]:
            self.add_error("note", pgettext_lazy(CTX, "Please write a note about what happened."))
        return data


class DecisionForm(forms.Form):
    """「次の対応を決める」 and a visit's result (engine.decisions): the choice,
    and the details a choice needs (who visits by when; away until when)."""

    choice = forms.ChoiceField(
        choices=[(c, c) for c in ("visit", "police", "away", "safe", "safe_contact", "not_found", "other")]
    )
    note = forms.CharField(required=False, max_length=2000, label=pgettext_lazy(CTX, "Note"))
    visitor = forms.CharField(required=False, max_length=100, label=pgettext_lazy(CTX, "Who visits"))
    visit_by = forms.DateTimeField(
        required=False,
        label=pgettext_lazy(CTX, "Visit by"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    away_until = forms.DateField(required=False, label=pgettext_lazy(CTX, "Away until"))

    def clean(self):
        data = super().clean()
        data["note"] = (data.get("note") or "").strip()
        choice = data.get("choice")
        if choice == "visit":
            if not (data.get("visitor") or "").strip():
                self.add_error("visitor", pgettext_lazy(CTX, "Who will visit?"))
            if not data.get("visit_by"):
                self.add_error("visit_by", pgettext_lazy(CTX, "By when?"))
        if choice == "away" and not data.get("away_until"):
            self.add_error("away_until", pgettext_lazy(CTX, "Until which date?"))
        if choice == "other" and not data["note"]:
            self.add_error("note", pgettext_lazy(CTX, "Please write a note about what happened."))
        return data


class PeopleFilterForm(forms.Form):
    """The people list's search, filters and sort (``people_query``). Everything
    is optional and comes from the query string, so a list can be bookmarked."""

    q = forms.CharField(
        required=False, max_length=100, label=pgettext_lazy(CTX, "Name, reading or phone")
    )
    light = forms.ChoiceField(
        required=False,
        label=pgettext_lazy(CTX, "Status"),
        choices=[
            ("", pgettext_lazy(CTX, "All")),
            ("red", pgettext_lazy(CTX, "Needs a call")),
            ("yellow", pgettext_lazy(CTX, "Waiting for the answer")),
            ("green", pgettext_lazy(CTX, "Fine")),
            ("new", pgettext_lazy(CTX, "New")),
            ("settled", pgettext_lazy(CTX, "Settled by staff or others")),
            ("grey", pgettext_lazy(CTX, "Not being checked")),
        ],
    )
    team = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label=pgettext_lazy(CTX, "Team")
    )
    schedule = forms.ChoiceField(
        required=False,
        label=pgettext_lazy(CTX, "Schedule"),
        choices=[
            ("", pgettext_lazy(CTX, "All")),
            ("daily", pgettext_lazy(CTX, "Every day")),
            ("interval", pgettext_lazy(CTX, "Every few days")),
            ("weekdays", pgettext_lazy(CTX, "Chosen weekdays")),
            ("none", pgettext_lazy(CTX, "No schedule yet")),
        ],
    )
    answered = forms.ChoiceField(
        required=False,
        label=pgettext_lazy(CTX, "Last answer"),
        choices=[
            ("", pgettext_lazy(CTX, "All")),
            ("today", pgettext_lazy(CTX, "Answered today")),
            ("stale", pgettext_lazy(CTX, "Last answer 3 or more days ago")),
            ("never", pgettext_lazy(CTX, "Never answered")),
        ],
    )
    sort = forms.ChoiceField(
        required=False,
        label=pgettext_lazy(CTX, "Sort by"),
        choices=[
            ("name", pgettext_lazy(CTX, "Name")),
            ("kana", pgettext_lazy(CTX, "Reading (kana)")),
            ("last_answer", pgettext_lazy(CTX, "Last answer (longest silent first)")),
            ("state", pgettext_lazy(CTX, "Status (most urgent first)")),
        ],
    )

    def __init__(self, *args, teams: Sequence[tuple[int, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ChoiceField)
        team_field.choices = [("", pgettext_lazy(CTX, "All")), *teams]
