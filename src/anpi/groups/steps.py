"""Escalation actions of つながり (registered with engine.registry in groups/apps.py).

Each runs inside the transaction that won the check's compare-and-set (see
engine.steps), so its outbox rows and alert rows commit with the step.

- ``group_check``: the check message goes to the member's group once per
  occurrence: the first member check to fire wins a compare-and-set on
  ``GroupOccurrence.sent_at`` and enqueues the push; the others only note it.
- ``alert_group``: open (or repeat) the check's ``Alert`` and tell the group. A
  claimed alert is not repeated: its claimer is on the way. ``open_alert`` is
  shared with 安否通知's ``alert_team`` (``anpi.municipal.steps``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anpi.engine import timeline
from anpi.engine.models import Check

from . import messages
from .models import Alert, Group, GroupOccurrence
from .outbox import push_to_chat


def _member_group(check: Check) -> Group | None:
    member = getattr(check.person, "group_member", None)
    return member.group if member is not None else None


def group_check(check: Check, params: dict[str, Any], now: datetime) -> None:
    group = _member_group(check)
    if group is None or group.status != Group.Status.ACTIVE:
        timeline.record(check.person, "group_missing", "グループがないため送信しません", now, check)
        return None
    won = GroupOccurrence.objects.filter(
        group=group, due_at=check.due_at, sent_at__isnull=True
    ).update(sent_at=now)
    if won:
        push_to_chat(
            channel=group.channel,
            to=group.line_group_id,
            messages=[messages.group_check_message()],
            purpose="group_check",
            now=now,
            person=check.person,
            check=check,
        )
    timeline.record(check.person, "check_sent", f"グループ「{group}」に安否確認を送信", now, check)
    return None


def open_alert(check: Check, now: datetime, **where: Any) -> tuple[Alert, bool]:
    """The check's alert, opened now or repeated: (alert, whether to send it
    again). A claimed alert is not sent again (``where``: group= or team=)."""
    alert, _ = Alert.objects.get_or_create(
        check_run=check,
        defaults={"tenant_id": check.tenant_id, "person": check.person, "created_at": now, **where},
    )
    if alert.state != Alert.State.OPEN:
        timeline.record(
            check.person,
            "alert_waiting",
            f"{alert.claimed_by_name}さんが確認中のため、再通知しません",
            now,
            check,
        )
        return alert, False
    Alert.objects.filter(pk=alert.pk).update(rounds=alert.rounds + 1)
    alert.rounds += 1
    return alert, True


def alert_group(check: Check, params: dict[str, Any], now: datetime) -> None:
    group = _member_group(check)
    if group is None or group.status != Group.Status.ACTIVE:
        timeline.record(
            check.person, "group_missing", "グループがないため通知できません", now, check
        )
        return None
    alert, send = open_alert(check, now, group=group)
    if send:
        name = check.person.name
        push_to_chat(
            channel=group.channel,
            to=group.line_group_id,
            messages=[messages.alert_message(alert.pk, name, "peer", again=alert.rounds > 1)],
            purpose="alert",
            now=now,
            person=check.person,
            check=check,
        )
        timeline.record(
            check.person,
            "alert_sent",
            f"グループ「{group}」に「{name}さんから安否確認が届いていません」と通知"
            + (f"（{alert.rounds}回目）" if alert.rounds > 1 else ""),
            now,
            check,
            alert=alert.pk,
        )
    return None
