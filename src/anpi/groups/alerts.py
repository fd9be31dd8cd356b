"""Claiming an alert and recording what the claimer found.

Concurrency: a claim is a compare-and-set ``state: open → claimed`` on the alert
row; of two watchers tapping at the same moment exactly one UPDATE changes a row,
and the other re-reads the row to tell its sender who won. The outcome is a
second compare-and-set ``claimed → resolved`` guarded by the claimer's LINE id.
Moving the check (hold for the claimer, or straight to staff) is a plain UPDATE
that bumps ``version``, so a step racing it loses its own compare-and-set.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F

from anpi.engine import timeline
from anpi.engine.models import Check
from anpi.engine.tasks import close_check
from anpi.tenants.models import LineChannel

from . import messages
from .models import Alert, GroupMember, TeamWatcher
from .outbox import push_to_chat, reply_in_chat

DEFAULT_OUTCOME_DEADLINE = timedelta(hours=3)


@dataclass
class ChatContext:
    """Where a claim or outcome came from, and how to answer there for free."""

    channel: LineChannel
    user_id: str
    name: str
    chat_id: str  # the group id, or the user's id in a 1:1 chat
    reply_token: str
    now: datetime

    def reply(self, message: dict, purpose: str = "alert_reply") -> None:
        reply_in_chat(
            channel=self.channel,
            reply_token=self.reply_token,
            to=self.chat_id,
            messages=[message],
            purpose=purpose,
            now=self.now,
        )


def _kind(alert: Alert) -> str:
    return "team" if alert.team_id else "peer"


def may_act(alert: Alert, ctx: ChatContext) -> bool:
    """Peers of the silent member's group; watchers of the person's team, in
    their 1:1 chat or in the team's LINE group."""
    if alert.group is not None:
        return (
            alert.group.line_group_id == ctx.chat_id
            and GroupMember.objects.filter(
                group=alert.group, line_user_id=ctx.user_id, left_at__isnull=True
            )
            .exclude(person_id=alert.person_id)
            .exists()
        )
    if alert.team_id:
        if TeamWatcher.objects.filter(team_id=alert.team_id, line_user_id=ctx.user_id).exists():
            return True
        team = alert.team
        group = team.alert_group() if team is not None else None
        return group is not None and group.line_group_id == ctx.chat_id
    return False


def _outcome_deadline(check: Check) -> timedelta:
    if check.step == 0:
        return DEFAULT_OUTCOME_DEADLINE
    params = check.policy[check.step - 1].get("params") or {}
    seconds = params.get("outcome_deadline")
    return timedelta(seconds=seconds) if seconds else DEFAULT_OUTCOME_DEADLINE


def hold_for_claimer(check: Check, now: datetime) -> None:
    """Someone claimed the check's alert: the ladder waits for their outcome
    until the step's ``outcome_deadline`` (never sooner than it would have
    gone on anyway). The ``version`` bump makes a step racing it lose its CAS."""
    hold = now + _outcome_deadline(check)
    Check.objects.filter(pk=check.pk, state=Check.State.OPEN, next_action_at__lt=hold).update(
        next_action_at=hold, version=F("version") + 1
    )


def close_if_settled(alert: Alert) -> None:
    """An open alert whose check is no longer open is closed (compare-and-set
    on ``state = open``), so that nobody claims an incident that is over."""
    if alert.state == Alert.State.OPEN and alert.check_run.state != Check.State.OPEN:
        Alert.objects.filter(pk=alert.pk, state=Alert.State.OPEN).update(state=Alert.State.CLOSED)
        alert.state = Alert.State.CLOSED


def _find(alert_id: int, ctx: ChatContext) -> Alert | None:
    return (
        Alert.objects.select_related("check_run", "person", "group", "team")
        .filter(pk=alert_id, tenant_id=ctx.channel.tenant_id)
        .first()
    )


def claim_alert(alert_id: int, ctx: ChatContext) -> str:
    """「確認します」/「対応します」. Returns claimed | taken | closed | refused."""
    with transaction.atomic():
        alert = _find(alert_id, ctx)
        if alert is None or not may_act(alert, ctx):
            return "refused"
        check = alert.check_run
        close_if_settled(alert)
        won = Alert.objects.filter(pk=alert.pk, state=Alert.State.OPEN).update(
            state=Alert.State.CLAIMED,
            claimed_by=ctx.user_id,
            claimed_by_name=ctx.name,
            claimed_in=ctx.chat_id,
            claimed_at=ctx.now,
        )
        person = alert.person.name
        if not won:
            alert.refresh_from_db()
            if alert.state == Alert.State.CLOSED:
                ctx.reply(messages.alert_closed_message(person))
                return "closed"
            if alert.claimed_by == ctx.user_id:
                ctx.reply(messages.claimed_message(alert.pk, person, ctx.name, _kind(alert)))
                return "claimed"
            ctx.reply(messages.already_claimed_message(alert.claimed_by_name))
            return "taken"
        hold_for_claimer(check, ctx.now)
        timeline.record(
            alert.person,
            "alert_claimed",
            f"{ctx.name}さんが確認に行きます（No.{alert.pk}）",
            ctx.now,
            check,
            alert=alert.pk,
            by=ctx.user_id,
        )
        ctx.reply(messages.claimed_message(alert.pk, person, ctx.name, _kind(alert)))
        if ctx.chat_id == ctx.user_id and alert.team is not None:
            # Watchers alerted 1:1 cannot see each other: tell the others who went.
            for watcher in alert.team.watchers.exclude(line_user_id__in=["", ctx.user_id]):
                push_to_chat(
                    channel=ctx.channel,
                    to=watcher.line_user_id,
                    messages=[messages.claimed_elsewhere_message(person, ctx.name)],
                    purpose="alert_claimed",
                    now=ctx.now,
                    person=alert.person,
                    check=check,
                )
    return "claimed"


