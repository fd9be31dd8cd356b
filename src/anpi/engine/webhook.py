"""The LINE webhook endpoint: verify, store, answer 200 — nothing else.

The engine owns it (it writes the inbox); ``channels.line.webhook`` only knows
LINE's signature and body format.

LINE treats a reply slower than about 2 s as a failure, so the request does no
processing: events go to the inbox table and a worker handles them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from anpi.channels.line.webhook import WebhookError, read_events, verify_signature
from anpi.tenants.models import LineChannel

from .clock import get_clock
from .ingest import store_events

CHANNEL_CACHE_SECONDS = 60


@dataclass(frozen=True)
class WebhookChannel:
    """What the webhook needs of a channel, kept in the process's cache: at
    hundreds of events a second the lookup and the decryption of the secret
    were a third of each request."""

    pk: int
    tenant_id: int
    secret: str
    bot_user_id: str


def _channel(token: str, fresh: bool = False) -> WebhookChannel:
    key = f"anpi:webhook-channel:{token}"
    found = None if fresh else cache.get(key)
    if found is None:
        channel = LineChannel.objects.filter(webhook_token=token).first()
        if channel is None:
            raise Http404
        found = WebhookChannel(
            channel.pk, channel.tenant_id, channel.channel_secret, channel.bot_user_id
        )
        cache.set(key, found, CHANNEL_CACHE_SECONDS)
    return found


@csrf_exempt
@require_POST
def line_webhook(request: HttpRequest, token: str) -> HttpResponse:
    channel = _channel(token)
    fresh = False
    body = request.body
    signature = request.headers.get("X-Line-Signature", "")
    if not verify_signature(channel.secret, body, signature):
        # The secret may have just been changed by the tenant admin: look again.
        channel, fresh = _channel(token, fresh=True), True
        if not verify_signature(channel.secret, body, signature):
            return JsonResponse({"message": "invalid signature"}, status=401)
    try:
        events = read_events(body, channel.bot_user_id)
    except WebhookError as exc:
        return JsonResponse({"message": str(exc)}, status=exc.status)
    if not events and not fresh:
        # LINE's verification request (the LINE page's webhook test) must judge
        # the secret stored now, not one cached before the admin changed it.
        channel = _channel(token, fresh=True)
        if not verify_signature(channel.secret, body, signature):
            return JsonResponse({"message": "invalid signature"}, status=401)
    if events:
        store_events(channel, events, get_clock().now())
    return JsonResponse({"message": "ok"})
