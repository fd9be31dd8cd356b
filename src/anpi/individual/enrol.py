"""One validation for a person staff enrol: the dashboard page and each CSV row.

A city enrols people from its paper or Excel list. Both ways in go through
``EnrolmentForms``: the roster names (``PersonNamesForm``), the person's own
settings form limited to what staff may set (``staff_actions.settings_form``:
nickname, phone and, when given, the schedule) and the contacts' formset of the
person's settings page (``forms.ContactFormSet``, at most ``MAX_CONTACTS``).
On top of those, a phone number that a person of the tenant already has is
refused (``DUPLICATE_PHONE``), so that one person is not watched twice.
Saving is ``staff_actions.do_enrol_person``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, NamedTuple, cast

import regex
from django import forms
from django.utils.translation import pgettext, pgettext_lazy

from anpi.people.lookups import phone_q
from anpi.people.models import Person
from anpi.people.textnorm import clean_display_name

from .forms import MAX_CONTACTS, BaseContactFormSet, ContactFormSet
from .staff_actions import ENROL_FIELDS, SCHEDULE_FIELDS, settings_form

CTX = "dashboard"
NAME_MAX = 100  # Person.full_name / name_kana
CONTACT_PREFIX = "contacts"
# After NFKC and hiragana → katakana: katakana, the long-vowel mark, spaces, ・.
_KANA = regex.compile(r"^[\p{Katakana}ー・ ]+$")


def to_katakana(text: str) -> str:
    """``text`` in NFKC with hiragana turned to katakana: 「やまだ ﾀﾛｳ」→「ヤマダ タロウ」.
    Spaces are folded into one half-width space."""
    text = unicodedata.normalize("NFKC", text)
    folded = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)
    return " ".join(folded.split())


class PersonNamesForm(forms.Form):
    """The roster's names (氏名 and フリガナ), kept for staff only."""

    full_name = forms.CharField(
        label=pgettext_lazy(CTX, "Full name"),
        max_length=NAME_MAX,
        error_messages={"required": pgettext_lazy(CTX, "Please enter the full name.")},
    )
    name_kana = forms.CharField(
        label=pgettext_lazy(CTX, "Name in kana"),
        max_length=NAME_MAX,
        required=False,
        help_text=pgettext_lazy(CTX, "Hiragana is turned into katakana."),
    )

    def clean_full_name(self) -> str:
        value = clean_display_name(self.cleaned_data["full_name"])
        if not value:
            raise forms.ValidationError(
                pgettext_lazy(CTX, "Please enter the full name."), code="required"
            )
        return value

    def clean_name_kana(self) -> str:
        value = to_katakana(self.cleaned_data["name_kana"])
        if value and not _KANA.match(value):
            raise forms.ValidationError(
                pgettext_lazy(CTX, "Write the name in kana only (katakana or hiragana)."),
                code="not_kana",
            )
        return value


def contact_management_data(rows: int = MAX_CONTACTS) -> dict[str, str]:
    """The formset's management fields for ``rows`` contact rows (a CSV row has
    no browser form to send them)."""
    return {
        f"{CONTACT_PREFIX}-TOTAL_FORMS": str(rows),
        f"{CONTACT_PREFIX}-INITIAL_FORMS": "0",
        f"{CONTACT_PREFIX}-MIN_NUM_FORMS": "0",
        f"{CONTACT_PREFIX}-MAX_NUM_FORMS": str(MAX_CONTACTS),
    }


def phone_taken(tenant_id: int, phone: str) -> bool:
    """Whether a person of the tenant already has ``phone`` (E.164), through
    the keyed hash (``person_phone_hash_idx``)."""
    return Person.objects.filter(phone_q(phone), tenant_id=tenant_id).exists()


