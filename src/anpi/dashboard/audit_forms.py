"""The audit page's filter form and the labels of audited actions.

English msgids with the message context "audit"; Japanese (the default) is in
``locale/ja``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from anpi.tenants.models import AuditEntry, Tenant

CTX = "audit"

# What the audit page says for each action (others show their dotted name).
ACTION_LABELS: dict[str, Any] = {
    "person.view": pgettext_lazy(CTX, "Opened a person"),
    "people.list": pgettext_lazy(CTX, "Viewed the people list"),
    "queue.view": pgettext_lazy(CTX, "Viewed the call queue"),
    "overview.view": pgettext_lazy(CTX, "Viewed the overview board"),
    "task.outcome": pgettext_lazy(CTX, "Recorded a call outcome"),
    "contact.confirm": pgettext_lazy(CTX, "Confirmed a contact's consent"),
    "municipal.overview": pgettext_lazy(CTX, "Viewed teams and alerts"),
    "team.view": pgettext_lazy(CTX, "Opened a team"),
    "alert.view": pgettext_lazy(CTX, "Opened an alert"),
    "group.view": pgettext_lazy(CTX, "Opened a group"),
    "watch.view": pgettext_lazy(CTX, "Viewed the watcher page"),
    "audit.export": pgettext_lazy(CTX, "Exported the audit log"),
    "tenant.create": pgettext_lazy(CTX, "Created the tenant"),
    "staff.invite": pgettext_lazy(CTX, "Invited staff"),
    "staff.join": pgettext_lazy(CTX, "Joined as staff"),
    "staff.disable": pgettext_lazy(CTX, "Disabled staff"),
    "staff.enable": pgettext_lazy(CTX, "Enabled staff"),
    "channel.create": pgettext_lazy(CTX, "Registered the LINE account"),
    "channel.update": pgettext_lazy(CTX, "Changed the LINE account"),
    "organization.create": pgettext_lazy(CTX, "Registered an organization"),
    "team.create": pgettext_lazy(CTX, "Created a team"),
    "policy.create": pgettext_lazy(CTX, "Saved an escalation policy"),
    "invite.create": pgettext_lazy(CTX, "Created an invite code"),
    "alerts.view": pgettext_lazy(CTX, "Viewed the alerts board"),
    "alert.claim": pgettext_lazy(CTX, "Took an alert"),
    "alert.assign": pgettext_lazy(CTX, "Assigned an alert"),
    "alert.outcome": pgettext_lazy(CTX, "Recorded an alert's outcome"),
    "incident.claim": pgettext_lazy(CTX, "Took an incident"),
    "incident.assign": pgettext_lazy(CTX, "Assigned an incident"),
    "person.enrol": pgettext_lazy(CTX, "Registered a person"),
    "person.edit": pgettext_lazy(CTX, "Changed a person's settings"),
    "person.edit_form": pgettext_lazy(CTX, "Opened a person's settings form"),
    "person.line_sheet": pgettext_lazy(CTX, "Printed a person's LINE sheet"),
    "person.link_code": pgettext_lazy(CTX, "Made a new LINE code for a person"),
    "person.pause": pgettext_lazy(CTX, "Paused a person's checks"),
    "person.pause_end": pgettext_lazy(CTX, "Ended a pause"),
    "person.schedule": pgettext_lazy(CTX, "Changed a person's schedule"),
    "people.import_check": pgettext_lazy(CTX, "Checked a CSV for import"),
    "people.import": pgettext_lazy(CTX, "Imported people from a CSV"),
    "people.export": pgettext_lazy(CTX, "Exported people as CSV"),
    "tenant.settings": pgettext_lazy(CTX, "Changed the organization's settings"),
    "tenant.quiet_hours": pgettext_lazy(CTX, "Changed the quiet hours"),
    "richmenu.create": pgettext_lazy(CTX, "Created the rich menu"),
    "consent.withdraw": pgettext_lazy(CTX, "Withdrew consent"),
    "person.erase": pgettext_lazy(CTX, "Erased a person's data"),
    "person.export": pgettext_lazy(CTX, "Exported a person's data"),
    "person.notes": pgettext_lazy(CTX, "Changed a person's notes"),
    "api_token.create": pgettext_lazy(CTX, "Created an API token"),
    "group.link_team": pgettext_lazy(CTX, "Linked a group to a team"),
    "channel.secret_restored": pgettext_lazy(CTX, "Restored the LINE account's secret"),
    "channel.webhook_test": pgettext_lazy(CTX, "Ran LINE's webhook test"),
    "channel.webhook_off": pgettext_lazy(CTX, "Found “Use webhook” off in LINE"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_username()


class AuditFilterForm(forms.Form):
    """Filters of ``/audit/`` (GET). Every field is optional; an invalid value is
    shown as an error and the log is listed unfiltered by it."""

    user = StaffChoiceField(
        label=pgettext_lazy(CTX, "Staff"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=pgettext_lazy(CTX, "Everyone"),
    )
    action = forms.ChoiceField(label=pgettext_lazy(CTX, "Action"), required=False)
    person = forms.IntegerField(label=pgettext_lazy(CTX, "Person No."), required=False, min_value=1)
    object_type = forms.ChoiceField(label=pgettext_lazy(CTX, "Object"), required=False)
    object_id = forms.CharField(
        label=pgettext_lazy(CTX, "Object No."), required=False, max_length=64
    )
    date_from = forms.DateField(
        label=pgettext_lazy(CTX, "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = forms.DateField(
        label=pgettext_lazy(CTX, "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    break_glass = forms.BooleanField(label=pgettext_lazy(CTX, "Only break-glass"), required=False)

    def __init__(self, *args: Any, tenant: Tenant, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        entries = AuditEntry.objects.filter(tenant=tenant)
        user = self.fields["user"]
        assert isinstance(user, forms.ModelChoiceField)
        user.queryset = (
            get_user_model()
            .objects.filter(pk__in=entries.exclude(actor_user=None).values("actor_user"))
            .order_by("username")
        )
        action = self.fields["action"]
        assert isinstance(action, forms.ChoiceField)
        actions = entries.order_by("action").values_list("action", flat=True).distinct()
        action.choices = [("", pgettext_lazy(CTX, "All"))] + [(a, action_label(a)) for a in actions]
        kind = self.fields["object_type"]
        assert isinstance(kind, forms.ChoiceField)
        kinds = (
            entries.exclude(object_type="")
            .order_by("object_type")
            .values_list("object_type", flat=True)
            .distinct()
        )
        kind.choices = [("", pgettext_lazy(CTX, "All"))] + [(k, k) for k in kinds]

    def filter(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        """``entries`` narrowed by the valid fields (dates in the active time zone,
        ``date_to`` inclusive); call after ``is_valid()``."""
        data = getattr(self, "cleaned_data", {})
        if data.get("user"):
            entries = entries.filter(actor_user=data["user"])
        if data.get("action"):
            entries = entries.filter(action=data["action"])
        if data.get("person"):
            pid = data["person"]
            entries = entries.filter(
                Q(object_type="Person", object_id=str(pid)) | Q(person_ids__contains=f",{pid},")
            )
        if data.get("object_type"):
            entries = entries.filter(object_type=data["object_type"])
        if data.get("object_id"):
            entries = entries.filter(object_id=data["object_id"].strip())
        zone = timezone.get_current_timezone()
        if data.get("date_from"):
            entries = entries.filter(at__gte=datetime.combine(data["date_from"], time.min, zone))
        if data.get("date_to"):
            end = datetime.combine(data["date_to"] + timedelta(days=1), time.min, zone)
            entries = entries.filter(at__lt=end)
        if data.get("break_glass"):
            entries = entries.filter(break_glass=True)
        return entries

    def applied(self) -> dict[str, str]:
        """The filters in force, as text (written into the export's audit row)."""
        data = getattr(self, "cleaned_data", {})
        return {k: str(v) for k, v in data.items() if v not in (None, "", False)}
