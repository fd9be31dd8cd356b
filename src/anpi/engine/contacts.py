"""Emergency contacts: the alert they get, and what they report back.

``notify_contacts`` (an escalation action) tells every confirmed contact: LINE
if linked, else e-mail, else a staff phone task. What it says is built from the
check's timeline, never assumed (DESIGN.md, "True messages"):

- a call task recorded 「つながらない」 → staff phoned and could not get through;
- the person has no phone number → staff could not phone;
- a call task expired untouched → nobody has phoned yet (and staff were
  e-mailed: engine.tasks.expire_overdue_tasks);
- no call in the policy → nothing is said of calls.

Every alert gives the tenant's phone number and a signed link where the contact
reports back (``registry.links["contact_report"]``, served by the service that
owns contacts): 「れんらくが つきました・ぶじでした」 closes the incident as safe
(everyone else alarmed hears the all-clear); 「れんらくが つきません」 goes on the
timeline for staff.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from . import registry, task_reasons, timeline
from .clock import Clock
from .models import Check, Task, TimelineEntry
from .outbox import enqueue_email, enqueue_push
from .phrases import contact_subject, in_contact_languages, say_to_contact
from .tasks import close_check, open_task


def call_sentence(check: Check, language: str = "ja") -> str:
    """What the timeline says of the staff call on ``check`` (module docstring),
    in ``language`` (a contacts.toml language); "" when nothing is to be said."""
    entries = TimelineEntry.objects.filter(
        check_run=check, kind__in=["task_outcome", "task_expired"]
    ).values_list("kind", "data")
    unreachable = expired = False
    for kind, data in entries:
        if data.get("task_kind") != Task.Kind.CALL_PERSON:
            continue
        if kind == "task_outcome" and data.get("outcome") == Task.Outcome.UNREACHABLE:
            unreachable = True
        elif kind == "task_expired":
            expired = True
    if unreachable:
        return say_to_contact(language, "called_unreachable")
    if not check.person.phone:
        return say_to_contact(language, "no_phone", name=check.person.name)
    if expired:
        return say_to_contact(language, "not_called")
    return ""


def report_url(check: Check, contact: Any) -> str:
    builder = registry.links.get("contact_report")
    return builder(check, contact) if builder is not None else ""


def alert_text(check: Check, contact: Any) -> str:
    """The contact alert (LINE text and e-mail body alike), in the person's
    contact language(s) (``in_contact_languages``)."""
    person, tenant = check.person, check.person.tenant
    url = report_url(check, contact)

    def build(language: str) -> str:
        def line(key: str, **values: Any) -> str:
            return say_to_contact(language, key, tenant=tenant.name, name=person.name, **values)

        lines = [line("alert_first")]
        said = call_sentence(check, language)
        if said:
            lines.append(said)
        lines.append(line("please_check"))
        if url:
            lines.append(line("report_link", url=url))
        if tenant.phone:
            lines.append(line("tenant_phone", phone=tenant.phone))
        return "\n".join(lines)

    return in_contact_languages(person.language, build)


def notify_contacts(check: Check, params: dict[str, Any], now: datetime) -> None:
    """Tell every confirmed contact: LINE if linked, else e-mail, else a staff call."""
    person = check.person
    contacts = [c for c in person.contacts.all() if c.is_confirmed]
    if not contacts:
        timeline.record(person, "no_contacts", "確認済みの緊急連絡先がありません", now, check)
    for contact in contacts:
        if contact.line_user_id and person.channel_id:
            enqueue_push(
                person=person,
                to=contact.line_user_id,
                messages=[{"type": "text", "text": alert_text(check, contact)}],
                purpose="notify_contact",
                now=now,
                check=check,
                contact=contact,
            )
            how = "LINE"
        elif contact.email:
            enqueue_email(
                tenant_id=person.tenant_id,
                to=contact.email,
                subject=contact_subject(
                    person.language, "alert_subject", tenant=person.tenant.name, name=person.name
                ),
                body=alert_text(check, contact) + "\n",
                purpose="notify_contact",
                now=now,
                person=person,
                contact=contact,
                check=check,
            )
            how = "メール"
        else:
            open_task(
                check,
                Task.Kind.CALL_CONTACT,
                now,
                timedelta(hours=2),
                task_reasons.CALL_CONTACT,
                contact,
            )
            how = "電話（スタッフ作業）"
        timeline.record(
            person,
            "contact_notified",
            f"緊急連絡先 {contact.name}（{contact.relation}）に{how}で連絡",
            now,
            check,
            contact=contact.pk,
        )
    return None


REPORT_SAFE = "safe"
REPORT_UNREACHABLE = "unreachable"
REPORT_WORDS = {
    REPORT_SAFE: "連絡がつきました・無事でした",
    REPORT_UNREACHABLE: "連絡がつきません",
}


def contact_reported(check: Check, contact_id: int) -> bool:
    """True if the contact already used their report link for this check."""
    return TimelineEntry.objects.filter(
        check_run=check, kind="contact_report", data__contact=contact_id
    ).exists()


class ReportUsed(Exception):
    """The contact already reported on this check (the link is one-time)."""


def record_contact_report(
    check_id: int, contact: Any, report: str, clock: Clock, *, actor: Any = None
) -> str:
    """A contact's report from their link: ``safe`` or ``unreachable``.

    The report goes on the timeline. ``safe`` closes every open check of the
    person as resolved (the incident is over; everyone else alarmed hears the
    all-clear). Returns ``closed`` (safe, and the incident was still open),
    ``noted`` (unreachable, or safe after it closed anyway). Raises ReportUsed
    when this contact already reported on this check."""
    if report not in REPORT_WORDS:
        raise ValueError(f"unknown report {report!r}")
    now = clock.now()
    with transaction.atomic():
        check = Check.objects.select_for_update().select_related("person").get(pk=check_id)
        if contact_reported(check, contact.pk):
            raise ReportUsed(check)
        person = check.person
        timeline.record(
            person,
            "contact_report",
            f"緊急連絡先 {contact.name}（{contact.relation}）から: {REPORT_WORDS[report]}",
            now,
            check,
            actor=actor,
            contact=contact.pk,
            report=report,
        )
        if report != REPORT_SAFE:
            return "noted"
        closed = False
        for open_check in Check.objects.filter(person=person, state=Check.State.OPEN):
            open_check.person = person
            closed |= close_check(
                open_check,
                state=Check.State.RESOLVED,
                reason="contact_safe",
                now=now,
                reporter_contact_id=contact.pk,
            )
        return "closed" if closed else "noted"
