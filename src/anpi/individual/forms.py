"""Forms of the mobile settings page (見守られる人) and its emergency contacts.

UI strings are Japanese msgids (やさしい日本語) wrapped in gettext; English comes
from ``locale/en``, so errors follow the page's language. The forms only validate;
saving goes through ``anpi.individual.actions.do_save_registration``.
"""

from __future__ import annotations

from datetime import time
from typing import Any

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _

from anpi.people.models import Language
from anpi.people.textnorm import (
    InvalidEmail,
    clean_display_name,
    grapheme_length,
    is_kana_name,
    kana_key,
    normalize_email,
    normalize_phone_text,
)

# Counted in graphemes (what a person sees as one character: 👍🏽 is one), on the page
# (Intl.Segmenter, people/_grapheme_counter.html) and here alike.
NICKNAME_MAX = 20
NICKNAME_MAX_CODE_POINTS = 50  # Person.nickname's column; reached only with many emoji
MAX_CONTACTS = 3

# 06:00 … 21:00 in 30-minute steps: a select is easier to tap than a time input.
TIME_CHOICES = [
    (f"{minutes // 60:02d}:{minutes % 60:02d}", f"{minutes // 60}:{minutes % 60:02d}")
    for minutes in range(6 * 60, 21 * 60 + 1, 30)
]
DEFAULT_TIME = "09:00"

INTERVAL_CHOICES = [
    (1, _("まいにち")),
    (2, _("2にちに 1かい")),
    (3, _("3にちに 1かい")),
    (4, _("4にちに 1かい")),
    (5, _("5にちに 1かい")),
    (6, _("6にちに 1かい")),
    (7, _("1しゅうかんに 1かい")),
]

WEEKDAY_CHOICES = [
    ("0", _("月（げつ）")),
    ("1", _("火（か）")),
    ("2", _("水（すい）")),
    ("3", _("木（もく）")),
    ("4", _("金（きん）")),
    ("5", _("土（ど）")),
    ("6", _("日（にち）")),
]

KIND_CHOICES = [
    ("interval", _("なんにちに 1かい")),
    ("weekdays", _("ようびを えらぶ")),
]


def settings_initial(person: Any) -> dict[str, Any]:
    """The settings form's values for ``person`` as saved (its GET page)."""
    from anpi.people.consent import has_purpose
    from anpi.people.phones import display_phone

    return {
        "nickname": person.nickname or person.display_name[:20],
        "phone": display_phone(person.phone),
        "schedule_kind": person.schedule_kind,
        "interval_days": person.interval_days,
        "weekdays": [d for d in person.weekdays.split(",") if d.strip()],
        "check_time": person.check_time.strftime("%H:%M") if person.check_time else DEFAULT_TIME,
        "skip_holidays": person.skip_holidays,
        "language": person.language,
        "agree": person.consent_at is not None,
        "agree_health": has_purpose(person, "health_notes"),
    }


def contacts_initial(person: Any) -> tuple[list[dict[str, Any]], list[Any]]:
    """(the contact formset's initial rows, the contacts) for ``person``: up to
    ``MAX_CONTACTS``, oldest first."""
    from anpi.people.phones import display_phone

    contacts = list(person.contacts.order_by("id")[:MAX_CONTACTS])
    initial = [
        {
            "contact_id": c.pk,
            "name": c.name,
            "relation": c.relation,
            "phone": display_phone(c.phone),
            "email": c.email,
        }
        for c in contacts
    ]
    return initial, contacts


