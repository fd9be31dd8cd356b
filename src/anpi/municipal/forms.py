"""Forms of the tenant admin pages. Errors are plain Japanese; nothing is saved
unless the whole form is valid."""

from __future__ import annotations

import json

from django import forms

from anpi.engine.models import EscalationPolicy
from anpi.engine.policies import PolicyError, validate_policy
from anpi.tenants.models import Organization


class ChannelForm(forms.Form):
    name = forms.CharField(label="公式アカウント名", max_length=200)
    basic_id = forms.RegexField(
        label="ベーシックID（@から始まるID）",
        regex=r"^@[0-9a-z._-]{3,30}$",
        required=False,
        error_messages={"invalid": "@から始まるIDを入れてください（例: @123abcde）。"},
    )
    channel_secret = forms.CharField(
        label="チャネルシークレット",
        widget=forms.PasswordInput,
        required=False,
        help_text="変更しないときは空のまま",
    )
    access_token = forms.CharField(
        label="チャネルアクセストークン（長期）",
        widget=forms.PasswordInput,
        required=False,
        help_text="変更しないときは空のまま",
    )

    def __init__(self, *args, creating: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if creating:
            for name in ("channel_secret", "access_token"):
                self.fields[name].required = True
                self.fields[name].help_text = ""
                self.fields[name].error_messages["required"] = "入力してください。"


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "kind"]
        labels = {"name": "名称", "kind": "種別（社協・民生委員・町会など）"}
        error_messages = {"name": {"required": "名称を入れてください。"}}


class TeamForm(forms.Form):
    name = forms.CharField(
        label="チーム名", max_length=200, error_messages={"required": "チーム名を入れてください。"}
    )
    organization = forms.ModelChoiceField(
        label="団体", queryset=Organization.objects.none(), required=False
    )
    policy = forms.ModelChoiceField(
        label="エスカレーション手順",
        queryset=EscalationPolicy.objects.none(),
        required=False,
        empty_label="標準（本人に再送 → チームに通知 → 市のスタッフ）",
    )

    def __init__(self, *args, tenant, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.filter(tenant=tenant)
        self.fields["policy"].queryset = EscalationPolicy.objects.filter(tenant=tenant)


class InviteForm(forms.Form):
    role = forms.ChoiceField(
        label="招待する人", choices=[("watched", "見守られる人"), ("watcher", "見守る人")]
    )
    label = forms.CharField(label="お名前（控え）", max_length=100, required=False)


class PolicyForm(forms.Form):
    name = forms.CharField(label="名前", max_length=100)
    steps = forms.CharField(
        label="手順（JSON）",
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text='例: [{"after": 0, "action": "send_check"}, …]',
    )

    def clean_steps(self) -> list:
        try:
            steps = json.loads(self.cleaned_data["steps"])
        except ValueError as exc:
            raise forms.ValidationError(
                "JSONとして読めません。括弧や引用符を確認してください。"
            ) from exc
        if not isinstance(steps, list):
            raise forms.ValidationError("手順は [ … ] のリストで書いてください。")
        try:
            return validate_policy(steps)
        except PolicyError as exc:
            raise forms.ValidationError(f"手順が正しくありません: {exc}") from exc
