"""The month's figures, counted after the run from what LINE (the simulator)
accepted and what the engine recorded. Definitions (also in bench/README.md):

- **paid push**: a message the simulator delivered by ``push`` or
  ``multicast`` (what LINE bills, one per recipient); replies are free. Counted
  for everyone the channel wrote to: residents and their contacts.
- **staff call**: a task of a ``CALL_*`` kind (``engine.tasks.CALL_KINDS``:
  phone the person, phone a contact) created during the run, whatever came of it.
- **false alarm**: an incident (a check — merged later checks belong to the
  older one) that reached a staff call or a contact notice (a ``notify_contact``
  message, LINE or e-mail) and ended safe: answered, or resolved by staff
  (staff_safe, contact_safe, away). Nobody in the simulation is in danger, so
  every such escalation is a false one; those still open at the end are counted
  apart (``escalations_open_at_end``), not as false alarms.

The paid-push identity (issue 12): the only paid messages to a resident are the
ladder's own pushes — check messages, re-sends and last notices (the thank-yous
are free replies) — so for every resident ``paid == checks + re-sends + last
notices`` (``last_notice`` is the ladder's third push, after a staff call found
no one; it is counted apart so that checks + re-sends can be read alone). With
the features, a habit tapper's morning tap makes the day's check free: no paid
message reaches them on a day their check was answered early.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from population import JST, MONTH_DAYS


def rate(value: float, person_months: float, persons: int) -> dict[str, Any]:
    return {"value": round(value / person_months, 3), "unit": "1/person-month", "n": persons}


def tally(month: Any, control: Any) -> dict[str, Any]:
    """Figures, identities and counts of one finished scenario (a JSON-able dict)."""
    from anpi.engine.models import Check, Outbox, Task
    from anpi.engine.tasks import CALL_KINDS

    tenant = month.tenant
    persons = len(month.residents)
    person_months = persons * month.sc.days / MONTH_DAYS
    deliveries = control.deliveries()
    paid = [d for d in deliveries if d["via"] in ("push", "multicast")]
    paid_to = Counter(d["recipient"] for d in paid)
    resident_uids = set(month.by_uid)

    pushes = Counter(
        (row["recipient"], row["purpose"])
        for row in Outbox.objects.filter(
            tenant=tenant,
            method="push",
            state="sent",
            purpose__in=("check", "resend", "last_notice"),
        ).values("recipient", "purpose")
    )
    checks = sum(n for (_, p), n in pushes.items() if p == "check")
    resends = sum(n for (_, p), n in pushes.items() if p == "resend")
    last_notices = sum(n for (_, p), n in pushes.items() if p == "last_notice")
    ladder: Counter[str] = Counter()
    for (uid, _), n in pushes.items():
        ladder[uid] += n
    habit = {uid for uid, r in month.by_uid.items() if r.habit_tapper}
    mismatched = sorted(uid for uid in resident_uids if paid_to.get(uid, 0) != ladder.get(uid, 0))
    non_tappers = resident_uids - habit if month.sc.features else resident_uids

    early = Check.objects.filter(tenant=tenant, close_reason="early")
    early_days: set[tuple[str, Any]] = {
        (uid, due.astimezone(JST).date())
        for uid, due in early.values_list("person__line_user_id", "due_at")
    }
    paid_on_early_days = sum(
        1
        for d in paid
        if (d["recipient"], datetime.fromisoformat(d["at"]).astimezone(JST).date()) in early_days
    )

    calls = Task.objects.filter(tenant=tenant, kind__in=CALL_KINDS)
    escalated = set(calls.values_list("check_run_id", flat=True)) | set(
        Outbox.objects.filter(tenant=tenant, purpose="notify_contact").values_list(
            "check_run_id", flat=True
        )
    )
    escalations = Check.objects.filter(pk__in=escalated - {None})
    safe = escalations.filter(state__in=(Check.State.ANSWERED, Check.State.RESOLVED))
    open_at_end = escalations.filter(state=Check.State.OPEN).count()

    return {
        "figures": {
            "paid_pushes_per_person_month": rate(len(paid), person_months, persons),
            "staff_calls_per_person_month": rate(calls.count(), person_months, persons),
            "false_alarms_per_person_month": rate(safe.count(), person_months, persons),
        },
        "identities": {
            # paid pushes to residents == check messages + re-sends + last notices
            "residents_checked": len(resident_uids),
            "paid_pushes_to_residents": sum(paid_to[u] for u in resident_uids),
            "check_messages": checks,
            "resends": resends,
            "last_notices": last_notices,
            "residents_whose_paid_pushes_differ": len(mismatched),
            "paid_equals_checks_plus_resends_plus_last_notices": not mismatched,
            "non_tappers": len(non_tappers),
            "paid_pushes_to_non_tappers": sum(paid_to[u] for u in non_tappers),
            "ladder_pushes_to_non_tappers": sum(ladder[u] for u in non_tappers),
            "habit_tappers": len(habit) if month.sc.features else 0,
            "checks_answered_early": len(early_days),
            "paid_pushes_on_days_answered_early": paid_on_early_days,
            "habit_tappers_pay_nothing_on_tapped_days": paid_on_early_days == 0,
        },
        "counts": dict(
            sorted(
                {
                    **month.counts,
                    "persons": persons,
                    "person_months": round(person_months, 3),
                    "paid_pushes": len(paid),
                    "paid_pushes_to_contacts": len(paid) - sum(paid_to[u] for u in resident_uids),
                    "checks": Check.objects.filter(tenant=tenant).count(),
                    "checks_merged": Check.objects.filter(
                        tenant=tenant, close_reason="merged"
                    ).count(),
                    "staff_calls": calls.count(),
                    "escalations": escalations.count(),
                    "escalations_open_at_end": open_at_end,
                    "contact_notices": Outbox.objects.filter(
                        tenant=tenant, purpose="notify_contact"
                    ).count(),
                    "episodes": sum(len(r.episodes) for r in month.residents),
                    "episodes_per_person_month": round(
                        sum(len(r.episodes) for r in month.residents) / person_months, 3
                    ),
                    "undelivered_to_phones": len(control.dropped()),
                    "outbox_failed": Outbox.objects.filter(tenant=tenant, state="failed").count(),
                }.items()
            )
        ),
    }
