"""Forms of the alerts board: its filters, an admin's assignment and the
outcome of a group or team alert (the individual service's outcomes use the
call queue's own forms, ``forms.TaskOutcomeForm`` and ``forms.DecisionForm``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import pgettext_lazy

from anpi.engine.assignment import staff_name
from anpi.groups.models import Alert, Team
from anpi.municipal.display import CHOICE_LABELS

from .alerts_board import CTX, SERVICE_LABELS, assignable_staff


class BoardFilterForm(forms.Form):
    """Service, team and whose: every field optional; bad values are refused
    (the board then shows everything and says why)."""

    service = forms.ChoiceField(
        required=False,
        label=pgettext_lazy(CTX, "Service"),
        choices=[("", pgettext_lazy(CTX, "All services")), *SERVICE_LABELS.items()],
    )
    team = forms.ModelChoiceField(
        required=False,
        label=pgettext_lazy(CTX, "Team"),
        queryset=Team.objects.none(),
        empty_label=pgettext_lazy(CTX, "All teams"),
    )
    who = forms.ChoiceField(
        required=False,
        label=pgettext_lazy(CTX, "Claimed"),
        choices=[
            ("", pgettext_lazy(CTX, "Everyone's")),
            ("mine", pgettext_lazy(CTX, "Mine")),
            ("unclaimed", pgettext_lazy(CTX, "Unclaimed")),
        ],
    )

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = Team.objects.filter(tenant=tenant).order_by("name")


class StaffChoiceField(forms.ModelChoiceField):
    """Staff users, each shown by name (``engine.assignment.staff_name``)."""

    def label_from_instance(self, obj: Any) -> str:
        return staff_name(obj)


class AssignForm(forms.Form):
    """An admin's choice of who takes an alert: an enabled staff member of the
    tenant (another tenant's user, a watcher or a disabled account is refused)."""

    assignee: StaffChoiceField = StaffChoiceField(
        queryset=get_user_model().objects.none(),
        label=pgettext_lazy(CTX, "Assign to"),
        error_messages={
            "required": pgettext_lazy(CTX, "Choose a staff member to assign it to."),
            "invalid_choice": pgettext_lazy(CTX, "Choose a staff member of this organization."),
        },
    )

    def __init__(self, *args: Any, tenant: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = assignable_staff(tenant)


class AlertOutcomeForm(forms.Form):
    """What the staff member holding a group or team alert found."""

    outcome = forms.ChoiceField(
        choices=[(value, label) for value, label in CHOICE_LABELS[("Alert", "outcome")].items()],
        error_messages={"required": pgettext_lazy(CTX, "Choose what you found.")},
    )
    note = forms.CharField(
        required=False, max_length=2000, label=pgettext_lazy(CTX, "Note"), widget=forms.Textarea
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        data["note"] = (data.get("note") or "").strip()
        if data.get("outcome") == Alert.Outcome.OTHER and not data["note"]:
            self.add_error("note", pgettext_lazy(CTX, "Please write a note about what happened."))
        return data
