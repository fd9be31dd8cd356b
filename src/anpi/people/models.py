"""Watched persons, their emergency contacts, schedules, pauses and consents.

Phone numbers, e-mail addresses and notes are encrypted at rest
(``tenants.fields.EncryptedTextField``); equality search goes through their keyed
hashes (``phone_hash``, ``email_hash``), see docs/security.md.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from anpi.tenants.fields import EncryptedTextField, LookupHashesMixin, LookupHashField
from anpi.tenants.models import LineChannel, Tenant

from .phones import email_lookup_key, phone_lookup_key
from .schedule import Schedule


def _nonce() -> str:
    return secrets.token_urlsafe(12)


class Language(models.TextChoices):
    """Languages anpi speaks to watched persons and contacts in (issue 12 item 5)."""

    EASY_JA = "easy_ja", "やさしい にほんご"
    JA = "ja", "日本語"
    EN = "en", "English"
    ZH = "zh", "中文"
    VI = "vi", "Tiếng Việt"


class Person(LookupHashesMixin, models.Model):
    """Someone who is watched over (見守られる人).

    ``next_check_at`` is the next schedule occurrence not yet planned; the planner
    reads it through ``person_plan_due_idx`` and moves it forward with a
    compare-and-set, so each occurrence yields exactly one check.
    """

    class Status(models.TextChoices):
        REGISTERING = "registering", _("Registering")
        ACTIVE = "active", _("Active")
        BLOCKED = "blocked", _("Blocked the account")
        STOPPED = "stopped", _("Stopped")

    class ScheduleKind(models.TextChoices):
        INTERVAL = "interval", _("Every N days")
        WEEKDAYS = "weekdays", _("Chosen weekdays")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="people")
    channel = models.ForeignKey(
        LineChannel, on_delete=models.PROTECT, related_name="people", null=True, blank=True
    )
    line_user_id = models.CharField(max_length=64, blank=True)
    display_name = models.CharField(_("LINE name"), max_length=200, blank=True)
    nickname = models.CharField(_("nickname"), max_length=50, blank=True)
    # Staff-entered names from a city's roster (氏名 and フリガナ, in katakana after
    # NFKC): the people list searches both. Empty for persons who enrolled by LINE.
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    name_kana = models.CharField(_("name (kana)"), max_length=100, blank=True)
    # The language of everything anpi says to this person (checks, buttons, replies,
    # and the notices their contacts get). Staff pages do not follow it.
    language = models.CharField(
        _("language"), max_length=8, choices=Language.choices, default=Language.EASY_JA
    )
    phone = EncryptedTextField(_("phone"), blank=True)
    # people.phones.phone_lookup_key → HMAC: the dashboard's search by number.
    phone_hash = LookupHashField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.REGISTERING)
    # Staff notes (encrypted). Health and disability notes (要配慮個人情報) are kept
    # apart, only while the person consents to the "health_notes" purpose, and
    # only tenant admins and operators see them (people.consent).
    notes = EncryptedTextField(_("notes"), blank=True)
    health_notes = EncryptedTextField(_("health notes"), blank=True)

    schedule_kind = models.CharField(
        max_length=10, choices=ScheduleKind.choices, default=ScheduleKind.INTERVAL
    )
    interval_days = models.PositiveSmallIntegerField(default=1)
    weekdays = models.CharField(
        max_length=20, blank=True, help_text="0=Mon … 6=Sun, comma separated"
    )
    check_time = models.TimeField(null=True, blank=True)
    schedule_anchor = models.DateField(null=True, blank=True)
    skip_holidays = models.BooleanField(default=False)
    next_check_at = models.DateTimeField(null=True, blank=True)

    consent_at = models.DateTimeField(null=True, blank=True)
    settings_nonce = models.CharField(max_length=32, default=_nonce)
    # A person staff enrolled without LINE links it by sending this code from
    # their own QR sheet (people.linkcodes, individual.person_link); "" once used.
    link_code = models.CharField(max_length=16, blank=True)
    link_code_expires_at = models.DateTimeField(null=True, blank=True)
    link_code_failures = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    blocked_at = models.DateTimeField(null=True, blank=True)
    # LINE's timestamp (ms) of the last follow/unfollow applied: an older event
    # arriving late (a redelivery) never undoes a newer one.
    follow_event_ms = models.BigIntegerField(null=True, blank=True)
    # When the person withdrew consent (people.consent.withdraw): no checks since.
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    # When the personal data was erased (engine.retention): the row and its
    # statistics (checks, answers) stay, names, numbers and texts are gone.
    erased_at = models.DateTimeField(null=True, blank=True)

    LOOKUP_HASHES = {"phone_hash": ("phone", phone_lookup_key)}

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "line_user_id"],
                condition=~Q(line_user_id=""),
                name="person_unique_line_user",
            )
        ]
        indexes = [
            # engine.plan.plan_due_checks: active persons whose next occurrence is near.
            models.Index(
                fields=["next_check_at"],
                condition=Q(status="active"),
                name="person_plan_due_idx",
            ),
            # dashboard.views.people.people_list: search by phone number.
            models.Index(fields=["tenant", "phone_hash"], name="person_phone_hash_idx"),
            # dashboard.people_query.matching_ids: the people list sorted by name
            # (the default) or by reading walks these and stops after one page.
            models.Index(
                fields=["tenant", "nickname", "display_name", "id"], name="person_list_name_idx"
            ),
            models.Index(
                fields=["tenant", "name_kana", "nickname", "id"], name="person_list_kana_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.nickname or self.display_name or f"#{self.pk}"

    def schedule(self) -> Schedule | None:
        if self.check_time is None or self.schedule_anchor is None:
            return None
        return Schedule(
            kind=self.schedule_kind,
            interval_days=self.interval_days,
            weekdays=frozenset(int(d) for d in self.weekdays.split(",") if d.strip()),
            at=self.check_time,
            anchor=self.schedule_anchor,
            skip_holidays=self.skip_holidays,
        )


class Contact(LookupHashesMixin, models.Model):
    """An emergency contact (緊急連絡先). Counts only once confirmed by the contact."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=100)
    relation = models.CharField(_("relation"), max_length=50)
    phone = EncryptedTextField(_("phone"), blank=True)
    email = EncryptedTextField(_("e-mail"), blank=True)
    phone_hash = LookupHashField()
    email_hash = LookupHashField()
    line_user_id = models.CharField(max_length=64, blank=True)
    token = models.CharField(max_length=32, unique=True, default=_nonce)
    # When the consent link (``token``) was sent; it expires (people.linkcodes).
    token_issued_at = models.DateTimeField(null=True, blank=True)
    link_code = models.CharField(max_length=16, blank=True)
    link_code_expires_at = models.DateTimeField(null=True, blank=True)
    # Wrong codes tried while this contact's code was waiting (people.linkcodes).
    link_code_failures = models.PositiveSmallIntegerField(default=0)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    declined_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    LOOKUP_HASHES = {
        "phone_hash": ("phone", phone_lookup_key),
        "email_hash": ("email", email_lookup_key),
    }

    class Meta:
        indexes = [
            # people.lookups.contacts_with_email: a contact by e-mail address.
            models.Index(fields=["tenant", "email_hash"], name="contact_email_hash_idx"),
            models.Index(fields=["tenant", "phone_hash"], name="contact_phone_hash_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.relation})"

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None and self.declined_at is None


class Pause(models.Model):
    """Away / hospital: no checks on these local dates; resumes by itself."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="pauses")
    starts_on = models.DateField()
    ends_on = models.DateField()
    reason = models.CharField(max_length=100, blank=True)
    # Who set it (engine.pauses): the person in chat, staff on the dashboard or
    # in the call queue, or the system. Kept apart from the timeline so that the
    # person page and the data export can say it without reading entries.
    set_by_kind = models.CharField(max_length=10, blank=True)  # Actor.kind
    set_by_label = models.CharField(max_length=150, blank=True)
    set_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(null=True, blank=True)
    # Set when the pause was ended before its last day (「るす おわり」, staff).
    ended_early_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.starts_on}–{self.ends_on}"


class LinkCodeAttempt(models.Model):
    """A LINE user's try at a contact link code (people.linkcodes): the attempts
    of the last hour limit how fast anyone can guess."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    channel = models.ForeignKey(LineChannel, on_delete=models.CASCADE)
    line_user_id = models.CharField(max_length=64)
    at = models.DateTimeField()
    ok = models.BooleanField(default=False)

    class Meta:
        indexes = [
            # individual.contact_link.do_link_contact_line: a user's recent failures.
            models.Index(fields=["channel", "line_user_id", "at"], name="linkcode_user_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.line_user_id} {'ok' if self.ok else 'wrong'} {self.at:%Y-%m-%d %H:%M}"


class Consent(models.Model):
    """What a person (or one of their contacts) agreed to, and when (APPI).

    One row per agreement: the purposes and kinds of recipient, the terms version
    (``settings.TERMS_VERSION``) and the date. A change of purposes makes a new
    row and closes the old one (``superseded``); a withdrawal sets
    ``withdrawn_at`` and keeps the row. ``contact`` is set for a contact's own
    consent to be told (緊急連絡先として連絡を受ける). Written only through
    ``people.consent``.
    """

    class Purpose(models.TextChoices):
        SAFETY_CHECK = "safety_check", _("安否確認")
        NOTIFY_CONTACTS = "notify_contacts", _("緊急連絡先への連絡")
        SHARE_WATCHERS = "share_watchers", _("民生委員・見守る人への共有")
        LANDLORD = "landlord", _("家主への連絡")
        CITY_REPORT = "city_report", _("市への報告")
        HEALTH_NOTES = "health_notes", _("健康・障害のメモ（要配慮個人情報）")
        BE_CONTACTED = "be_contacted", _("緊急連絡先として知らせを受ける")

    class Recipient(models.TextChoices):
        STAFF = "staff", _("団体のスタッフ")
        CONTACTS = "contacts", _("緊急連絡先")
        MINSEI = "minsei", _("民生委員")
        LANDLORD = "landlord", _("家主")
        TEAM = "team", _("見守りチーム")
        CITY = "city", _("市")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE)
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    # Whose consent: the person's own, or one of their contacts' (the contact
    # row may be gone later; the record stays).
    for_contact = models.BooleanField(default=False)
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="consents"
    )
    purposes = models.JSONField(default=list)
    recipients = models.JSONField(default=list)
    terms_version = models.CharField(max_length=32)
    given_at = models.DateTimeField()
    # settings_page | contact_page | staff_phone
    given_via = models.CharField(max_length=20)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # line | settings_page | staff | contact_page | superseded | removed | erased
    withdrawn_via = models.CharField(max_length=20, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [
            # people.consent.current_consent: the person's open consent.
            models.Index(
                fields=["person", "for_contact"],
                condition=Q(withdrawn_at__isnull=True),
                name="consent_open_idx",
            ),
        ]

    def __str__(self) -> str:
        state = f"withdrawn {self.withdrawn_at:%Y-%m-%d}" if self.withdrawn_at else "open"
        return f"consent {self.pk} of person {self.person_id} ({state})"
