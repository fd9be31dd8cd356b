"""The tenant settings form (/settings/): Japanese errors, nothing half saved."""

from __future__ import annotations

from typing import Any

import phonenumbers
from django import forms
from django.utils.translation import pgettext_lazy

from anpi.tenants import profile
from anpi.tenants.models import Tenant

CTX = "tenant"

# Retention bounds: long enough to reach the family after a death is found,
# short enough that "as long as needed" (APPI Art. 22) stays honest.
ERASE_DAYS = (7, 3650)
INBOX_DAYS = (1, 365)
# The cost guard's automatic measures (engine.cost, engine.habits); 0 turns each off.
IDENTICAL_PERCENT = (0, 100)
MENU_HINT_DAYS = (0, 365)


class TenantSettingsForm(forms.ModelForm):
    class Meta:
        model = Tenant
        fields = list(profile.FIELDS)  # exactly what do_update_tenant applies
        labels = {
            "name": pgettext_lazy(CTX, "Name (shown to contacts)"),
            "phone": pgettext_lazy(CTX, "Phone number contacts call"),
            "staff_email": pgettext_lazy(CTX, "E-mail for staff alerts"),
            "line_plan": pgettext_lazy(CTX, "LINE plan"),
            "line_monthly_limit": pgettext_lazy(CTX, "Custom monthly limit (messages)"),
            "erase_after_days": pgettext_lazy(CTX, "Days before a stopped person's data is erased"),
            "inbox_keep_days": pgettext_lazy(CTX, "Days to keep the texts of received messages"),
            "identical_at_percent": pgettext_lazy(
                CTX, "Switch check messages to one text for all at (% of the plan)"
            ),
            "menu_hint_days": pgettext_lazy(CTX, "Days between suggestions of the menu button"),
        }
        help_texts = {
            "phone": pgettext_lazy(CTX, "Every alert to contacts, groups and teams gives this number."),
            "staff_email": pgettext_lazy(CTX, "Missed calls and decisions are e-mailed here."),
            "line_plan": pgettext_lazy(CTX, "The cost guard warns staff at 80% and 95% of the plan."),
            "identical_at_percent": pgettext_lazy(
                CTX,
                "From this share of the plan, or when the month's forecast exceeds the plan,"
                " check messages go without names, by multicast, until the month ends."
                " LINE still counts one message per person. 0: never.",
            ),
            "menu_hint_days": pgettext_lazy(
                CTX,
                "People who answer within minutes most days are told once, in the free reply,"
                " that the menu's 「げんきです」 before the check saves the message. 0: never.",
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].error_messages["required"] = pgettext_lazy(CTX, "Enter the name.")
        self.fields["staff_email"].error_messages["invalid"] = pgettext_lazy(
            CTX, "Enter a valid e-mail address."
        )
        for name, (low, high) in (
            ("erase_after_days", ERASE_DAYS),
            ("inbox_keep_days", INBOX_DAYS),
            ("identical_at_percent", IDENTICAL_PERCENT),
            ("menu_hint_days", MENU_HINT_DAYS),
        ):
            field = self.fields[name]
            field.widget.attrs.update(min=low, max=high)

    def clean_phone(self) -> str:
        """A Japanese number, stored the way contacts read it (03-1234-5678)."""
        raw = (self.cleaned_data.get("phone") or "").strip()
        if not raw:
            return ""
        try:
            number = phonenumbers.parse(raw, "JP")
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise forms.ValidationError(
                pgettext_lazy(CTX, "Enter a phone number such as 03-1234-5678."), code="invalid_phone"
            )
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)

    def _days(self, name: str, low: int, high: int) -> int:
        value = self.cleaned_data.get(name)
        if value is None or not low <= value <= high:
            raise forms.ValidationError(
                pgettext_lazy(CTX, "Enter a number of days from %(low)s to %(high)s.")
                % {"low": low, "high": high},
                code="out_of_range",
            )
        return int(value)

    def clean_erase_after_days(self) -> int:
        return self._days("erase_after_days", *ERASE_DAYS)

    def clean_inbox_keep_days(self) -> int:
        return self._days("inbox_keep_days", *INBOX_DAYS)

    def clean_identical_at_percent(self) -> int:
        value = self.cleaned_data.get("identical_at_percent")
        low, high = IDENTICAL_PERCENT
        if value is None or not low <= value <= high:
            raise forms.ValidationError(
                pgettext_lazy(CTX, "Enter a percentage from %(low)s to %(high)s.")
                % {"low": low, "high": high},
                code="out_of_range",
            )
        return int(value)

    def clean_menu_hint_days(self) -> int:
        return self._days("menu_hint_days", *MENU_HINT_DAYS)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("line_plan") == "custom" and not data.get("line_monthly_limit"):
            self.add_error(
                "line_monthly_limit",
                pgettext_lazy(CTX, "A custom plan needs its monthly limit."),
            )
        if data.get("line_plan") != "custom":
            data["line_monthly_limit"] = None
        return data
