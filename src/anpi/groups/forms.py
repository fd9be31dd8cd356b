"""The group schedule form (mobile page reached from 「せってい」 in the group)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

WEEKDAYS = [
    ("0", "月"),
    ("1", "火"),
    ("2", "水"),
    ("3", "木"),
    ("4", "金"),
    ("5", "土"),
    ("6", "日"),
]


class GroupScheduleForm(forms.Form):
    schedule_kind = forms.ChoiceField(
        label=_("いつ きく？"),
        choices=[("interval", "なんにちに 1かい"), ("weekdays", "ようびを えらぶ")],
        widget=forms.RadioSelect,
        initial="interval",
    )
    interval_days = forms.TypedChoiceField(
        label=_("なんにちに 1かい"),
        choices=[(str(n), "まいにち" if n == 1 else f"{n}にちに 1かい") for n in range(1, 8)],
        coerce=int,
        initial=1,
        required=False,
    )
    weekdays = forms.MultipleChoiceField(
        label=_("ようび"), choices=WEEKDAYS, widget=forms.CheckboxSelectMultiple, required=False
    )
    check_time = forms.TimeField(
        label=_("じかん"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={
            "required": "じかんを いれてください。",
            "invalid": "じかんの かたちが ちがいます（れい 9:00）。",
        },
    )
    skip_holidays = forms.BooleanField(label=_("しゅくじつは やすむ"), required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("schedule_kind") == "weekdays":
            if not data.get("weekdays"):
                self.add_error("weekdays", "ようびを 1つ いじょう えらんでください。")
            data["interval_days"] = 1
        else:
            if not data.get("interval_days"):
                self.add_error("interval_days", "なんにちに 1かいか えらんでください。")
            data["weekdays"] = []
        data["weekdays"] = ",".join(sorted(data.get("weekdays") or []))
        return data