class EnrolmentForms:
    """The three forms of one enrolment, bound to ``data`` (a POST, or a CSV
    row already mapped to the form's field names).

    ``schedule``: whether the schedule fields are part of it (a CSV row may
    leave them empty: the person then chooses on their settings page).
    ``initial``: the unbound page's first values.
    """

    def __init__(
        self,
        tenant_id: int,
        data: Mapping[str, Any] | None,
        *,
        schedule: bool = True,
        initial: Mapping[str, Any] | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        fields = ENROL_FIELDS + (SCHEDULE_FIELDS if schedule else ())
        self.names = PersonNamesForm(data)
        self.settings = settings_form(data, fields)
        self.settings.initial = dict(initial or {})
        # Staff read the form, not the person: their labels, the person's rules.
        for name, label in STAFF_LABELS.items():
            if name in self.settings.fields:
                self.settings.fields[name].label = label
                self.settings.fields[name].help_text = ""
        self.contacts = cast(BaseContactFormSet, ContactFormSet(data, prefix=CONTACT_PREFIX))
        for contact_form in self.contacts.forms:
            for name, label in CONTACT_STAFF_LABELS.items():
                contact_form.fields[name].label = label
                contact_form.fields[name].help_text = ""

    def is_valid(self) -> bool:
        """All three forms valid and the phone not taken (adds the error to
        the phone field). Validates once; call ``errors`` for the messages."""
        valid = self.names.is_valid() & self.settings.is_valid() & self.contacts.is_valid()
        phone = self.settings.cleaned_data.get("phone") if self.settings.is_bound else None
        if phone and phone_taken(self.tenant_id, phone):
            self.settings.add_error("phone", DUPLICATE_PHONE)
            valid = False
        return valid

    def cleaned(self) -> dict[str, Any]:
        """The data for ``do_enrol_person`` (only after ``is_valid()``)."""
        return {
            **self.names.cleaned_data,
            **self.settings.cleaned_data,
            "contacts": self.contacts.contacts(),
        }

    def errors(self) -> list[FieldError]:
        """Every error in the form's order: (field, where, message). ``field``
        is the form field's name (``"phone"``, a contact's ``"contacts-1-phone"``
        counting from 1, ``"__all__"`` for a rule across fields); ``where`` its
        label for people (a contact's with its number)."""
        out: list[FieldError] = []
        for form in (self.names, self.settings):
            out += _form_errors(form, "", "")
        for number, form in enumerate(self.contacts.forms, start=1):
            where = pgettext(CTX, "Contact %(n)s") % {"n": number}
            out += _form_errors(form, f"{CONTACT_PREFIX}-{number}-", where + " ")
        out += [
            FieldError(f"{CONTACT_PREFIX}-__all__", "", str(m))
            for m in self.contacts.non_form_errors()
        ]
        return out


class FieldError(NamedTuple):
    field: str
    where: str
    message: str


DUPLICATE_PHONE = pgettext_lazy(CTX, "A person with this phone number is already registered.")
STAFF_LABELS = {
    "nickname": pgettext_lazy(CTX, "Nickname (what the checks call them)"),
    "phone": pgettext_lazy(CTX, "Phone"),
    "schedule_kind": pgettext_lazy(CTX, "Schedule"),
    "interval_days": pgettext_lazy(CTX, "Every how many days"),
    "weekdays": pgettext_lazy(CTX, "Weekdays"),
    "check_time": pgettext_lazy(CTX, "Check time"),
    "skip_holidays": pgettext_lazy(CTX, "No checks on public holidays"),
}

CONTACT_STAFF_LABELS = {
    "name": pgettext_lazy(CTX, "Name"),
    "relation": pgettext_lazy(CTX, "Relation to the person (e.g. son, friend, care manager)"),
    "phone": pgettext_lazy(CTX, "Phone"),
    "email": pgettext_lazy(CTX, "E-mail address"),
}


def _form_errors(form: forms.Form, field_prefix: str, where_prefix: str) -> list[FieldError]:
    out = []
    for name, messages in form.errors.items():
        label = str(form.fields[name].label) if name in form.fields else ""
        where = (where_prefix + label).strip()
        out += [FieldError(field_prefix + name, where, str(m)) for m in messages]
    return out
