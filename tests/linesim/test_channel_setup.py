"""Bot info and the webhook URL through the official SDK, as a set-up page calls them.

Each answer is checked against LINE's OpenAPI spec (the response schemas of
shared/line-openapi/messaging-api.yml), and the webhook test really reaches the
receiver with LINE's signed verification body.
"""

from __future__ import annotations

import pytest
from linebot.v3 import SignatureValidator
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    SetWebhookEndpointRequest,
)
from linebot.v3.messaging import TestWebhookEndpointRequest as WebhookTestRequest

from spec_validation import SPEC_DIR, SpecValidator

from .conftest import SECRET, TOKEN, WebhookReceiver

pytestmark = pytest.mark.skipif(
    not (SPEC_DIR / "messaging-api.yml").exists(), reason="LINE's OpenAPI spec is missing"
)


def conforms(body: dict, schema: str) -> None:
    SpecValidator("messaging-api.yml").validate(body, schema)


def test_bot_info_names_the_bot_its_basic_id_and_display_name(api, channel, raw):
    info = api.get_bot_info()
    assert info.user_id == channel["botUserId"]
    assert info.basic_id == channel["basicId"]
    assert info.basic_id.startswith("@")
    assert info.display_name == "anpi"
    answer = raw("GET", "/v2/bot/info")
    assert answer.status == 200
    assert answer.headers["X-Line-Request-Id"]
    conforms(answer.json, "BotInfoResponse")
    assert answer.json["chatMode"] == "bot" and answer.json["markAsReadMode"] == "auto"


def test_a_wrong_access_token_gets_401_from_bot_info(sim, channel):
    with ApiClient(Configuration(host=sim.url, access_token="not-the-token")) as client:
        with pytest.raises(ApiException) as caught:
            MessagingApi(client).get_bot_info()
    assert caught.value.status == 401
    assert "Authentication failed" in caught.value.body


def test_setting_the_webhook_url_keeps_it_for_later_events(api, control, channel, receiver, raw):
    other = WebhookReceiver()
    other.start()
    try:
        api.set_webhook_endpoint(SetWebhookEndpointRequest(endpoint=other.url))
        endpoint = raw("GET", "/v2/bot/channel/webhook/endpoint")
        conforms(endpoint.json, "GetWebhookEndpointResponse")
        assert endpoint.json == {"endpoint": other.url, "active": True}
        user = control.add_user("山田花子")
        control.follow(user)
        assert other.events("follow") and not receiver.events("follow")
    finally:
        other.stop()


def test_a_webhook_url_that_is_not_https_is_refused_with_400(api, raw):
    answer = raw("PUT", "/v2/bot/channel/webhook/endpoint", {"endpoint": "http://example.jp/hook"})
    assert answer.status == 400
    assert answer.json["details"] == [{"message": "must be an https URL", "property": "endpoint"}]
    too_long = "https://example.jp/" + "a" * 500
    assert raw("PUT", "/v2/bot/channel/webhook/endpoint", {"endpoint": too_long}).status == 400
    assert raw("PUT", "/v2/bot/channel/webhook/endpoint", {}).status == 400


def test_the_webhook_test_posts_a_verification_signed_with_the_channel_secret(
    api, channel, receiver, raw
):
    result = api.test_webhook_endpoint(WebhookTestRequest())
    assert result.success is True
    assert (result.status_code, result.reason, result.detail) == (200, "OK", "200")
    hook = receiver.last
    assert hook.json == {"destination": channel["botUserId"], "events": []}
    assert SignatureValidator(SECRET).validate(hook.body.decode(), hook.signature)
    answer = raw("POST", "/v2/bot/channel/webhook/test", {"endpoint": receiver.url})
    conforms(answer.json, "TestWebhookEndpointResponse")


def test_a_receiver_refusing_the_signature_shows_as_a_failed_test(api, receiver):
    receiver.status = 401
    result = api.test_webhook_endpoint(WebhookTestRequest(endpoint=receiver.url))
    assert result.success is False
    assert result.status_code == 401
    assert result.reason == "ERROR_STATUS_CODE"
    assert result.detail.startswith("401")


def test_an_unreachable_webhook_url_fails_the_test_with_status_zero(api, control, channel):
    control.update_channel(channel["botUserId"], webhook_url="http://127.0.0.1:9/line/webhook")
    result = api.test_webhook_endpoint()
    assert (result.success, result.status_code, result.reason) == (False, 0, "COULD_NOT_CONNECT")


def test_the_use_webhook_switch_off_stops_events_and_shows_inactive(
    api, control, channel, receiver, raw
):
    control.update_channel(channel["botUserId"], webhook_active=False)
    assert raw("GET", "/v2/bot/channel/webhook/endpoint").json["active"] is False
    user = control.add_user("山田花子")
    answer = control.follow(user)
    assert answer["webhook"]["status"] is None
    assert receiver.events() == []
    # The verification still reaches the URL (LINE's console "Verify" works while off).
    assert api.test_webhook_endpoint().success is True


def test_the_channel_endpoints_refuse_a_wrong_token(sim, channel):
    from .conftest import call_api

    for method, path in [
        ("GET", "/v2/bot/info"),
        ("GET", "/v2/bot/channel/webhook/endpoint"),
        ("POST", "/v2/bot/channel/webhook/test"),
    ]:
        assert call_api(sim, method, path, token="wrong").status == 401
    assert TOKEN != "wrong"
