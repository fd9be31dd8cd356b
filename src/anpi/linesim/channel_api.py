"""The channel endpoints a tenant admin's set-up page calls: bot info and the webhook URL.

Shapes follow LINE's OpenAPI spec (``shared/line-openapi/messaging-api.yml``):

- ``GET /v2/bot/info`` → 200 ``BotInfoResponse``: ``userId``, ``basicId``,
  ``displayName``, ``chatMode`` (``chat``|``bot``), ``markAsReadMode``
  (``auto`` when chat is off, ``manual`` when on — the spec's rule).
- ``PUT /v2/bot/channel/webhook/endpoint`` with ``SetWebhookEndpointRequest``
  ``{"endpoint": url}`` → 200 ``{}``; the URL is kept for every later event.
  It does not turn "Use webhook" on: that switch is in the console
  (``webhookActive`` of the control API).
- ``GET /v2/bot/channel/webhook/endpoint`` → 200 ``GetWebhookEndpointResponse``
  ``{"endpoint", "active"}``. With no URL set the simulator answers
  ``{"endpoint": "", "active": false}`` (unsure: LINE's answer is not documented).
- ``POST /v2/bot/channel/webhook/test`` with an optional
  ``TestWebhookEndpointRequest`` ``{"endpoint": url}`` (default: the URL set)
  really POSTs LINE's verification body ``{"destination": bot, "events": []}``,
  signed with the channel secret (developers.line.biz "Verify the webhook
  URL"), and answers 200 ``TestWebhookEndpointResponse``: ``success``,
  ``timestamp``, ``statusCode`` (0 when no answer came), ``reason`` and
  ``detail``. Reasons are those of LINE's webhook error statistics, upper-cased
  (unsure: the reference shows only ``OK``): ``OK``, ``ERROR_STATUS_CODE``,
  ``COULD_NOT_CONNECT``, ``REQUEST_TIMEOUT``. A receiver that checks the
  signature and answers 401 to a wrong one shows up here as
  ``success: false, statusCode: 401``.

Errors: 401 for a wrong token (``api._serve``); 400 with LINE's
``{"message", "details": [{"message", "property"}]}`` for a missing, over-long
(> 500 characters) or non-URL ``endpoint``. LINE accepts only HTTPS webhook
URLs; the simulator also accepts ``http://`` to a loopback host (127.0.0.0/8,
``::1``, ``localhost``) so that tests and the demo need no certificate.
"""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime
from urllib.parse import urlsplit

from aiohttp import web

from anpi.linesim.api import Call, Result, route
from anpi.linesim.validation import REQUIRED, Errors, error_body
from anpi.linesim.webhooks import post_signed

MAX_ENDPOINT = 500


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def endpoint_errors(value: object) -> Errors:
    """Why ``value`` is not a webhook URL LINE would accept (empty list: it is)."""
    if value is None:
        return [("endpoint", REQUIRED)]
    if not isinstance(value, str):
        return [("endpoint", "must be a string")]
    if len(value) > MAX_ENDPOINT:
        return [("endpoint", f"Length must be between 0 and {MAX_ENDPOINT}")]
    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return []
    if parts.scheme == "http" and _loopback(host):
        return []
    return [("endpoint", "must be an https URL")]


async def _bot_info(call: Call) -> Result:
    channel = call.channel
    body = {
        "userId": channel.bot_user_id,
        "basicId": channel.basic_id,
        "displayName": channel.display_name,
        "chatMode": channel.chat_mode,
        "markAsReadMode": "manual" if channel.chat_mode == "chat" else "auto",
    }
    return Result(200, body)


async def _set_endpoint(call: Call) -> Result:
    errors = endpoint_errors(call.body.get("endpoint"))
    if errors:
        return Result(400, error_body(errors))
    with call.sim.state.lock:
        call.channel.webhook_url = call.body["endpoint"]
    return Result(200, {}, accepted=True)


async def _get_endpoint(call: Call) -> Result:
    channel = call.channel
    return Result(
        200,
        {"endpoint": channel.webhook_url, "active": bool(channel.webhook_url and channel.webhook_active)},
    )


def _timestamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat(timespec="milliseconds").replace(
        "+00:00", "Z"
    )


async def _test_endpoint(call: Call) -> Result:
    body = call.body if call.body is not None else {}
    if not isinstance(body, dict):
        return Result(400, error_body([("body", "must be a JSON object")]))
    endpoint = body.get("endpoint") or call.channel.webhook_url
    if not endpoint:
        return Result(400, {"message": "The webhook endpoint is not set"})
    errors = endpoint_errors(endpoint)
    if errors:
        return Result(400, error_body(errors))
    verification = json.dumps(
        {"destination": call.channel.bot_user_id, "events": []}, separators=(",", ":")
    ).encode()
    at = _timestamp(call.sim.config.now())
    status, error, phrase = await post_signed(call.sim, call.channel, endpoint, verification)
    if status is None:
        reason = "REQUEST_TIMEOUT" if error == "timeout" else "COULD_NOT_CONNECT"
        detail = "Request timeout" if error == "timeout" else f"Connection failed ({error})"
        result = {"success": False, "statusCode": 0, "reason": reason, "detail": detail}
    elif 200 <= status < 300:
        result = {"success": True, "statusCode": status, "reason": "OK", "detail": str(status)}
    else:
        result = {
            "success": False,
            "statusCode": status,
            "reason": "ERROR_STATUS_CODE",
            "detail": f"{status} {phrase}".strip(),
        }
    return Result(200, {"timestamp": at, **result})


def add_routes(app: web.Application) -> None:
    """Register before ``api.add_routes``: its catch-all answers every other /v2/ path."""
    r = app.router
    r.add_get("/v2/bot/info", route("channel", _bot_info, False))
    r.add_put("/v2/bot/channel/webhook/endpoint", route("channel", _set_endpoint))
    r.add_get("/v2/bot/channel/webhook/endpoint", route("channel", _get_endpoint, False))
    r.add_post("/v2/bot/channel/webhook/test", route("channel", _test_endpoint, False))
