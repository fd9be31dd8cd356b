"""Checking and reading LINE webhook requests with the official SDK."""

from __future__ import annotations

import json
from typing import Any

from linebot.v3 import SignatureValidator


class WebhookError(ValueError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def verify_signature(channel_secret: str, body: bytes, signature: str) -> bool:
    """X-Line-Signature = base64(HMAC-SHA256(secret, raw body)), compared in constant time."""
    if not signature:
        return False
    try:
        return SignatureValidator(channel_secret).validate(body.decode("utf-8"), signature)
    except UnicodeDecodeError:
        return False


def read_events(body: bytes) -> list[dict[str, Any]]:
    """The events of a webhook body, or WebhookError(400) if it is not LINE's shape."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WebhookError(400, "malformed JSON") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        raise WebhookError(400, "body must be an object with an 'events' list")
    events = payload["events"]
    for event in events:
        if not isinstance(event, dict) or not isinstance(event.get("webhookEventId"), str):
            raise WebhookError(400, "every event needs a webhookEventId")
        if not isinstance(event.get("type"), str):
            raise WebhookError(400, "every event needs a type")
    return events
