"""The group schedule form (mobile page reached from 「せってい」 in the group).

Labels and errors are English msgids with the message context "groups"; the
Japanese of the page (やさしい日本語, the default) comes from ``locale/ja``.
"""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import pgettext_lazy

from anpi.people.textnorm import normalize_input

WEEKDAYS = [
    ("0", pgettext_lazy("groups", "Mon")),
    ("1", pgettext_lazy("groups", "Tue")),
    ("2", pgettext_lazy("groups", "Wed")),
    ("3", pgettext_lazy("groups", "Thu")),
    ("4", pgettext_lazy("groups", "Fri")),
    ("5", pgettext_lazy("groups", "Sat")),
    ("6", pgettext_lazy("groups", "Sun")),
]

# format_lazy keeps the label lazy, so it is translated per request, not at import.
INTERVALS = [(str(1), pgettext_lazy("groups", "Every day"))] + [
    (str(n), format_lazy(pgettext_lazy("groups", "Every {n} days"), n=n)) for n in range(2, 8)
]


class TypedTimeField(forms.TimeField):
    """A time as typed on a Japanese keyboard where the browser offers no time picker:
    「９：３０」 and 「 9:30 」 are 9:30 (NFKC and spaces, ``textnorm.normalize_input``)."""

    def to_python(self, value):
        if isinstance(value, str):
            value = normalize_input(value).replace(" ", "")
        return super().to_python(value)


class GroupScheduleForm(forms.Form):
    schedule_kind = forms.ChoiceField(
        label=pgettext_lazy("groups", "When should we ask?"),
        choices=[
            ("interval", pgettext_lazy("groups", "Every few days")),
            ("weekdays", pgettext_lazy("groups", "On chosen weekdays")),
        ],
        widget=forms.RadioSelect,
        initial="interval",
    )
    interval_days = forms.TypedChoiceField(
        label=pgettext_lazy("groups", "How often"),
        choices=INTERVALS,
        coerce=int,
        initial=1,
        required=False,
    )
    weekdays = forms.MultipleChoiceField(
        label=pgettext_lazy("groups", "Weekdays"),
        choices=WEEKDAYS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    check_time = TypedTimeField(
        label=pgettext_lazy("groups", "Time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": pgettext_lazy("groups", "Please enter a time."),
            "invalid": pgettext_lazy("groups", "That is not a time (e.g. 9:00)."),
        },
    )
    skip_holidays = forms.BooleanField(
        label=pgettext_lazy("groups", "No checks on public holidays"), required=False
    )

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("schedule_kind") == "weekdays":
            if not data.get("weekdays"):
                self.add_error(
                    "weekdays", pgettext_lazy("groups", "Please choose at least one weekday.")
                )
            data["interval_days"] = 1
        else:
            if not data.get("interval_days"):
                self.add_error("interval_days", pgettext_lazy("groups", "Please choose how often."))
            data["weekdays"] = []
        data["weekdays"] = ",".join(sorted(data.get("weekdays") or []))
        return data
