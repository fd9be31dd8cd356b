"""The LINE webhook endpoint: verify, store, answer 200 — nothing else.

LINE treats a reply slower than about 2 s as a failure, so the request does no
processing: events go to the inbox table and a worker handles them.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from anpi.engine.clock import get_clock
from anpi.engine.ingest import store_events
from anpi.tenants.models import LineChannel

from .webhook import WebhookError, read_events, verify_signature


@csrf_exempt
@require_POST
def line_webhook(request: HttpRequest, token: str) -> HttpResponse:
    channel = get_object_or_404(LineChannel.objects.select_related("tenant"), webhook_token=token)
    body = request.body
    if not verify_signature(
        channel.channel_secret, body, request.headers.get("X-Line-Signature", "")
    ):
        return JsonResponse({"message": "invalid signature"}, status=401)
    try:
        events = read_events(body)
    except WebhookError as exc:
        return JsonResponse({"message": str(exc)}, status=exc.status)
    if events:
        store_events(channel, events, get_clock().now())
    return JsonResponse({"message": "ok"})
