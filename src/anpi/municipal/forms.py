"""Forms of the tenant admin pages. Nothing is saved unless the whole form is valid.

Labels and errors are English msgids with the message context "municipal";
Japanese (the default) comes from ``locale/ja``.
"""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import pgettext, pgettext_lazy

from anpi.engine.models import EscalationPolicy
from anpi.engine.policies import PolicyError, validate_policy
from anpi.tenants.models import Organization


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "kind"]
        labels = {
            "name": pgettext_lazy("municipal", "Organization name"),
            "kind": pgettext_lazy(
                "municipal",
                "Kind (social welfare council, welfare commissioners, neighbourhood association…)",
            ),
        }
        error_messages = {
            "name": {"required": pgettext_lazy("municipal", "Please enter the name.")}
        }


class TeamForm(forms.Form):
    name = forms.CharField(
        label=pgettext_lazy("municipal", "Team name"),
        max_length=200,
        error_messages={"required": pgettext_lazy("municipal", "Please enter the team name.")},
    )
    organization = forms.ModelChoiceField(
        label=pgettext_lazy("municipal", "Organization"),
        queryset=Organization.objects.none(),
        required=False,
    )
    policy = forms.ModelChoiceField(
        label=pgettext_lazy("municipal", "Escalation policy"),
        queryset=EscalationPolicy.objects.none(),
        required=False,
        empty_label=pgettext_lazy(
            "municipal", "Standard (ask the person again → alert the team → city staff)"
        ),
    )

    def __init__(self, *args, tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        organization, policy = self.fields["organization"], self.fields["policy"]
        # self.fields holds copies of the fields declared above.
        assert isinstance(organization, forms.ModelChoiceField)
        assert isinstance(policy, forms.ModelChoiceField)
        organization.queryset = Organization.objects.filter(tenant=tenant)
        policy.queryset = EscalationPolicy.objects.filter(tenant=tenant)


class InviteForm(forms.Form):
    role = forms.ChoiceField(
        label=pgettext_lazy("municipal", "Who is invited"),
        choices=[
            ("watched", pgettext_lazy("municipal", "Watched person")),
            ("watcher", pgettext_lazy("municipal", "Watcher")),
        ],
    )
    label = forms.CharField(
        label=pgettext_lazy("municipal", "Their name (for your records)"),
        max_length=100,
        required=False,
    )


class PolicyForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("municipal", "Name"), max_length=100)
    steps = forms.CharField(
        label=pgettext_lazy("municipal", "Steps (JSON)"),
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text=pgettext_lazy("municipal", 'e.g. [{"after": 0, "action": "send_check"}, …]'),
    )

    def clean_steps(self) -> list:
        try:
            steps = json.loads(self.cleaned_data["steps"])
        except ValueError as exc:
            raise forms.ValidationError(
                pgettext("municipal", "This is not valid JSON. Check the brackets and quotes.")
            ) from exc
        if not isinstance(steps, list):
            raise forms.ValidationError(pgettext("municipal", "Write the steps as a list: [ … ]."))
        try:
            return validate_policy(steps)
        except PolicyError as exc:
            raise forms.ValidationError(
                pgettext("municipal", "The steps are not valid: %(error)s") % {"error": exc}
            ) from exc


class BreakGlassForm(forms.Form):
    """Why a watcher opens a person outside their own teams (kept in the audit log)."""

    reason = forms.CharField(
        label=pgettext_lazy("municipal", "Why do you need to see this person?"),
        min_length=10,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=pgettext_lazy(
            "municipal",
            "This person is not in your teams. Your reason, your name and the time are "
            "recorded and the tenant admins can read them.",
        ),
    )

    def clean_reason(self) -> str:
        reason = " ".join(self.cleaned_data["reason"].split())
        if len(reason) < 10:
            raise forms.ValidationError(
                pgettext("municipal", "Please write the reason in a few words.")
            )
        return reason
