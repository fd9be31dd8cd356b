"""State changes of groups, members and teams. Ingest and views call these.

Each ``do_*`` function writes the change, its timeline rows and its messages in
one transaction (the outbox row exists iff the change committed).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from anpi.engine import timeline
from anpi.engine.answer import answer_ok
from anpi.engine.clock import Clock
from anpi.engine.models import Check
from anpi.engine.tasks import close_check
from anpi.people import schedule_words
from anpi.people.actions import create_person
from anpi.people.models import Person
from anpi.tenants.models import LineChannel

from . import messages
from .links import group_settings_url
from .models import Alert, Group, GroupMember
from .outbox import push_to_chat, reply_in_chat
from .plan import following_group_occurrence


def _cancel_open_checks(person: Person, reason: str, text: str, now: datetime) -> int:
    cancelled = 0
    for check in Check.objects.filter(person=person, state=Check.State.OPEN):
        if close_check(check, state=Check.State.CANCELLED, reason=reason, now=now):
            cancelled += 1
            timeline.record(person, reason, text, now, check)
    Alert.objects.filter(person=person, state__in=[Alert.State.OPEN, Alert.State.CLAIMED]).update(
        state=Alert.State.CLOSED, close_reason=reason
    )
    return cancelled


def _stale_event(row: Group | GroupMember, event_ms: int | None) -> bool:
    """LINE's order, not arrival order: True if ``event_ms`` is older than the
    last membership event applied to ``row`` (locked by the caller); otherwise
    record it as the last applied."""
    if event_ms is None:
        return False
    if row.membership_event_ms is not None and event_ms < row.membership_event_ms:
        return True
    row.membership_event_ms = event_ms
    type(row).objects.filter(pk=row.pk).update(membership_event_ms=event_ms)
    return False


@transaction.atomic
def do_bot_joined(
    channel: LineChannel,
    line_group_id: str,
    now: datetime,
    *,
    name: str = "",
    reply_token: str = "",
    event_ms: int | None = None,
) -> Group:
    """The bot was invited into a LINE group. A join older than the last
    join/leave applied (a late redelivery) changes nothing."""
    group, created = Group.objects.select_for_update().get_or_create(
        channel=channel,
        line_group_id=line_group_id,
        defaults={"tenant_id": channel.tenant_id, "name": name, "joined_at": now},
    )
    if _stale_event(group, event_ms):
        return group
    if not created:
        group.status = (
            Group.Status.ACTIVE if group.schedule() is not None else Group.Status.REGISTERING
        )
        group.left_at = None
        group.joined_at = now
        group.name = name or group.name
        group.next_check_at = (
            following_group_occurrence(group, now) if group.status == Group.Status.ACTIVE else None
        )
        group.save(update_fields=["status", "left_at", "joined_at", "name", "next_check_at"])
    if channel.tenant.kind == "municipal":
        welcome = messages.team_welcome_message()
    else:
        welcome = messages.group_welcome_message(group_settings_url(group))
    reply_in_chat(
        channel=channel,
        reply_token=reply_token,
        to=line_group_id,
        messages=[welcome],
        purpose="greeting",
        now=now,
    )
    return group


@transaction.atomic
def do_bot_left(
    channel: LineChannel, line_group_id: str, now: datetime, *, event_ms: int | None = None
) -> Group | None:
    """The bot was removed: the group's checks stop, open ones are cancelled,
    and staff are told (timeline of each member, e-mail, the groups page).
    A leave older than the last join applied changes nothing."""
    group = (
        Group.objects.select_for_update(of=("self",))
        .filter(channel=channel, line_group_id=line_group_id)
        .select_related("tenant", "team")
        .first()
    )
    if group is None or _stale_event(group, event_ms):
        return None
    group.status = Group.Status.LEFT
    group.left_at = now
    group.next_check_at = None
    group.save(update_fields=["status", "left_at", "next_check_at"])
    for member in group.active_members().select_related("person"):
        _cancel_open_checks(
            member.person,
            "group_bot_removed",
            f"グループ「{group}」からボットが退出させられたため、確認を止めました",
            now,
        )
    tenant = group.tenant
    if tenant.staff_email:
        from anpi.engine.outbox import enqueue_email

        what = f"チーム「{group.team}」の連絡用グループ" if group.team_id else "つながりグループ"
        enqueue_email(
            tenant_id=tenant.pk,
            to=tenant.staff_email,
            subject=f"【anpi】{what}「{group}」からボットが退出しました",
            body=f"{what}「{group}」からボットが退出させられました。"
            "このグループでの安否確認・通知は止まっています。必要ならグループに連絡してください。",
            purpose="staff_alert",
            now=now,
        )
    return group


@transaction.atomic
def do_register_member(
    group: Group,
    line_user_id: str,
    now: datetime,
    *,
    display_name: str = "",
    event_ms: int | None = None,
) -> GroupMember | None:
    """A member of a peer group becomes watched: one Person per membership.

    ``event_ms`` (memberJoined, or a message: speaking proves membership then):
    a join older than the member's last memberLeft applied changes nothing and
    returns None."""
    member = (
        GroupMember.objects.select_for_update()
        .select_related("person")
        .filter(group=group, line_user_id=line_user_id)
        .first()
    )
    if member is not None:
        older = (
            event_ms is not None
            and member.membership_event_ms is not None
            and event_ms < member.membership_event_ms
        )
        if older:
            # Before the last join/leave applied: a left member stays left;
            # an active one simply stays a member.
            return None if member.left_at is not None else member
        _stale_event(member, event_ms)
    if member is None:
        person = create_person(
            tenant_id=group.tenant_id,
            channel=group.channel,
            display_name=display_name,
            status=Person.Status.ACTIVE,
            consent_at=now,
        )
        member = GroupMember.objects.create(
            tenant_id=group.tenant_id,
            group=group,
            line_user_id=line_user_id,
            display_name=display_name,
            person=person,
            joined_at=now,
            membership_event_ms=event_ms,
        )
        timeline.record(person, "group_joined", f"グループ「{group}」のメンバーになりました", now)
        return member
    if member.left_at is not None:
        member.left_at = None
        member.joined_at = now
        member.save(update_fields=["left_at", "joined_at"])
        Person.objects.filter(pk=member.person_id).update(status=Person.Status.ACTIVE)
        timeline.record(member.person, "group_joined", f"グループ「{group}」に戻りました", now)
    if display_name and member.display_name != display_name:
        member.display_name = display_name
        member.save(update_fields=["display_name"])
        Person.objects.filter(pk=member.person_id).update(display_name=display_name)
        member.person.display_name = display_name
    return member


@transaction.atomic
def do_member_left(
    group: Group, line_user_id: str, now: datetime, *, event_ms: int | None = None
) -> GroupMember | None:
    """A member left the group: their open check is cancelled cleanly; the others
    go on. A leave older than the member's last join applied changes nothing."""
    member = (
        GroupMember.objects.select_for_update()
        .select_related("person")
        .filter(group=group, line_user_id=line_user_id)
        .first()
    )
    if member is None or _stale_event(member, event_ms) or member.left_at is not None:
        return None
    member.left_at = now
    member.save(update_fields=["left_at"])
    Person.objects.filter(pk=member.person_id).update(status=Person.Status.STOPPED)
    _cancel_open_checks(
        member.person, "group_left", f"グループ「{group}」を抜けたため、確認を止めました", now
    )
    timeline.record(member.person, "group_left", f"グループ「{group}」を抜けました", now)
    return member


