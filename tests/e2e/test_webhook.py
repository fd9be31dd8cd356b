"""The webhook: signed bodies only, stored before 200, bad input rejected whole."""

import base64
import hashlib
import hmac
import json

import pytest

from anpi.channels.line.webhook import verify_signature
from anpi.engine.models import Inbox


def sign(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def event(event_id: str, kind: str = "follow", **extra):
    return {
        "type": kind,
        "mode": "active",
        "timestamp": 1764547200000,
        "source": {"type": "user", "userId": "U" + "1" * 32},
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
        "replyToken": "r" * 32,
        **extra,
    }


def post(client, channel, body: bytes, signature: str | None = None):
    headers = {
        "HTTP_X_LINE_SIGNATURE": signature
        if signature is not None
        else sign("test-channel-secret", body)
    }
    return client.post(channel.webhook_path(), body, content_type="application/json", **headers)


def test_lines_published_test_vector_verifies():
    assert verify_signature(
        "channel_secret", b"bodybodybodybody", "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k="
    )
    assert not verify_signature(
        "channel_secret", b"bodybodybodybodyX", "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k="
    )


def test_a_bad_signature_is_rejected_and_nothing_is_stored(client, channel):
    body = json.dumps(
        {"destination": channel.bot_user_id, "events": [event("01JA0000000000000000000001")]}
    ).encode()
    response = post(client, channel, body, signature=sign("wrong-secret", body))
    assert response.status_code == 401
    assert not Inbox.objects.exists()


def test_a_missing_signature_is_rejected(client, channel):
    body = b'{"destination": "x", "events": []}'
    assert post(client, channel, body, signature="").status_code == 401


def test_malformed_json_gets_400_and_nothing_is_stored(client, channel):
    response = post(client, channel, b'{"events": [')
    assert response.status_code == 400
    assert not Inbox.objects.exists()


def test_an_event_without_an_id_rejects_the_whole_body(client, channel):
    bad = event("x")
    del bad["webhookEventId"]
    body = json.dumps(
        {"destination": channel.bot_user_id, "events": [event("01JA0000000000000000000002"), bad]}
    ).encode()
    assert post(client, channel, body).status_code == 400
    assert not Inbox.objects.exists()


def test_the_verification_request_with_no_events_gets_200(client, channel):
    assert post(client, channel, b'{"destination": "x", "events": []}').status_code == 200


def test_an_unknown_channel_gets_404(client, db):
    assert (
        client.post("/line/webhook/nope/", b"{}", content_type="application/json").status_code
        == 404
    )


def test_unknown_event_types_are_stored_then_ignored(client, channel, clock):
    from anpi.engine.ingest import process_inbox_batch

    body = json.dumps(
        {"destination": channel.bot_user_id, "events": [event("01JA0000000000000000000003", "somethingNew")]}
    ).encode()
    assert post(client, channel, body).status_code == 200
    assert process_inbox_batch(clock) == 1
    row = Inbox.objects.get()
    assert row.processed_at is not None and row.last_error == ""


@pytest.mark.parametrize("method", ["get", "put"])
def test_other_methods_are_not_allowed(client, channel, method):
    assert getattr(client, method)(channel.webhook_path()).status_code == 405


def test_a_changed_channel_secret_takes_effect_at_once(client, channel):
    body = json.dumps(
        {"destination": channel.bot_user_id, "events": [event("01JA0000000000000000000009")]}
    ).encode()
    assert post(client, channel, body).status_code == 200  # the channel is now cached
    channel.channel_secret = "rotated-secret"
    channel.save()
    body2 = json.dumps(
        {"destination": channel.bot_user_id, "events": [event("01JA0000000000000000000010")]}
    ).encode()
    assert post(client, channel, body2, signature=sign("rotated-secret", body2)).status_code == 200
    assert (
        post(client, channel, body2, signature=sign("test-channel-secret", body2)).status_code
        == 401
    )
    assert Inbox.objects.count() == 2
