"""Real LINE traffic: signed webhook bodies posted to anpi as LINE would send them,
with explicit timestamps, then the worker (recording transport, no network)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
from datetime import datetime
from typing import Any

import pytest
from tests.engine.conftest import RecordingTransport

_ids = itertools.count(1)


def ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


def line_event(kind: str, user: str, at: datetime, **extra: Any) -> dict[str, Any]:
    """One webhook event of ``kind`` from 1:1 ``user`` at ``at`` (LINE's shape)."""
    event: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": ms(at),
        "source": {"type": "user", "userId": user},
        "webhookEventId": f"01TRAFFIC{next(_ids):017d}",
        "deliveryContext": {"isRedelivery": False},
    }
    if kind in ("message", "postback", "follow", "join", "memberJoined"):
        event["replyToken"] = f"reply-{event['webhookEventId']}"
    event.update(extra)
    return event


def text_event(user: str, text: str, at: datetime, **extra: Any) -> dict[str, Any]:
    message = {"type": "text", "id": str(next(_ids)), "quoteToken": "q", "text": text}
    message.update(extra.pop("message", {}))
    return line_event("message", user, at, message=message, **extra)


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def transport():
    return RecordingTransport()


@pytest.fixture
def post(client, channel):
    """POST a signed body of ``events`` to the channel's webhook; returns the response."""

    def send(*events: dict[str, Any], body: bytes | None = None, path: str | None = None):
        raw = body if body is not None else json.dumps(
            {"destination": channel.bot_user_id, "events": list(events)}
        ).encode()
        return client.post(
            path or channel.webhook_path(),
            raw,
            content_type="application/json",
            HTTP_X_LINE_SIGNATURE=sign("test-channel-secret", raw),
        )

    return send


@pytest.fixture
def work(clock, transport):
    from anpi.engine.worker import run_until_idle

    def run():
        return run_until_idle(clock, transport_for=lambda row: transport)

    return run


@pytest.fixture
def channel(channel):
    """The tenant's channel with its API at a closed local port: profile lookups
    fail at once (a name is optional), sends go to the recording transport."""
    channel.api_host = "http://127.0.0.1:9"
    channel.save(update_fields=["api_host"])
    return channel
