"""Webhook events of つながり groups and of alert claims (an engine.registry event handler).

Runs after 安否通知's invite codes and before the individual service. Returns a word when it handled the event,
None to pass it on:

- group source: join / leave / memberJoined / memberLeft, and text in the group
  (げんきです, せってい, さんか, claims, outcomes). Anyone who
  speaks in a peer group becomes a member (LINE lists members only to verified
  accounts).
- user source (1:1): a watcher's claim or outcome (alerts are shared with
  安否通知's teams).
"""

from __future__ import annotations

import re
from typing import Any

from linebot.v3.webhooks import (
    Event,
    GroupSource,
    JoinEvent,
    LeaveEvent,
    MemberJoinedEvent,
    MemberLeftEvent,
    MessageEvent,
    Source,
    TextMessageContent,
    UserSource,
)

from anpi.channels.line import profiles
from anpi.engine.clock import Clock
from anpi.engine.events import event_time
from anpi.people.textnorm import clean_display_name, is_ok_text, is_settings_text
from anpi.tenants.models import LineChannel

from . import actions, alerts, messages
from .models import Alert, Group, GroupMember

JOIN_WORDS = re.compile(r"^\s*(さんか|参加)(します)?\s*$")


def _member_name(channel: LineChannel, group_id: str, user_id: str) -> str:
    known = (
        GroupMember.objects.filter(group__channel=channel, group__line_group_id=group_id)
        .filter(line_user_id=user_id)
        .exclude(display_name="")
        .values_list("display_name", flat=True)
        .first()
    )
    if known:
        return known
    name = profiles.group_member_name(channel.api_host, channel.access_token, group_id, user_id)
    return clean_display_name(name)


def names_before_transaction(channel: LineChannel, raw: dict[str, Any]) -> dict[str, Any]:
    """engine.hooks lookup provider: the LINE names an event needs, fetched before
    its transaction opens (no database lock held across an HTTP call)."""
    source = raw.get("source") or {}
    kind, user_id = source.get("type"), source.get("userId", "")
    text = (raw.get("message") or {}).get("text") if raw.get("type") == "message" else None
    if kind == "group":
        group_id = source.get("groupId", "")
        if raw.get("type") == "join":
            host, token = channel.api_host, channel.access_token
            return {"group_name": clean_display_name(profiles.group_name(host, token, group_id))}
        if raw.get("type") == "memberJoined":
            joined = ((raw.get("joined") or {}).get("members")) or []
            return {
                "names": {
                    m["userId"]: _member_name(channel, group_id, m["userId"])
                    for m in joined
                    if m.get("userId")
                }
            }
        if text is not None and user_id:
            return {"names": {user_id: _member_name(channel, group_id, user_id)}}
    if kind == "user" and text is not None and user_id:
        if messages.OUTCOME_RE.match(text) or messages.CLAIM_RE.match(text):
            return {"user_name": _watcher_name(channel, user_id)}
    return {}


def handle_group_event(
    channel: LineChannel, event: Event, clock: Clock, lookups: dict[str, Any]
) -> str | None:
    source = source_of(event)
    if isinstance(source, GroupSource):
        return _group_event(channel, event, source.group_id, clock, lookups)
    if isinstance(source, UserSource) and isinstance(event, MessageEvent):
        return _direct_text(channel, event, clock, lookups)
    return None


def _text_of(event: Event) -> str | None:
    if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
        return event.message.text
    return None


def _claims_and_outcomes(text: str, ctx: alerts.ChatContext) -> str | None:
    """Shared by group and 1:1 chats: a pending note, an outcome, or a claim."""
    waiting = alerts.pending_note(ctx)
    outcome = messages.OUTCOME_RE.match(text)
    if waiting is not None and not outcome and not messages.CLAIM_RE.match(text):
        alerts.record_outcome(waiting.pk, Alert.Outcome.OTHER, ctx, note=text)
        return "alert_note"
    if outcome:
        key = messages.OUTCOME_BY_LABEL[outcome.group(2)]
        return "outcome_" + alerts.record_outcome(
            int(outcome.group(1)), key, ctx, note=outcome.group(3) or ""
        )
    claim = messages.CLAIM_RE.match(text)
    if claim:
        return "claim_" + alerts.claim_alert(int(claim.group(1)), ctx)
    return None


