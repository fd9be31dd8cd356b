"""Connecting a tenant's LINE official account from the dashboard, step by step.

``connect_channel`` runs the steps in this order and stops at the first one
that cannot go on; each step gives a ``Step`` (``key``, ``ok``, a message in
the request's language):

1. ``token`` — ``GET /v2/bot/info`` with the access token entered (or the one
   stored). 401 → 「アクセストークンが正しくありません」; nothing is saved.
   A token of another account than the one the tenant's people use is
   refused too (their LINE user ids belong to that account).
2. ``save`` — ``tenants.channel_setup.do_connect_channel`` stores the secret and
   token (encrypted) with the bot's user id, basic ID and display name.
3. ``webhook_url`` — ``PUT /v2/bot/channel/webhook/endpoint`` with
   ``ANPI_BASE_URL`` + the channel's webhook path. LINE wants HTTPS.
4. ``webhook_test`` — ``POST /v2/bot/channel/webhook/test``. LINE signs the
   request with the channel secret and anpi's webhook answers 401 to a bad
   signature, so status 401 → 「チャネルシークレットが正しくありません」. A new
   secret proven wrong is replaced by the previous one at once
   (``do_restore_secret``), so that events keep arriving.
5. ``webhook_active`` — ``GET /v2/bot/channel/webhook/endpoint``: "Use
   webhook" must be on in the LINE Developers console (no API turns it on).
6. ``rich_menu`` — the 「げんきです」 menu under the chat
   (``individual.richmenu.do_setup_rich_menu``: create, upload the image, set
   as default; idempotent), so that people can answer before the check comes.
   A failure (LINE refused, no Japanese font to draw it) is reported, and
   ``anpi richmenu`` can retry; the connection itself stands.

LINE sources: Messaging API reference (get bot info, set / get / test webhook
endpoint), "Verify the webhook URL" (the verification body is
``{"destination", "events": []}`` and needs 200); ``channels.line.account``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django import forms
from django.conf import settings
from django.utils.translation import pgettext, pgettext_lazy

from anpi.channels.line import account
from anpi.individual.richmenu import RichMenuError, do_setup_rich_menu
from anpi.people.models import Person
from anpi.tenants import channel_setup
from anpi.tenants.actors import Actor
from anpi.tenants.models import LineChannel, Tenant

CTX = "channel"


class ChannelCredentialsForm(forms.Form):
    """The two values a tenant admin copies from the LINE Developers console."""

    channel_secret = forms.CharField(
        label=pgettext_lazy(CTX, "Channel secret"),
        widget=forms.PasswordInput,
        required=False,
        max_length=200,
        help_text=pgettext_lazy(CTX, "“Basic settings” tab of the channel."),
    )
    access_token = forms.CharField(
        label=pgettext_lazy(CTX, "Channel access token (long-lived)"),
        widget=forms.PasswordInput,
        required=False,
        max_length=1000,
        help_text=pgettext_lazy(CTX, "“Messaging API” tab, at the bottom: issue it there."),
    )

    def __init__(self, *args, connected: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("channel_secret", "access_token"):
            if connected:
                self.fields[name].help_text = pgettext_lazy(
                    CTX, "Leave empty to keep the stored one."
                )
            else:
                self.fields[name].required = True
                self.fields[name].error_messages["required"] = pgettext_lazy(
                    CTX, "Please fill this in."
                )

    def clean(self):
        data = super().clean()
        for name in ("channel_secret", "access_token"):
            data[name] = "".join((data.get(name) or "").split())  # pasted line breaks, spaces
        return data


@dataclass
class Step:
    key: str
    ok: bool
    message: str


@dataclass
class Outcome:
    steps: list[Step] = field(default_factory=list)
    channel: LineChannel | None = None

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(step.ok for step in self.steps)

    def add(self, key: str, ok: bool, message: str) -> bool:
        self.steps.append(Step(key, ok, message))
        return ok


def webhook_url(channel: LineChannel) -> str:
    return settings.BASE_URL + channel.webhook_path()


def _line_failure(error: account.AccountError) -> str:
    if error.kind == "unreachable":
        return pgettext(CTX, "Could not reach LINE (%(error)s). Please try again later.") % {
            "error": error.message
        }
    return pgettext(CTX, "LINE answered with an error (HTTP %(status)s: %(message)s).") % {
        "status": error.status,
        "message": error.message,
    }


def _check_token(outcome: Outcome, host: str, token: str) -> account.BotInfo | None:
    try:
        bot = account.bot_info(host, token)
    except account.AccountError as error:
        if error.kind == "token":
            outcome.add("token", False, pgettext(CTX, "The access token is not correct."))
        else:
            outcome.add("token", False, _line_failure(error))
        return None
    outcome.add(
        "token",
        True,
        pgettext(CTX, "Checked the access token: %(name)s (%(basic_id)s).")
        % {"name": bot.display_name, "basic_id": bot.basic_id},
    )
    return bot


def _another_account(channel: LineChannel | None, bot: account.BotInfo) -> bool:
    return bool(
        channel
        and channel.bot_user_id
        and channel.bot_user_id != bot.user_id
        and Person.objects.filter(channel=channel).exists()
    )


def _test_webhook(
    outcome: Outcome, channel: LineChannel, url: str, actor: Actor, now: datetime
) -> str:
    """Run LINE's webhook test; "ok", "secret" (anpi refused the signature) or "failed"."""
    host, token = channel.api_host, channel.access_token
    try:
        result = account.test_webhook(host, token, url)
    except account.AccountError as error:
        outcome.add("webhook_test", False, _line_failure(error))
        return "failed"
    channel_setup.do_record_webhook_test(
        channel,
        url,
        success=result.success,
        status_code=result.status_code,
        reason=result.reason,
        actor=actor,
        at=now,
    )
    if result.success:
        outcome.add(
            "webhook_test", True, pgettext(CTX, "LINE reached anpi and the signature is right.")
        )
        return "ok"
    if result.status_code == 401:
        outcome.add("webhook_test", False, pgettext(CTX, "The channel secret is not correct."))
        return "secret"
    if result.status_code <= 0:
        message = pgettext(
            CTX, "LINE could not reach %(url)s (%(detail)s). Is ANPI_BASE_URL public?"
        ) % {"url": url, "detail": result.detail}
    else:
        message = pgettext(CTX, "The webhook test failed (HTTP %(status)s %(detail)s).") % {
            "status": result.status_code,
            "detail": result.detail,
        }
    outcome.add("webhook_test", False, message)
    return "failed"


