"""LINE transport on the official line-bot-sdk v3.

``host`` is the channel's API host: empty for LINE itself, the simulator's URL in
demos and tests. The SDK builds the same requests either way.

How LINE's answers map to outcomes (LINE.md):
- 200 → sent; 409 on push/multicast → sent (the retry key was accepted before).
- 5xx, timeouts, connection errors → retry with the same retry key: the message
  may have been delivered, and the key makes LINE drop the repeat.
- 429 rate limit → throttled (nothing was sent; back off this channel).
- 429 monthly limit, other 4xx → failed: the engine tries the next channel.
- 400 "Invalid reply token" on a reply → expired.
"""

from __future__ import annotations

import json
import os
import threading
from typing import Any

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
)

from anpi.channels.base import Delivery, SendResult, Transport

from .ratelimit import bucket

# connect, read (seconds); ANPI_LINE_TIMEOUT shortens the read timeout (fault tests).
REQUEST_TIMEOUT = (5, float(os.environ.get("ANPI_LINE_TIMEOUT", "15")))
_local = threading.local()


def _api(host: str, token: str) -> MessagingApi:
    """One ApiClient per thread and (host, token): it holds a connection pool."""
    cache: dict[tuple[str, str], MessagingApi] = getattr(_local, "apis", None) or {}
    _local.apis = cache
    key = (host, token)
    if key not in cache:
        config = (
            Configuration(access_token=token, host=host)
            if host
            else Configuration(access_token=token)
        )
        cache[key] = MessagingApi(ApiClient(config))
    return cache[key]


def _error_message(body: Any) -> str:
    try:
        return str(json.loads(body).get("message", ""))
    except (TypeError, ValueError, AttributeError):
        return str(body or "")


def classify_error(method: str, status: int, body: Any, headers: Any) -> SendResult:
    message = _error_message(body)
    request_id = (headers or {}).get("x-line-request-id", "") if headers else ""
    if status == 409 and method in ("push", "multicast"):
        return SendResult("sent", "accepted before (retry key)", status, request_id=request_id)
    if status == 429:
        if "monthly limit" in message:
            return SendResult("failed", message, status, request_id=request_id)
        retry_after = None
        if headers and headers.get("retry-after"):
            try:
                retry_after = float(headers["retry-after"])
            except ValueError:
                retry_after = None
        return SendResult(
            "throttled", message, status, retry_after=retry_after, request_id=request_id
        )
    if status >= 500:
        return SendResult("retry", message or f"HTTP {status}", status, request_id=request_id)
    if method == "reply" and status == 400 and "reply token" in message.lower():
        return SendResult("expired", message, status, request_id=request_id)
    return SendResult("failed", message or f"HTTP {status}", status, request_id=request_id)


class LineTransport(Transport):
    kind = "line"

    def __init__(self, host: str, access_token: str) -> None:
        self.host = host.rstrip("/")
        self.access_token = access_token

    def send(self, delivery: Delivery) -> SendResult:
        api = _api(self.host, self.access_token)
        messages = delivery.payload["messages"]
        bucket(f"{self.host}|{self.access_token}", delivery.method).acquire()
        try:
            if delivery.method == "push":
                response = api.push_message_with_http_info(
                    PushMessageRequest.from_dict({"to": delivery.recipient, "messages": messages}),
                    x_line_retry_key=delivery.retry_key,
                    _request_timeout=REQUEST_TIMEOUT,
                )
            elif delivery.method == "multicast":
                response = api.multicast_with_http_info(
                    MulticastRequest.from_dict(
                        {"to": delivery.recipient.split(","), "messages": messages}
                    ),
                    x_line_retry_key=delivery.retry_key,
                    _request_timeout=REQUEST_TIMEOUT,
                )
            elif delivery.method == "reply":
                response = api.reply_message_with_http_info(
                    ReplyMessageRequest.from_dict(
                        {"replyToken": delivery.reply_token, "messages": messages}
                    ),
                    _request_timeout=REQUEST_TIMEOUT,
                )
            else:
                return SendResult("failed", f"LINE cannot send by {delivery.method!r}")
        except ApiException as exc:
            return classify_error(delivery.method, exc.status or 0, exc.body, exc.headers)
        except ValueError as exc:
            # The SDK refused to build the request: our message is malformed.
            return SendResult("failed", f"invalid message: {exc}")
        except Exception as exc:  # noqa: BLE001 - timeouts and connection errors of urllib3
            return SendResult("retry", f"{type(exc).__name__}: {exc}")
        headers = response.headers or {}
        return SendResult(
            "sent", "", response.status_code, request_id=headers.get("x-line-request-id", "")
        )


def fetch_quota_consumption(host: str, access_token: str) -> int | None:
    """This month's messages sent, as LINE counts them
    (``GET /v2/bot/message/quota/consumption`` → ``totalUsage``), or None."""
    try:
        usage = _api(host.rstrip("/"), access_token).get_message_quota_consumption(
            _request_timeout=REQUEST_TIMEOUT
        )
    except Exception:  # noqa: BLE001 - a second opinion only; anpi counts its own
        return None
    return int(usage.total_usage)
