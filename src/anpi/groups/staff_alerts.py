"""Staff on the alerts board act on group and team alerts (``Alert``): claim
one (「自分が対応する」), an admin assigns one to a colleague, the holder
records the outcome.

Staff hold an alert in the same fields a LINE watcher does: ``claimed_by`` is
``staff:<user id>`` (``staff_claim_id``; a LINE user id starts with ``U``, so
the two never meet), ``claimed_by_name`` the staff member's name and
``claimed_in`` ``dashboard``. A watcher tapping 「対応します」 afterwards is
told that this person is on it (groups.alerts), and vice versa.

Concurrency as in ``groups.alerts``: a claim is the compare-and-set
``state: open → claimed``; the outcome the compare-and-set ``claimed →
resolved`` guarded by the holder; each locks the check, then the alert
(advance's order). An assignment is an admin's override (any
holder), still a compare-and-set on the alert being active. Each action writes
its timeline entry and an audit row with the acting staff user in the same
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.db import transaction

from anpi.engine import timeline
from anpi.engine.assignment import staff_name
from anpi.engine.models import Check
from anpi.tenants import audit
from anpi.tenants.actors import Actor

from .alerts import apply_outcome, close_if_settled, hold_for_claimer
from .models import Alert

STAFF_PREFIX = "staff:"
DASHBOARD = "dashboard"
ACTIVE = (Alert.State.OPEN, Alert.State.CLAIMED)

AlertWord = Literal["claimed", "already_yours", "taken", "closed", "recorded", "not_holder"]


def staff_claim_id(user: Any) -> str:
    """The ``Alert.claimed_by`` of a staff user (``staff:<user id>``)."""
    return f"{STAFF_PREFIX}{user.pk}"


@dataclass(frozen=True)
class AlertResult:
    """``word`` says what happened; ``holder`` names who holds the alert now
    (for taken / not_holder: the one the staff member is told about)."""

    word: AlertWord
    holder: str = ""


def _locked(alert_id: int, tenant_id: int) -> Alert:
    """The alert, its check locked first and then the alert itself: the lock
    order of advance (check → alert, ``groups.steps.open_alert``), so a click
    at the moment a step fires waits for the step instead of deadlocking."""
    check_id = (
        Alert.objects.filter(pk=alert_id, tenant_id=tenant_id)
        .values_list("check_run_id", flat=True)
        .first()
    )
    if check_id is None:
        raise Alert.DoesNotExist(f"no alert {alert_id} in tenant {tenant_id}")
    Check.objects.select_for_update().filter(pk=check_id).first()
    return (
        Alert.objects.select_for_update(of=("self",))
        .select_related("check_run", "person")
        .get(pk=alert_id)
    )


def do_claim_alert(alert_id: int, tenant_id: int, actor: Actor, now: datetime) -> AlertResult:
    """A staff member (``actor``) takes the alert. The first claim wins —
    whether from the board or a watcher's 「対応します」 in LINE; the check then
    waits for the outcome (``groups.alerts.hold_for_claimer``). Raises
    Alert.DoesNotExist for an alert of another tenant or none."""
    me = staff_claim_id(actor.user)
    name = staff_name(actor.user)
    with transaction.atomic():
        alert = _locked(alert_id, tenant_id)
        close_if_settled(alert)
        won = Alert.objects.filter(pk=alert.pk, state=Alert.State.OPEN).update(
            state=Alert.State.CLAIMED,
            claimed_by=me,
            claimed_by_name=name,
            claimed_in=DASHBOARD,
            claimed_at=now,
        )
        if not won:
            alert.refresh_from_db()
            if alert.state not in ACTIVE:
                return AlertResult("closed")
            if alert.claimed_by == me:
                return AlertResult("already_yours", name)
            return AlertResult("taken", alert.claimed_by_name)
        hold_for_claimer(alert.check_run, now)
        timeline.record(
            alert.person,
            "alert_claimed",
            f"{name}さん（スタッフ）が対応します（No.{alert.pk}）",
            now,
            alert.check_run,
            actor=actor,
            alert=alert.pk,
        )
        audit.record(tenant_id, actor, "alert.claim", alert, now, person_ids=[alert.person_id])
    return AlertResult("claimed", name)


def do_assign_alert(
    alert_id: int, tenant_id: int, assignee: Any, actor: Actor, now: datetime
) -> AlertResult:
    """An admin (``actor``; the caller checks the role) gives the alert to the
    staff user ``assignee``, whoever held it. ``closed`` if the alert is no
    longer active. Raises Alert.DoesNotExist for an alert of another tenant."""
    name = staff_name(assignee)
    with transaction.atomic():
        alert = _locked(alert_id, tenant_id)
        close_if_settled(alert)
        before = alert.claimed_by_name
        was_open = alert.state == Alert.State.OPEN
        changed = Alert.objects.filter(pk=alert.pk, state__in=ACTIVE).update(
            state=Alert.State.CLAIMED,
            claimed_by=staff_claim_id(assignee),
            claimed_by_name=name,
            claimed_in=DASHBOARD,
            claimed_at=now,
            awaiting_note=False,
        )
        if not changed:
            return AlertResult("closed")
        if was_open:
            hold_for_claimer(alert.check_run, now)
        timeline.record(
            alert.person,
            "alert_assigned",
            f"{staff_name(actor.user)}さんが担当を{name}さんに割り当てました（No.{alert.pk}）",
            now,
            alert.check_run,
            actor=actor,
            alert=alert.pk,
        )
        audit.record(
            tenant_id,
            actor,
            "alert.assign",
            alert,
            now,
            person_ids=[alert.person_id],
            assignee=assignee.pk,
            before=before,
        )
    return AlertResult("claimed", name)


def do_record_alert_outcome(
    alert_id: int, tenant_id: int, outcome: str, note: str, actor: Actor, now: datetime
) -> AlertResult:
    """The staff member holding the alert records what they found
    (``Alert.Outcome``: safe / absent / hospital / other, ``note`` required
    for other). 無事 resolves the person's incident (close reason
    ``staff_safe``: everyone alarmed hears the all-clear); anything else sends
    the ladder to its last step (staff decide). ``not_holder`` when someone
    else holds it (named), ``closed`` when it is no longer claimed. Raises
    ValueError for an unknown outcome or other without a note,
    Alert.DoesNotExist for an alert of another tenant."""
    note = note.strip()
    if outcome not in Alert.Outcome.values:
        raise ValueError(f"unknown outcome {outcome!r}")
    if outcome == Alert.Outcome.OTHER and not note:
        raise ValueError("other needs a note")
    me = staff_claim_id(actor.user)
    with transaction.atomic():
        alert = _locked(alert_id, tenant_id)
        done = Alert.objects.filter(pk=alert.pk, state=Alert.State.CLAIMED, claimed_by=me).update(
            state=Alert.State.RESOLVED, outcome=outcome, note=note, outcome_at=now, awaiting_note=False
        )
        if not done:
            if alert.state == Alert.State.CLAIMED:
                return AlertResult("not_holder", alert.claimed_by_name)
            return AlertResult("closed")
        apply_outcome(
            alert,
            outcome,
            note,
            staff_name(actor.user),
            now,
            reason="staff_safe",
            actor=actor,
        )
        audit.record(
            tenant_id, actor, "alert.outcome", alert, now, person_ids=[alert.person_id], outcome=outcome
        )
    return AlertResult("recorded", staff_name(actor.user))