def connect_channel(
    tenant: Tenant, secret: str, token: str, actor: Actor, now: datetime
) -> Outcome:
    """Check the credentials with LINE, store them, set and test the webhook.

    ``secret`` / ``token`` blank: use the stored ones (re-check a connected
    channel). Network calls run outside any transaction; each write is its own
    ``do_*`` action with an audit row."""
    outcome = Outcome()
    existing = channel_setup.tenant_channel(tenant)
    host = existing.api_host if existing else settings.ANPI_LINE_API_HOST
    bot = _check_token(outcome, host, token or (existing.access_token if existing else ""))
    if bot is None:
        return outcome
    if _another_account(existing, bot):
        outcome.add(
            "save",
            False,
            pgettext(
                CTX,
                "This token belongs to another official account (%(basic_id)s) than the one "
                "your people have added. Nothing was changed.",
            )
            % {"basic_id": bot.basic_id},
        )
        return outcome
    channel, previous_secret = channel_setup.do_connect_channel(
        tenant,
        channel_setup.BotFields(bot.user_id, bot.basic_id, bot.display_name),
        secret=secret,
        token=token,
        api_host=host,
        actor=actor,
        at=now,
    )
    outcome.channel = channel
    url = webhook_url(channel)
    try:
        account.set_webhook(channel.api_host, channel.access_token, url)
    except account.AccountError as error:
        detail = error.message if error.kind != "unreachable" else _line_failure(error)
        outcome.add(
            "webhook_url",
            False,
            pgettext(
                CTX,
                "LINE did not accept the webhook URL %(url)s (%(detail)s). "
                "ANPI_BASE_URL must be the public https:// address of anpi.",
            )
            % {"url": url, "detail": detail},
        )
        return outcome
    outcome.add("webhook_url", True, pgettext(CTX, "Set the webhook URL: %(url)s") % {"url": url})
    tested = _test_webhook(outcome, channel, url, actor, now)
    if tested != "ok":
        if tested == "secret" and secret and previous_secret:
            channel_setup.do_restore_secret(channel, previous_secret, actor, now)
            outcome.steps[-1].message += " " + pgettext(
                CTX, "The previous channel secret is kept."
            )
        return outcome
    try:
        _, active = account.webhook_endpoint(channel.api_host, channel.access_token)
    except account.AccountError as error:
        outcome.add("webhook_active", False, _line_failure(error))
        return outcome
    if active:
        outcome.add("webhook_active", True, pgettext(CTX, "“Use webhook” is on."))
        _set_up_rich_menu(outcome, channel, actor, now)
    else:
        channel_setup.do_record_webhook_off(channel, actor, now)
        outcome.add(
            "webhook_active",
            False,
            pgettext(
                CTX,
                "Turn on “Use webhook” in the LINE Developers console (Messaging API tab), "
                "then check again.",
            ),
        )
    return outcome


def _set_up_rich_menu(outcome: Outcome, channel: LineChannel, actor: Actor, now: datetime) -> None:
    try:
        done = do_setup_rich_menu(channel, actor, now)
    except RichMenuError as error:
        outcome.add(
            "rich_menu",
            False,
            pgettext(
                CTX,
                "The 「げんきです」 menu could not be set up (%(error)s). "
                "Run `anpi richmenu` on the server to try again.",
            )
            % {"error": error},
        )
        return
    message = (
        pgettext(CTX, "The 「げんきです」 menu is shown under the chat.")
        if done == "unchanged"
        else pgettext(CTX, "Set up the 「げんきです」 menu under the chat.")
    )
    outcome.add("rich_menu", True, message)
