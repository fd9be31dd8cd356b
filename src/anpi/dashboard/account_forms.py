"""Forms of staff identity: joining by invite, the second factor, inviting, tenants."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import UsernameField
from django.utils.translation import pgettext_lazy

from anpi.tenants.models import StaffInvite, Tenant

CTX = "security"


class JoinForm(forms.Form):
    """The invitee picks a user name and a password (the password validators of
    settings apply: length 12+, not like the name or e-mail, not common)."""

    username = UsernameField(label=pgettext_lazy(CTX, "User name"), max_length=150)
    password1 = forms.CharField(
        label=pgettext_lazy(CTX, "Password (12 characters or more)"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=pgettext_lazy(CTX, "Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(pgettext_lazy(CTX, "This user name is taken."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        p1, p2 = data.get("password1"), data.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", pgettext_lazy(CTX, "The two passwords differ."))
        elif p1:
            probe = get_user_model()(username=data.get("username", ""), email=self.email)
            try:
                password_validation.validate_password(p1, probe)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=pgettext_lazy(CTX, "Code"),
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class InviteStaffForm(forms.Form):
    email = forms.EmailField(label=pgettext_lazy(CTX, "E-mail"))
    # No role is chosen for the admin: an operator or an admin sees every
    # person, a viewer only the report, and a forgotten choice must not decide.
    role = forms.ChoiceField(
        label=pgettext_lazy(CTX, "Role"),
        choices=[("", pgettext_lazy(CTX, "— choose a role —")), *StaffInvite.ROLE_CHOICES],
        initial="",
    )


class TenantForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy(CTX, "Name"), max_length=200)
    slug = forms.SlugField(label=pgettext_lazy(CTX, "Short name (letters, digits, -)"))
    kind = forms.ChoiceField(label=pgettext_lazy(CTX, "Kind"), choices=Tenant.KIND_CHOICES)
    admin_email = forms.EmailField(label=pgettext_lazy(CTX, "First tenant admin's e-mail"))

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if Tenant.objects.filter(slug=slug).exists():
            raise forms.ValidationError(pgettext_lazy(CTX, "This short name is taken."))
        return slug
