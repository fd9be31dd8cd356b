"""State changes of 安否通知: a city's set-up (organizations, teams,
policies, invites) and what LINE users do with invites.

Every ``do_*`` takes the actor (``tenants.actors.Actor``: the staff user of the
request, or the LINE user) and writes the change with its audit or timeline
entry in one transaction. Views call these; they never ``save()`` models.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import translation

from anpi.engine import timeline
from anpi.engine.models import EscalationPolicy, Outbox
from anpi.engine.plan import following_occurrence
from anpi.groups.models import Group, Invite, Team, TeamPerson, TeamWatcher
from anpi.groups.outbox import reply_in_chat
from anpi.people import schedule_words
from anpi.people.actions import create_person
from anpi.people.models import Person
from anpi.tenants import audit
from anpi.tenants.actors import Actor
from anpi.tenants.models import LineChannel, Organization, Tenant

from . import messages

TEAM_DEFAULT_TIME = time(9, 0)
INVITE_LIFETIME = timedelta(days=30)


@transaction.atomic
def do_create_organization(
    tenant: Tenant, fields: dict[str, Any], actor: Actor, now: datetime
) -> Organization:
    org = Organization.objects.create(tenant=tenant, name=fields["name"], kind=fields.get("kind", ""))
    audit.record(tenant.pk, actor, "organization.create", org, now, name=org.name, kind=org.kind)
    return org


@transaction.atomic
def do_create_team(tenant: Tenant, fields: dict[str, Any], actor: Actor, now: datetime) -> Team:
    """``fields``: the cleaned TeamForm (name, organization, policy)."""
    team = Team.objects.create(tenant=tenant, **fields)
    audit.record(tenant.pk, actor, "team.create", team, now, name=team.name)
    return team


@transaction.atomic
def do_create_policy(
    tenant: Tenant, name: str, steps: list[dict[str, Any]], actor: Actor, now: datetime
) -> EscalationPolicy:
    """``steps`` must already be validated (engine.policies.validate_policy)."""
    policy = EscalationPolicy.objects.create(tenant=tenant, name=name, steps=steps)
    audit.record(tenant.pk, actor, "policy.create", policy, now, name=name, steps=steps)
    return policy


@transaction.atomic
def do_create_invite(
    team: Team, role: str, actor: Actor, now: datetime, label: str = ""
) -> Invite:
    """A single-use invite code (and QR) for a watcher or a watched person,
    valid for ``INVITE_LIFETIME``."""
    invite = new_invite(team, role, now, label)
    audit.record(team.tenant_id, actor, "invite.create", invite, now, role=role, team=team.pk)
    return invite


@transaction.atomic
def do_link_group_to_team(
    group: Group, team: Team, now: datetime, reply_token: str, actor: Actor
) -> None:
    """Someone typed the team's group code in a LINE group: alerts of the team go
    to this group from now on."""
    Group.objects.filter(pk=group.pk).update(kind=Group.Kind.TEAM, team=team, status="active")
    audit.record(group.tenant_id, actor, "group.link_team", group, now, team=team.pk)
    reply_in_chat(
        channel=group.channel,
        reply_token=reply_token,
        to=group.line_group_id,
        messages=[messages.group_linked_message(team.name)],
        purpose="group_linked",
        now=now,
    )


def _reply_1to1(
    channel: LineChannel, user_id: str, reply_token: str, message: dict, purpose: str, now: datetime
) -> Outbox | None:
    return reply_in_chat(
        channel=channel,
        reply_token=reply_token,
        to=user_id,
        messages=[message],
        purpose=purpose,
        now=now,
    )


@transaction.atomic
def do_accept_invite(
    channel: LineChannel,
    line_user_id: str,
    code: str,
    now: datetime,
    *,
    reply_token: str = "",
    display_name: str = "",
) -> Invite | None:
    """A LINE user sent an invite code (typed, or from the QR code's message link).

    The code is single-use (compare-and-set on ``used_at``) and expires. A
    watcher's invite registers a ``TeamWatcher``; a watched person's joins the
    team and starts daily checks at ``TEAM_DEFAULT_TIME`` unless they have a
    schedule. Returns None (and replies why) for an unknown, used or expired code.
    """
    actor = Actor.line(line_user_id, display_name)
    person = Person.objects.filter(channel=channel, line_user_id=line_user_id).first()
    language = person.language if person is not None else None
    invite = (
        Invite.objects.select_related("team")
        .filter(tenant_id=channel.tenant_id, code=code.upper())
        .first()
    )
    if (
        invite is None
        or invite.used_at is not None
        or invite.expires_at <= now
        or not Invite.objects.filter(pk=invite.pk, used_at__isnull=True).update(
            used_at=now, used_by=line_user_id
        )
    ):
        reply = messages.invite_invalid_message(language)
        _reply_1to1(channel, line_user_id, reply_token, reply, "invite", now)
        return None
    team = invite.team
    if invite.role == Invite.Role.WATCHER:
        TeamWatcher.objects.update_or_create(
            team=team,
            line_user_id=line_user_id,
            defaults={"tenant_id": team.tenant_id, "name": display_name or invite.label},
        )
        if person is not None and person.status == Person.Status.REGISTERING:
            Person.objects.filter(pk=person.pk).update(status=Person.Status.STOPPED)
            timeline.record(
                person,
                "became_watcher",
                f"チーム「{team}」の見守る人として登録（見守り対象外）",
                now,
                actor=actor,
            )
        reply = messages.invite_done_message("watcher", team.name, language=language)
    else:
        if person is None:
            person = create_person(
                tenant_id=channel.tenant_id,
                channel=channel,
                line_user_id=line_user_id,
                display_name=display_name,
            )
        if not person.nickname and invite.label:
            person.nickname = invite.label
        TeamPerson.objects.update_or_create(
            person=person, defaults={"tenant_id": team.tenant_id, "team": team, "joined_at": now}
        )
        if person.schedule() is None:
            person.check_time = TEAM_DEFAULT_TIME
            person.schedule_kind = Person.ScheduleKind.INTERVAL
            person.interval_days = 1
            person.schedule_anchor = now.astimezone(ZoneInfo(channel.tenant.timezone)).date()
        if person.status in (Person.Status.REGISTERING, Person.Status.STOPPED):
            person.status = Person.Status.ACTIVE
            person.consent_at = person.consent_at or now
            person.next_check_at = following_occurrence(person, now)
        person.save()
        timeline.record(
            person, "team_joined", f"見守りチーム「{team}」に入りました", now, actor=actor
        )
        with translation.override("en" if person.language == "en" else "ja"):
            # The schedule's words exist in Japanese and English (locale/).
            summary = schedule_words.for_person(person)
        reply = messages.invite_done_message("watched", team.name, summary, person.language)
    _reply_1to1(channel, line_user_id, reply_token, reply, "invite", now)
    return invite


def new_invite(team: Team, role: str, now: datetime, label: str = "") -> Invite:
    return Invite.objects.create(
        tenant_id=team.tenant_id,
        team=team,
        role=role,
        label=label,
        created_at=now,
        expires_at=now + INVITE_LIFETIME,
    )