def record_outcome(alert_id: int, outcome: str, ctx: ChatContext, note: str = "") -> str:
    """無事 / 不在 / 救急搬送 / その他 (with a note) from the claimer.

    無事 resolves the check. Anything else sends the ladder straight to its last
    step (staff decide what comes next), with the claimer's words on the timeline.
    Returns recorded | ask_note | not_claimer | refused.
    """
    with transaction.atomic():
        alert = _find(alert_id, ctx)
        if alert is None or alert.state != Alert.State.CLAIMED:
            if alert is not None and alert.state == Alert.State.CLOSED:
                ctx.reply(messages.alert_closed_message(alert.person.name))
            return "refused"
        if alert.claimed_by != ctx.user_id:
            ctx.reply(messages.not_claimer_message(alert.claimed_by_name))
            return "not_claimer"
        if outcome == Alert.Outcome.OTHER and not note.strip():
            Alert.objects.filter(pk=alert.pk).update(awaiting_note=True, claimed_in=ctx.chat_id)
            ctx.reply(messages.ask_note_message())
            return "ask_note"
        done = Alert.objects.filter(
            pk=alert.pk, state=Alert.State.CLAIMED, claimed_by=ctx.user_id
        ).update(
            state=Alert.State.RESOLVED,
            outcome=outcome,
            note=note.strip(),
            outcome_at=ctx.now,
            awaiting_note=False,
        )
        if not done:
            return "refused"
        apply_outcome(
            alert, outcome, note.strip(), ctx.name, ctx.now, reason="watcher_safe", chat=ctx.chat_id
        )
        safe = outcome == Alert.Outcome.SAFE
        said = messages.OUTCOME_LABELS[outcome]  # the hiragana of the buttons
        ctx.reply(messages.outcome_recorded_message(alert.person.name, said, safe))
    return "recorded"


def apply_outcome(
    alert: Alert,
    outcome: str,
    note: str,
    by_name: str,
    now: datetime,
    *,
    reason: str,
    chat: str = "",
    actor: Any = None,
) -> None:
    """What a recorded outcome does, after the caller's compare-and-set
    ``claimed → resolved`` won (the LINE claimer's ``record_outcome`` and the
    staff board's ``groups.staff_alerts``): the outcome goes on the timeline
    with ``by_name``; 無事 (``safe``) resolves every open check of the person
    (close ``reason``: one of engine.allclear.ANNOUNCED_REASONS; everyone alarmed hears the
    all-clear except the chat ``chat``, which heard it in the reply); anything
    else sends the ladder straight to its last step (staff decide now)."""
    check = alert.check_run
    label = timeline.in_site_language(Alert.Outcome(outcome).label)
    timeline.record(
        alert.person,
        "alert_outcome",
        f"{by_name}さんの確認結果: {label}" + (f"（{note}）" if note else ""),
        now,
        check,
        actor=actor,
        alert=alert.pk,
        outcome=outcome,
    )
    if outcome == Alert.Outcome.SAFE:
        # 無事 closes the member's incident: every open check of theirs.
        for open_check in Check.objects.filter(person=alert.person, state=Check.State.OPEN):
            open_check.person = alert.person
            close_check(open_check, state=Check.State.RESOLVED, reason=reason, now=now, answered_in=chat)
    else:
        Check.objects.filter(pk=check.pk, state=Check.State.OPEN).update(
            step=len(check.policy) - 1, next_action_at=now, version=F("version") + 1
        )


def pending_note(ctx: ChatContext) -> Alert | None:
    """The alert whose claimer was asked for a note, in this chat."""
    return (
        Alert.objects.filter(
            tenant_id=ctx.channel.tenant_id,
            state=Alert.State.CLAIMED,
            awaiting_note=True,
            claimed_by=ctx.user_id,
            claimed_in=ctx.chat_id,
        )
        .order_by("-claimed_at")
        .first()
    )