def normalize_phone(value: str) -> str:
    """A Japanese phone number as E.164 (090-1234-5678 → +819012345678).

    Full-width digits, every dash and prolonged-sound mark, +81 / 0081 / ＋８１ are
    accepted (``textnorm.normalize_phone_text``). Raises ValidationError with a
    Japanese message for anything else.
    """
    message = _("でんわばんごうが ただしく ありません。れい: 090-1234-5678")
    try:
        number = phonenumbers.parse(normalize_phone_text(value), "JP")
    except phonenumbers.NumberParseException as exc:
        raise forms.ValidationError(message, code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise forms.ValidationError(message, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_email_field(value: str) -> str:
    """An e-mail address typed on a Japanese phone (``textnorm.normalize_email``), or
    ValidationError with a Japanese message."""
    try:
        return normalize_email(value)
    except InvalidEmail as exc:
        message = (
            _("メールアドレスの @ の まえには、えいすうじ だけを つかってください。")
            if exc.code == "non_ascii_local"
            else _("メールアドレスが ただしく ありません。")
        )
        raise forms.ValidationError(message, code="invalid") from exc


REQUIRED = _("ここを かいてください。")
NICKNAME_TOO_LONG = _("ニックネームは %(limit_value)s もじ までです。")


class SettingsForm(forms.Form):
    nickname = forms.CharField(
        label=_("ニックネーム"),
        # No max_length: it would count code points (and the browser UTF-16 units);
        # clean_nickname counts graphemes.
        error_messages={"required": _("ニックネームを かいてください。")},
        widget=forms.TextInput(
            attrs={"autocomplete": "nickname", "data-max-graphemes": NICKNAME_MAX}
        ),
    )
    schedule_kind = forms.ChoiceField(
        label=_("いつ ききますか"),
        choices=KIND_CHOICES,
        initial="interval",
        widget=forms.RadioSelect,
        error_messages={"required": _("どちらかを えらんでください。")},
    )
    interval_days = forms.TypedChoiceField(
        label=_("なんにちに 1かい"),
        choices=INTERVAL_CHOICES,
        coerce=int,
        initial=1,
        required=False,
        error_messages={"invalid_choice": _("1にちから 7にちの なかから えらんでください。")},
    )
    weekdays = forms.MultipleChoiceField(
        label=_("ようび"),
        choices=WEEKDAY_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": _("ようびを えらびなおしてください。")},
    )
    check_time = forms.ChoiceField(
        label=_("なんじに ききますか"),
        choices=TIME_CHOICES,
        initial=DEFAULT_TIME,
        error_messages={
            "required": _("じかんを えらんでください。"),
            "invalid_choice": _("じかんを えらびなおしてください。"),
        },
    )
    skip_holidays = forms.BooleanField(label=_("しゅくじつは おやすみ"), required=False)
    # What anpi says to the person on LINE (and to their contacts): not the
    # language of this page. Not sent (an older page): the language stays.
    language = forms.ChoiceField(
        label=_("LINEで はなす ことば"),
        choices=Language.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("「げんきですか？」などの ことばです。"),
        error_messages={"invalid_choice": _("ことばを えらびなおしてください。")},
    )
    phone = forms.CharField(
        label=_("あなたの でんわばんごう"),
        max_length=32,
        error_messages={"required": _("でんわばんごうを かいてください。")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
        help_text=_("へんじが ないとき、スタッフが この ばんごうに でんわします。"),
    )
    agree = forms.BooleanField(
        label=_("りようきやくに どういします"),
        error_messages={"required": _("りようきやくを よんで、チェックを いれてください。")},
    )
    # A separate, optional consent: health and disability notes are 要配慮個人情報
    # (APPI) and may be kept only with it (people.consent, Purpose.HEALTH_NOTES).
    agree_health = forms.BooleanField(
        label=_("けんこうや しょうがいの ことを スタッフが メモして よいです"),
        required=False,
        help_text=_("えらばなくても つかえます。いつでも やめられます。"),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Rendered per request, so the page's counter speaks the page's language.
        self.fields["nickname"].widget.attrs["data-too-long"] = str(NICKNAME_TOO_LONG) % {
            "limit_value": NICKNAME_MAX
        }

    def clean_nickname(self) -> str:
        value = clean_display_name(self.cleaned_data["nickname"])
        if not value:
            raise forms.ValidationError(_("ニックネームを かいてください。"), code="required")
        if grapheme_length(value) > NICKNAME_MAX:
            raise forms.ValidationError(
                NICKNAME_TOO_LONG, code="max_length", params={"limit_value": NICKNAME_MAX}
            )
        if len(value) > NICKNAME_MAX_CODE_POINTS:
            raise forms.ValidationError(
                _("ニックネームが ながすぎます。えもじを へらしてください。"), code="max_length"
            )
        return value

    def clean_phone(self) -> str:
        return normalize_phone(self.cleaned_data["phone"].strip())

    def clean_check_time(self) -> time:
        hours, minutes = self.cleaned_data["check_time"].split(":")
        return time(int(hours), int(minutes))

    def clean(self) -> dict:
        data = super().clean() or {}
        kind = data.get("schedule_kind")
        # Only the chosen kind of schedule counts; the other part of the form is ignored.
        ignored = "weekdays" if kind == "interval" else "interval_days" if kind else None
        if ignored and ignored in self.errors:
            del self.errors[ignored]
        if kind == "interval":
            if "interval_days" in data and data.get("interval_days") in (None, ""):
                self.add_error("interval_days", _("1にちから 7にちの なかから えらんでください。"))
            data["weekdays"] = []
        elif kind == "weekdays":
            if "weekdays" in data and not data.get("weekdays"):
                self.add_error("weekdays", _("ようびを 1つ いじょう えらんでください。"))
            data["interval_days"] = 1
        if "weekdays" in data:
            data["weekdays"] = sorted(int(d) for d in data["weekdays"])
        return data


class RosterNamesForm(forms.Form):
    """氏名 and フリガナ from a city's roster: staff only, never shown to the person
    (``individual.staff_actions.staff_edit_forms``). The reading is stored as
    ``textnorm.kana_key`` (katakana), which the people list searches."""

    full_name = forms.CharField(label=_("氏名"), max_length=100, required=False)
    name_kana = forms.CharField(label=_("フリガナ"), max_length=100, required=False)

    def clean_full_name(self) -> str:
        return clean_display_name(self.cleaned_data["full_name"])

    def clean_name_kana(self) -> str:
        value = self.cleaned_data["name_kana"].strip()
        if not value:
            return ""
        if not is_kana_name(value):
            raise forms.ValidationError(
                _("フリガナは カタカナか ひらがなで かいてください。"), code="not_kana"
            )
        return kana_key(value)


class ContactForm(forms.Form):
    """One emergency contact. A row left blank is ignored; clearing an existing
    contact (or ticking けす) removes it."""

    contact_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("なまえ"), max_length=100, required=False)
    relation = forms.CharField(
        label=_("あなたとの かんけい"),
        max_length=50,
        required=False,
        help_text=_("れい: むすめ、ともだち、ケアマネジャー、おおや"),
    )
    phone = forms.CharField(
        label=_("でんわばんごう"),
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "inputmode": "tel"}),
    )
    # A CharField, not an EmailField: full-width 「ｔａｒｏ＠ｅｘａｍｐｌｅ．ｃｏｍ」 must
    # reach clean_email to be normalised instead of being refused first.
    email = forms.CharField(
        label=_("メールアドレス"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )

    def clean_name(self) -> str:
        return clean_display_name(self.cleaned_data["name"])

    def clean_relation(self) -> str:
        return clean_display_name(self.cleaned_data["relation"])

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        return normalize_phone(value) if value else ""

    def clean_email(self) -> str:
        value = self.cleaned_data["email"].strip()
        return clean_email_field(value) if value else ""

    def clean(self) -> dict:
        data = super().clean() or {}
        delete = bool(data.get("DELETE"))
        filled = [data.get(f) for f in ("name", "relation", "phone", "email")]
        # A field that failed validation is not in cleaned_data but was filled in.
        failed = any(f in self.errors for f in ("phone", "email"))
        if delete or (not any(filled) and not failed):
            data["remove"] = True
            return data
        data["remove"] = False
        if not data.get("name"):
            self.add_error("name", _("なまえを かいてください。"))
        if not data.get("relation"):
            self.add_error("relation", _("かんけいを かいてください。れい: ともだち"))
        if not failed and not data.get("phone") and not data.get("email"):
            raise forms.ValidationError(
                _("でんわばんごうか メールアドレスの どちらかを かいてください。"),
                code="no_way_to_reach",
            )
        return data


class BaseContactFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("remove")]
        if len(kept) > MAX_CONTACTS:
            raise forms.ValidationError(
                _("れんらくさきは %(n)s にん までです。"), params={"n": MAX_CONTACTS}
            )

    def contacts(self) -> list[dict]:
        """The cleaned rows for ``do_save_registration`` (blank new rows dropped)."""
        rows = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or (data.get("remove") and not data.get("contact_id")):
                continue
            rows.append(
                {
                    "id": data.get("contact_id"),
                    "remove": data["remove"],
                    "name": (data.get("name") or "").strip(),
                    "relation": (data.get("relation") or "").strip(),
                    "phone": data.get("phone") or "",
                    "email": (data.get("email") or "").strip(),
                }
            )
        return rows


ContactFormSet = forms.formset_factory(
    ContactForm,
    formset=BaseContactFormSet,
    extra=MAX_CONTACTS,
    max_num=MAX_CONTACTS,
    validate_max=True,
    can_delete=True,
)
