"""安否通知's escalation action ``alert_team`` (registered with engine.registry).

Runs inside the transaction that won the check's compare-and-set (see
engine.steps), so its outbox and alert rows commit with the step. The team is
told in its LINE group if it has one, else each watcher 1:1; a claimed alert is
not repeated (``groups.steps.open_alert``: its claimer is on the way).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from anpi.engine import timeline
from anpi.engine.models import Check
from anpi.groups import messages
from anpi.groups.models import TeamPerson
from anpi.groups.outbox import push_to_chat
from anpi.groups.steps import open_alert


def alert_team(check: Check, params: dict[str, Any], now: datetime) -> None:
    link = TeamPerson.objects.filter(person=check.person).select_related("team").first()
    if link is None:
        timeline.record(check.person, "no_team", "見守りチームに入っていません", now, check)
        return None
    team = link.team
    alert, send = open_alert(check, now, team=team)
    if not send:
        return None
    name = check.person.name
    message = messages.alert_message(alert.pk, name, "team", again=alert.rounds > 1)
    group = team.alert_group()
    channel = check.person.channel or check.person.tenant.channels.order_by("pk").first()
    if group is not None:
        push_to_chat(
            channel=group.channel,
            to=group.line_group_id,
            messages=[message],
            purpose="alert",
            now=now,
            person=check.person,
            check=check,
        )
        where = f"チームのグループ「{group}」"
    elif channel is None:
        # The tenant has no LINE official account to send from (so no watcher
        # can have registered either): the timeline says why nobody was told.
        where = "（LINE公式アカウントが未設定で見守る人に送れません）"
    else:
        watchers = [w for w in team.watchers.all() if w.line_user_id]
        for watcher in watchers:
            push_to_chat(
                channel=channel,
                to=watcher.line_user_id,
                messages=[message],
                purpose="alert",
                now=now,
                person=check.person,
                check=check,
            )
        where = f"見守る人{len(watchers)}人（個別）"
        if not watchers:
            where = "（見守る人が未登録）"
    timeline.record(
        check.person,
        "alert_sent",
        f"チーム「{team}」の{where}に通知"
        + (f"（{alert.rounds}回目）" if alert.rounds > 1 else ""),
        now,
        check,
        alert=alert.pk,
    )
    return None
