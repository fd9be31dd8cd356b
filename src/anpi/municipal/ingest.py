"""Webhook events of 安否通知 (an engine.registry event handler, asked first).

- a 1:1 text that is an invite code → a watcher or watched person joins a team;
- a group text that is a team's group code → the group becomes the team's
  LINE group for alerts.

Claims and outcomes of team alerts are the shared alert machinery of
``anpi.groups`` (asked next); everything else passes on.
"""

from __future__ import annotations

import re
from typing import Any

from linebot.v3.webhooks import Event, MessageEvent, TextMessageContent

from anpi.channels.line import profiles
from anpi.engine.clock import Clock
from anpi.groups.models import Group, Team
from anpi.people.textnorm import clean_display_name, is_ok_text, normalize_input
from anpi.tenants.actors import Actor
from anpi.tenants.models import LineChannel

from . import actions

# A code alone (as printed), or after a word; lowercase is accepted only after the word
# so that an ordinary 8-letter message is never taken for a code.
INVITE_CODE = re.compile(
    r"^\s*(?:(?:しょうたい|招待|チーム)\s*[:：]?\s*([A-Za-z2-9]{8})|([A-HJ-NP-Z2-9]{8}))\s*$"
)


def _code(match: re.Match[str]) -> str:
    return (match.group(1) or match.group(2)).upper()


def _text_of(raw: dict[str, Any]) -> str | None:
    if raw.get("type") != "message":
        return None
    message = raw.get("message") or {}
    return message.get("text") if message.get("type") == "text" else None


def names_before_transaction(channel: LineChannel, raw: dict[str, Any]) -> dict[str, Any]:
    """Registry lookup provider: the LINE name of whoever sends an invite code 1:1."""
    source = raw.get("source") or {}
    text = _text_of(raw)
    user_id = source.get("userId", "")
    if (
        source.get("type") == "user"
        and text is not None
        and user_id
        and INVITE_CODE.match(normalize_input(text))
    ):
        name = profiles.user_name(channel.api_host, channel.access_token, user_id)
        return {"invite_user_name": clean_display_name(name)}
    return {}


def handle_team_event(
    channel: LineChannel, event: Event, clock: Clock, lookups: dict[str, Any]
) -> str | None:
    if not (isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent)):
        return None
    text = normalize_input(event.message.text)
    code = INVITE_CODE.match(text)
    if code is None or is_ok_text(text):
        return None
    source = event.source
    user_id = getattr(source, "user_id", None) or ""
    reply_token = event.reply_token or ""
    now = clock.now()
    if getattr(source, "type", None) == "user" and user_id:
        name = lookups.get("invite_user_name") or ""
        actions.do_accept_invite(
            channel, user_id, _code(code), now, reply_token=reply_token, display_name=name
        )
        return "invite"
    if getattr(source, "type", None) == "group":
        group = Group.objects.filter(channel=channel, line_group_id=source.group_id).first()
        team = Team.objects.filter(tenant_id=channel.tenant_id, group_code=_code(code)).first()
        if group is None or group.status == Group.Status.LEFT or team is None:
            return None
        actions.do_link_group_to_team(group, team, now, reply_token, Actor.line(user_id))
        return "group_linked"
    return None
