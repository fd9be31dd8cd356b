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

from anpi.engine import merge, timeline
from anpi.engine.models import Check
from anpi.engine.steps import MERGED, Merged

from . import messages
from .models import Alert, Group, GroupMember, GroupOccurrence, TeamWatcher
from .outbox import push_to_chat

# One open incident per member, as per person (engine.merge): a member still
# silent from an earlier occurrence keeps that check (and its one alert).
MERGED_INTO_ONGOING = (
    "check_merged",
    "前回の確認が未応答のまま: 対応は前回の確認（通知は1件）で続けます",
)


def _member_group(check: Check) -> Group | None:
    member = getattr(check.person, "group_member", None)
    return member.group if member is not None else None


def group_check(check: Check, params: dict[str, Any], now: datetime) -> Merged | None:
    """Push the group's check once per occurrence. A member whose earlier check
    is still open gets no second ladder: this check folds into that one
    (closed as merged), so the member has one alert however long the silence."""
    ongoing = check.person_id in merge.older_open_checks({check.person_id: check.due_at}, now)
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
    if ongoing:
        timeline.record(check.person, *MERGED_INTO_ONGOING, now, check)
        return MERGED
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
            f"グループ「{group}」に「{name}さんから へんじが ありません」と通知"
            + (f"（{alert.rounds}回目）" if alert.rounds > 1 else ""),
            now,
            check,
            alert=alert.pk,
        )
    return None


def all_clear_message(name: str, reason: str) -> dict[str, Any]:
    """The all-clear a group or watcher alerted about ``name`` gets (engine.allclear)."""
    return messages.all_clear_message(name, reason)


def describe_chat(channel_id: Any, recipient: str) -> str:
    """Who an alert went to, for the timeline: a group or a watcher."""
    group = Group.objects.filter(channel_id=channel_id, line_group_id=recipient).first()
    if group is not None:
        return f"グループ「{group}」"
    watcher = TeamWatcher.objects.filter(line_user_id=recipient).first()
    if watcher is not None:
        return f"見守る人 {watcher}"
    member = GroupMember.objects.filter(line_user_id=recipient).first()
    return f"{member}さん" if member is not None else "LINE"


def close_alerts_of_incident(person: Any, check: Check, reason: str, now: datetime) -> None:
    """registry.incident_closed: the member's incident is over, so are their alerts."""
    Alert.objects.filter(person=person, state__in=[Alert.State.OPEN, Alert.State.CLAIMED]).update(
        state=Alert.State.CLOSED, close_reason=reason
    )