def _group_event(
    channel: LineChannel, event: Event, group_id: str, clock: Clock, lookups: dict[str, Any]
) -> str:
    names: dict[str, str] = lookups.get("names") or {}
    now = clock.now()
    reply_token = getattr(event, "reply_token", None) or ""
    if isinstance(event, JoinEvent):
        name = lookups.get("group_name") or ""
        actions.do_bot_joined(
            channel, group_id, now, name=name, reply_token=reply_token, event_ms=event.timestamp
        )
        return "group_join"
    if isinstance(event, LeaveEvent):
        actions.do_bot_left(channel, group_id, now, event_ms=event.timestamp)
        return "group_leave"
    group = Group.objects.filter(channel=channel, line_group_id=group_id).first()
    if group is None or group.status == Group.Status.LEFT:
        return "ignored"
    peer = group.kind == Group.Kind.PEER
    if isinstance(event, MemberJoinedEvent):
        if not peer:
            return "member_joined"
        welcomed = []
        for joined in event.joined.members:
            name = names.get(joined.user_id, "")
            member = actions.do_register_member(
                group, joined.user_id, now, display_name=name, event_ms=event.timestamp
            )
            if member is not None:
                welcomed.append(member.name)
        if welcomed and reply_token:
            from .outbox import reply_in_chat

            reply_in_chat(
                channel=channel,
                reply_token=reply_token,
                to=group_id,
                messages=[messages.member_joined_text(welcomed)],
                purpose="greeting",
                now=now,
            )
        return "member_joined"
    if isinstance(event, MemberLeftEvent):
        if peer:
            for left in event.left.members:
                actions.do_member_left(group, left.user_id, now, event_ms=event.timestamp)
        return "member_left"
    text = _text_of(event)
    user_id = getattr(source_of(event), "user_id", None) or ""
    if text is None or not user_id:
        return "ignored"
    name = names.get(user_id, "")
    ctx = alerts.ChatContext(channel, user_id, name or "メンバー", group_id, reply_token, now)
    # Whoever speaks in a peer group is a member (and may claim at once).
    member = (
        actions.do_register_member(
            group, user_id, now, display_name=name, event_ms=event.timestamp
        )
        if peer
        else None
    )
    handled = _claims_and_outcomes(text, ctx)
    if handled:
        return handled
    if member is None:
        return "group_chat"
    if is_ok_text(text):
        actions.do_group_answer(member, clock, reply_token, event_at=event_time(event))
        return "group_ok"
    if is_settings_text(text):
        actions.do_send_group_settings_link(group, now, reply_token)
        return "group_settings_link"
    if JOIN_WORDS.match(text):
        from .outbox import reply_in_chat

        reply_in_chat(
            channel=channel,
            reply_token=reply_token,
            to=group_id,
            messages=[messages.member_joined_text([member.name])],
            purpose="greeting",
            now=now,
        )
        return "member_joined"
    return "group_chat"  # ordinary chat among members: the bot keeps quiet


def source_of(event: Event) -> Source | None:
    return getattr(event, "source", None)


def _direct_text(
    channel: LineChannel, event: MessageEvent, clock: Clock, lookups: dict[str, Any]
) -> str | None:
    text = _text_of(event)
    user_id = getattr(event.source, "user_id", None) or ""
    if text is None or not user_id:
        return None
    now = clock.now()
    reply_token = event.reply_token or ""
    looks_like_alert = messages.OUTCOME_RE.match(text) or messages.CLAIM_RE.match(text)
    ctx = alerts.ChatContext(channel, user_id, "", user_id, reply_token, now)
    if looks_like_alert or alerts.pending_note(ctx) is not None:
        ctx.name = (lookups.get("user_name") or "") or "見守る人"
        return _claims_and_outcomes(text, ctx)
    return None


def _watcher_name(channel: LineChannel, user_id: str) -> str:
    from .models import TeamWatcher

    watcher = TeamWatcher.objects.filter(tenant_id=channel.tenant_id, line_user_id=user_id).first()
    if watcher is not None and watcher.name:
        return watcher.name
    name = profiles.user_name(channel.api_host, channel.access_token, user_id)
    return clean_display_name(name) or "見守る人"