def do_group_answer(
    member: GroupMember, clock: Clock, reply_token: str = "", event_at: datetime | None = None
) -> int:
    """A member said げんきです in the group: it counts for this member only, and
    only for checks due by ``event_at`` (LINE's event time; engine.answer)."""
    now = clock.now()
    with transaction.atomic():
        alerted = Alert.objects.filter(
            person=member.person,
            state__in=[Alert.State.OPEN, Alert.State.CLAIMED],
            group=member.group,
        ).exists()
        # The group hears it in this reply; other chats alerted get the
        # all-clear pushed (engine.allclear), and the alerts close with it.
        answered = answer_ok(
            member.person,
            clock,
            via="line_group",
            event_at=event_at,
            answered_in=member.group.line_group_id,
        )
        alerted = alerted and answered > 0
        name = member.name
        message = (
            messages.member_answered_after_alert_message(name)
            if alerted
            else messages.member_thanks_message(name)
        )
        reply_in_chat(
            channel=member.group.channel,
            reply_token=reply_token,
            to=member.group.line_group_id,
            messages=[message],
            purpose="thanks",
            now=now,
        )
    return answered


@transaction.atomic
def do_send_group_settings_link(group: Group, now: datetime, reply_token: str) -> None:
    reply_in_chat(
        channel=group.channel,
        reply_token=reply_token,
        to=group.line_group_id,
        messages=[messages.group_settings_link_message(group_settings_url(group))],
        purpose="settings_link",
        now=now,
    )


def schedule_summary(obj: Any) -> str:
    """What a group or member is told of their schedule (people.schedule_words)."""
    return schedule_words.for_person(obj)


@transaction.atomic
def do_save_group_schedule(group: Group, fields: dict[str, Any], now: datetime) -> Group:
    """Saved from the group's settings page: checks start at the next occurrence."""
    from zoneinfo import ZoneInfo

    group = Group.objects.select_for_update().get(pk=group.pk)
    for key in ("schedule_kind", "interval_days", "weekdays", "check_time", "skip_holidays"):
        setattr(group, key, fields[key])
    group.schedule_anchor = now.astimezone(ZoneInfo(group.tenant.timezone)).date()
    group.status = Group.Status.ACTIVE
    group.next_check_at = following_group_occurrence(group, now)
    from .models import _nonce

    group.settings_nonce = _nonce()
    group.save()
    push_to_chat(
        channel=group.channel,
        to=group.line_group_id,
        messages=[messages.group_settings_saved_message(schedule_summary(group))],
        purpose="settings_saved",
        now=now,
    )
    return group
