"""State changes of a tenant's LINE channel set-up (the ``do_*`` actions).

Every change takes the acting user (``Actor``) and writes a ``tenants.audit``
row in the same transaction. The channel secret and access token are stored
Fernet-encrypted (``LineChannel.channel_secret`` / ``access_token`` setters,
``tenants.crypto``) and never appear in the audit log: only which of them
changed.

These actions only write what LINE already answered; asking LINE (bot info,
the webhook URL and its test) is ``channels.line.account``, and the page that
runs the steps in order is ``dashboard.line_setup``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from . import audit
from .actors import Actor
from .models import LineChannel, Tenant


@dataclass(frozen=True)
class BotFields:
    """What ``GET /v2/bot/info`` told about the account."""

    user_id: str
    basic_id: str
    display_name: str


def tenant_channel(tenant: Tenant) -> LineChannel | None:
    """The tenant's LINE channel (the first one: a tenant has one account today)."""
    return LineChannel.objects.filter(tenant=tenant).order_by("pk").first()


@transaction.atomic
def do_connect_channel(
    tenant: Tenant,
    bot: BotFields,
    *,
    secret: str,
    token: str,
    api_host: str,
    actor: Actor,
    at: datetime,
) -> tuple[LineChannel, str]:
    """Create or update the tenant's channel with the checked credentials.

    ``secret`` / ``token``: blank keeps the stored value. The bot's user id,
    basic ID and display name (the channel's name) come from ``bot``.
    ``api_host`` is used for a new channel only. Returns the channel and the
    encrypted secret it had before ("" for a new channel), so that a secret
    the webhook test proves wrong can be put back (``do_restore_secret``).
    The webhook is not verified for the new credentials until the next test."""
    channel = tenant_channel(tenant)
    creating = channel is None
    channel = channel or LineChannel(tenant=tenant, api_host=api_host)
    previous_secret = channel.secret_encrypted
    changed = []
    if secret:
        channel.channel_secret = secret
        changed.append("channel_secret")
    if token:
        channel.access_token = token
        changed.append("access_token")
    previous_bot = channel.bot_user_id
    channel.bot_user_id = bot.user_id
    channel.basic_id = bot.basic_id
    channel.name = bot.display_name
    channel.webhook_verified_at = None
    channel.save()
    audit.record(
        tenant.pk,
        actor,
        "channel.create" if creating else "channel.update",
        channel,
        at,
        bot_user_id=bot.user_id,
        previous_bot_user_id=previous_bot,
        basic_id=bot.basic_id,
        name=bot.display_name,
        credentials_changed=changed,
    )
    return channel, previous_secret


@transaction.atomic
def do_record_webhook_test(
    channel: LineChannel,
    url: str,
    *,
    success: bool,
    status_code: int,
    reason: str,
    actor: Actor,
    at: datetime,
) -> LineChannel:
    """Keep the outcome of LINE's webhook test: ``webhook_verified_at`` is ``at``
    when it passed, None when it failed."""
    channel.webhook_verified_at = at if success else None
    LineChannel.objects.filter(pk=channel.pk).update(webhook_verified_at=channel.webhook_verified_at)
    audit.record(
        channel.tenant_id,
        actor,
        "channel.webhook_test",
        channel,
        at,
        url=url,
        success=success,
        status_code=status_code,
        reason=reason,
    )
    return channel


@transaction.atomic
def do_record_webhook_off(channel: LineChannel, actor: Actor, at: datetime) -> LineChannel:
    """LINE says "Use webhook" is off for the channel: it sends anpi no events,
    whatever the last webhook test said, so the channel is no longer shown as
    verified (``webhook_verified_at`` None) until a check finds it on."""
    channel.webhook_verified_at = None
    LineChannel.objects.filter(pk=channel.pk).update(webhook_verified_at=None)
    audit.record(channel.tenant_id, actor, "channel.webhook_off", channel, at)
    return channel


@transaction.atomic
def do_restore_secret(
    channel: LineChannel, secret_encrypted: str, actor: Actor, at: datetime
) -> LineChannel:
    """Put back the secret a channel had before ``do_connect_channel`` (still
    encrypted): LINE's webhook test showed the new one is not the channel's,
    and events signed with the real one must keep arriving meanwhile."""
    channel.secret_encrypted = secret_encrypted
    LineChannel.objects.filter(pk=channel.pk).update(secret_encrypted=secret_encrypted)
    audit.record(channel.tenant_id, actor, "channel.secret_restored", channel, at)
    return channel
