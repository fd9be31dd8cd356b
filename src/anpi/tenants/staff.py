"""Staff identity: tenants, invitations, joining and disabling (the ``do_*`` actions).

Every change goes through one of these functions with the acting user
(``Actor``) and writes a ``tenants.audit`` row in the same transaction.

Invitations: ``do_invite_staff`` makes a random token (256 bits), stores only
its SHA-256 and returns the token once, for the link ``invite_url(token)``.
``do_accept_invite`` claims the invite with a compare-and-set on
``used_at IS NULL AND expires_at > now``, so a link works once and only
before it expires, even when two browsers post it at the same moment.

Disabling: ``do_disable_staff`` marks the membership disabled (it stops opening
the tenant's pages on the next request), deactivates the account when no other
enabled membership is left, and deletes every session of the user at once.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse

from . import audit
from .actors import Actor
from .models import Membership, StaffInvite, Tenant

log = logging.getLogger(__name__)

INVITE_LIFETIME = timedelta(hours=72)
INVITE_ROLES = ("admin", "operator", "viewer")


class InviteInvalid(Exception):
    """The link is unknown, used or expired; ``reason`` is ``unknown|used|expired``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class IssuedInvite:
    invite: StaffInvite
    token: str  # only here, never stored
    # Whether the invite e-mail went out: None until the transaction committed
    # and the mail was tried (``send_invite_mail``), then True or False.
    mailed: bool | None = None

    @property
    def url(self) -> str:
        return invite_url(self.token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_url(token: str) -> str:
    return settings.BASE_URL + reverse("staff-invite", args=[token])


def do_create_tenant(
    name: str,
    slug: str,
    kind: str,
    admin_email: str,
    actor: Actor,
    at: datetime,
    phone: str = "",
) -> tuple[Tenant, IssuedInvite]:
    """A new tenant and an invite for its first tenant admin (``admin_email``).
    ``phone``: the number every alert to contacts, groups and teams gives.

    Raises ``django.db.IntegrityError`` when ``slug`` is taken."""
    with transaction.atomic():
        tenant = Tenant.objects.create(
            name=name, slug=slug, kind=kind, staff_email=admin_email, phone=phone
        )
        audit.record(tenant.pk, actor, "tenant.create", tenant, at, slug=slug, kind=kind, phone=phone)
        issued = do_invite_staff(tenant, admin_email, "admin", actor, at)
    return tenant, issued


def do_invite_staff(
    tenant: Tenant, email: str, role: str, actor: Actor, at: datetime
) -> IssuedInvite:
    """Invite ``email`` as ``role`` (admin|operator|viewer) of ``tenant``; the e-mail with
    the link goes out after the transaction commits. Raises ValueError for a role
    that has no dashboard (watchers join through LINE)."""
    if role not in INVITE_ROLES:
        raise ValueError(f"staff invites are for {INVITE_ROLES}, not {role!r}")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        invite = StaffInvite.objects.create(
            tenant=tenant,
            email=email,
            role=role,
            token_hash=token_hash(token),
            created_by=actor.user,
            created_at=at,
            expires_at=at + INVITE_LIFETIME,
        )
        audit.record(tenant.pk, actor, "staff.invite", invite, at, email=email, role=role)
        issued = IssuedInvite(invite, token)
        transaction.on_commit(lambda: setattr(issued, "mailed", send_invite_mail(issued)))
    return issued


def send_invite_mail(issued: IssuedInvite) -> bool:
    """E-mail the invite link; a mail failure is logged, not raised (the admin
    who made the invite also sees the link and can pass it on)."""
    invite = issued.invite
    body = (
        f"{invite.tenant.name} から anpi のスタッフとして招待されました。\n"
        f"次のリンクからパスワードを設定し、2段階認証を登録してください"
        f"（{int(INVITE_LIFETIME.total_seconds() // 3600)} 時間有効・1回のみ）。\n\n"
        f"{issued.url}\n\n"
        f"You have been invited to anpi as staff of {invite.tenant.name}. "
        "The link works once and expires."
    )
    try:
        send_mail("【anpi】スタッフ招待 / Staff invitation", body, None, [invite.email])
    except OSError as exc:
        log.warning("invite mail to %s failed: %s", invite.email, exc)
        return False
    return True


def find_invite(token: str, at: datetime) -> StaffInvite:
    """The open invite for ``token``; raises ``InviteInvalid`` with the reason."""
    invite = (
        StaffInvite.objects.select_related("tenant").filter(token_hash=token_hash(token)).first()
    )
    if invite is None:
        raise InviteInvalid("unknown")
    if invite.used_at is not None:
        raise InviteInvalid("used")
    if invite.expires_at <= at:
        raise InviteInvalid("expired")
    return invite


def do_accept_invite(token: str, username: str, password: str, at: datetime) -> Any:
    """Claim the invite, create the user (password already validated by the form)
    and its membership; returns the user. Raises ``InviteInvalid``."""
    user_model = get_user_model()
    with transaction.atomic():
        invite = find_invite(token, at)
        claimed = StaffInvite.objects.filter(
            pk=invite.pk, used_at__isnull=True, expires_at__gt=at
        ).update(used_at=at)
        if claimed != 1:
            raise InviteInvalid("used")
        user = user_model.objects.create_user(username, email=invite.email, password=password)
        StaffInvite.objects.filter(pk=invite.pk).update(used_by=user)
        Membership.objects.create(tenant=invite.tenant, user=user, role=invite.role)
        audit.record(
            invite.tenant_id, Actor.staff(user), "staff.join", invite, at, role=invite.role
        )
    return user


def end_sessions(user: Any) -> int:
    """Delete every stored session of ``user`` (database sessions); returns how many.

    Sessions are few (30-minute idle timeout), so decoding each one is cheap."""
    ended = 0
    for session in Session.objects.all().iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


def do_disable_staff(membership: Membership, actor: Actor, at: datetime) -> Membership:
    """Disable a staff member of a tenant and end their sessions at once.

    Raises ValueError when an admin tries to disable themselves (a tenant
    must keep an admin who can undo mistakes)."""
    if actor.user is not None and membership.user_id == actor.user.pk:
        raise ValueError("you cannot disable yourself")
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk, disabled_at__isnull=True).update(disabled_at=at)
        membership.refresh_from_db()
        user = membership.user
        still_staff = Membership.objects.filter(user=user, disabled_at__isnull=True).exists()
        if not still_staff and user.is_active:
            user.is_active = False
            user.save(update_fields=["is_active"])
        ended = end_sessions(user)
        audit.record(
            membership.tenant_id,
            actor,
            "staff.disable",
            membership,
            at,
            user=user.get_username(),
            sessions_ended=ended,
        )
    return membership


def do_enable_staff(membership: Membership, actor: Actor, at: datetime) -> Membership:
    """Undo ``do_disable_staff`` (the account becomes active again)."""
    with transaction.atomic():
        Membership.objects.filter(pk=membership.pk).update(disabled_at=None)
        membership.refresh_from_db()
        user = membership.user
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
        audit.record(
            membership.tenant_id, actor, "staff.enable", membership, at, user=user.get_username()
        )
    return membership
