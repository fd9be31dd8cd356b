"""Checking a LINE official account with the official SDK: bot info and the webhook URL.

A tenant admin connects a channel by pasting its secret and access token; these
calls let anpi tell, step by step, what is right and what is wrong
(``dashboard.line_setup`` runs them in order):

1. ``bot_info`` — ``GET /v2/bot/info`` → ``BotInfo`` (user id, basic ID,
   display name, chat mode). LINE answers 401 to a wrong access token.
2. ``set_webhook`` — ``PUT /v2/bot/channel/webhook/endpoint`` ``{"endpoint": url}``.
   LINE refuses a URL that is not HTTPS with 400.
3. ``webhook_endpoint`` — ``GET /v2/bot/channel/webhook/endpoint`` → (url, active):
   ``active`` is the console's "Use webhook" switch, which no API turns on.
4. ``test_webhook`` — ``POST /v2/bot/channel/webhook/test``: LINE POSTs
   ``{"destination", "events": []}`` signed with the channel secret to the URL
   and reports ``WebhookTest`` (success, statusCode, reason, detail). anpi's
   webhook answers 401 to a bad signature, so ``statusCode == 401`` means the
   secret anpi holds is not the channel's.

Source: developers.line.biz Messaging API reference ("Get bot info", "Set
webhook endpoint URL", "Get webhook endpoint information", "Test webhook
endpoint") and ``shared/line-openapi/messaging-api.yml``.

Errors: every function raises ``AccountError`` with ``kind``:
``"token"`` (401: the access token is wrong), ``"refused"`` (another 4xx/5xx,
``status`` and LINE's ``message`` kept) or ``"unreachable"`` (no answer:
connection error or timeout). ``host`` is the channel's API host ("" for
api.line.me, the simulator's URL in tests).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    SetWebhookEndpointRequest,
)
from linebot.v3.messaging import TestWebhookEndpointRequest as WebhookTestRequest

# connect, read (seconds): the webhook test waits for LINE to reach anpi and back.
TIMEOUT = (5, 30)
T = TypeVar("T")


@dataclass(frozen=True)
class BotInfo:
    user_id: str
    basic_id: str
    display_name: str
    chat_mode: str  # "chat" (chat on in the Official Account Manager) or "bot"


@dataclass(frozen=True)
class WebhookTest:
    success: bool
    status_code: int  # 0 or negative: LINE got no answer from the URL
    reason: str
    detail: str


class AccountError(Exception):
    """LINE refused a call or could not be reached; ``kind``: token | refused | unreachable."""

    def __init__(self, kind: str, status: int = 0, message: str = "") -> None:
        super().__init__(f"{kind}: {status} {message}".strip())
        self.kind = kind
        self.status = status
        self.message = message


def _message(body: Any) -> str:
    try:
        return str(json.loads(body).get("message", ""))
    except (TypeError, ValueError, AttributeError):
        return str(body or "")


def _call(host: str, token: str, call: Callable[[MessagingApi], T]) -> T:
    config = (
        Configuration(access_token=token, host=host.rstrip("/"))
        if host
        else Configuration(access_token=token)
    )
    try:
        with ApiClient(config) as client:
            return call(MessagingApi(client))
    except ApiException as exc:
        status = exc.status or 0
        kind = "token" if status == 401 else "refused"
        raise AccountError(kind, status, _message(exc.body)) from exc
    except ValueError as exc:  # the SDK could not read LINE's answer
        raise AccountError("refused", 0, str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - urllib3's connection errors and timeouts
        raise AccountError("unreachable", 0, f"{type(exc).__name__}: {exc}") from exc


def bot_info(host: str, token: str) -> BotInfo:
    info = _call(host, token, lambda api: api.get_bot_info(_request_timeout=TIMEOUT))
    return BotInfo(
        user_id=info.user_id,
        basic_id=info.basic_id,
        display_name=info.display_name,
        chat_mode=str(getattr(info.chat_mode, "value", info.chat_mode) or ""),
    )


def set_webhook(host: str, token: str, url: str) -> None:
    request = SetWebhookEndpointRequest(endpoint=url)
    _call(host, token, lambda api: api.set_webhook_endpoint(request, _request_timeout=TIMEOUT))


def webhook_endpoint(host: str, token: str) -> tuple[str, bool]:
    answer = _call(host, token, lambda api: api.get_webhook_endpoint(_request_timeout=TIMEOUT))
    return answer.endpoint, bool(answer.active)


def test_webhook(host: str, token: str, url: str) -> WebhookTest:
    request = WebhookTestRequest(endpoint=url)
    answer = _call(
        host, token, lambda api: api.test_webhook_endpoint(request, _request_timeout=TIMEOUT)
    )
    return WebhookTest(
        success=bool(answer.success),
        status_code=answer.status_code,
        reason=answer.reason,
        detail=answer.detail,
    )


# Not a pytest test, whatever its name says.
test_webhook.__test__ = False  # type: ignore[attr-defined]
