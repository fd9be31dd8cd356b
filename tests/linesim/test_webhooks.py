"""Webhooks: signed, complete enough for the official SDK, valid per webhook.yml."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from linebot.v3 import WebhookParser
from linebot.v3.webhooks import (
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)

from anpi.linesim.webhooks import sign

from .conftest import SECRET, WebhookReceiver

SPEC = Path(__file__).resolve().parents[2].parent / "shared" / "line-openapi" / "webhook.yml"

CHECK = {
    "type": "template",
    "altText": "安否確認",
    "template": {
        "type": "buttons",
        "text": "お元気ですか？",
        "defaultAction": {"type": "uri", "label": "開く", "uri": "https://example.org/x"},
        "actions": [
            {"type": "postback", "label": "元気です", "data": "ok=1", "displayText": "元気です"},
            {"type": "message", "label": "話したい", "text": "話したいです"},
            {"type": "uri", "label": "設定", "uri": "https://example.org/settings"},
            {"type": "datetimepicker", "label": "留守にします", "data": "away=1", "mode": "date"},
        ],
    },
    "quickReply": {
        "items": [
            {"type": "action", "action": {"type": "postback", "label": "少し不調", "data": "g=2"}},
        ]
    },
}


def parse(hook) -> list[Any]:
    return WebhookParser(SECRET).parse(hook.body.decode("utf-8"), hook.signature)


def validate_against_spec(body: dict[str, Any]) -> None:
    """Validate against webhook.yml, following every discriminator (event
    types, sources, message contents) down to the leaves."""
    if not SPEC.exists():
        pytest.skip(f"LINE's webhook spec is not at {SPEC}")
    from spec_validation import SpecValidator

    SpecValidator("webhook.yml").validate(body, "CallbackRequest")


def test_the_signature_matches_lines_test_vector():
    assert (
        sign("channel_secret", b"bodybodybodybody")
        == "/gg9a+LvFevTH1sd7XCQycD7tsWclCsInj7MhBHxN7k="
    )


def test_follow_sends_a_signed_follow_event_the_sdk_parses(control, channel, receiver):
    user = control.add_user("山田花子")
    result = control.follow(user)
    assert result["webhook"]["status"] == 200
    hook = receiver.last
    assert hook.headers["Content-Type"] == "application/json"
    assert hook.json["destination"] == channel["botUserId"]
    [event] = parse(hook)
    assert isinstance(event, FollowEvent)
    assert event.follow.is_unblocked is False
    assert event.source.user_id == user
    assert event.webhook_event_id == result["webhook"]["webhookEventId"]
    assert event.reply_token
    validate_against_spec(hook.json)


def test_block_sends_unfollow_and_unblock_sends_follow_marked_unblocked(control, friend, receiver):
    control.block(friend)
    [event] = parse(receiver.last)
    assert isinstance(event, UnfollowEvent)
    assert "replyToken" not in receiver.last.event
    validate_against_spec(receiver.last.json)
    control.unblock(friend)
    [event] = parse(receiver.last)
    assert isinstance(event, FollowEvent)
    assert event.follow.is_unblocked is True


def test_following_again_after_a_block_counts_as_unblocking(control, friend, receiver):
    control.block(friend)
    control.follow(friend)
    assert receiver.last.event["follow"] == {"isUnblocked": True}


def test_text_sends_a_message_event_with_quote_token(control, friend, receiver):
    control.text(friend, "こんにちは")
    [event] = parse(receiver.last)
    assert isinstance(event, MessageEvent)
    assert isinstance(event.message, TextMessageContent)
    assert event.message.text == "こんにちは"
    assert event.message.quote_token
    validate_against_spec(receiver.last.json)


def push_check(raw, to: str, message: dict[str, Any] | None = None) -> None:
    response = raw("POST", "/v2/bot/message/push", {"to": to, "messages": [message or CHECK]})
    assert response.status == 200, response.json


def test_tapping_a_postback_button_sends_a_postback_and_shows_the_display_text(
    raw, control, friend, receiver
):
    push_check(raw, friend)
    control.tap(friend, "元気です")
    [event] = parse(receiver.last)
    assert isinstance(event, PostbackEvent)
    assert event.postback.data == "ok=1"
    validate_against_spec(receiver.last.json)
    bubbles = control.messages(friend, include_user=True)
    assert bubbles[-1]["from"] == "user"
    assert bubbles[-1]["text"] == "元気です"
    assert receiver.events("message") == []


def test_tapping_a_message_action_sends_the_text_as_a_message_event(raw, control, friend, receiver):
    push_check(raw, friend)
    control.tap(friend, "話したい")
    assert receiver.last.event["message"]["text"] == "話したいです"
    assert control.messages(friend, include_user=True)[-1]["text"] == "話したいです"


def test_tapping_a_uri_button_sends_no_webhook_and_returns_the_link(raw, control, friend, receiver):
    push_check(raw, friend)
    before = len(receiver.received)
    result = control.tap(friend, "設定")
    assert result["uri"] == "https://example.org/settings"
    assert result["webhook"] is None
    assert len(receiver.received) == before


def test_a_datetime_picker_sends_a_postback_with_params(raw, control, friend, receiver):
    push_check(raw, friend)
    control.tap(friend, "留守にします", value="2026-08-01")
    [event] = parse(receiver.last)
    assert event.postback.params == {"date": "2026-08-01"}
    validate_against_spec(receiver.last.json)


def test_a_date_picker_offers_only_its_min_to_max_and_opens_at_initial(
    raw, control, friend, receiver
):
    picker = {
        "type": "datetimepicker", "label": "ひを えらぶ", "data": "d=1", "mode": "date",
        "initial": "2026-12-03", "min": "2026-12-01", "max": "2026-12-31",
    }
    push_check(raw, friend, {
        "type": "text", "text": "いつ？", "quickReply": {"items": [{"type": "action", "action": picker}]},
    })
    for outside in ("2026-11-30", "2027-01-01"):
        with pytest.raises(Exception) as caught:
            control.tap(friend, "ひを えらぶ", value=outside)
        assert caught.value.status == 400
    control.tap(friend, "ひを えらぶ")
    assert parse(receiver.last)[0].postback.params == {"date": "2026-12-03"}
    validate_against_spec(receiver.last.json)


def test_a_quick_reply_is_tappable_only_on_the_last_message(raw, control, friend, receiver):
    push_check(raw, friend)
    control.tap(friend, "少し不調")
    assert receiver.last.event["postback"]["data"] == "g=2"
    push_check(raw, friend, {"type": "text", "text": "ほかのお知らせ"})
    with pytest.raises(Exception) as caught:
        control.tap(friend, "少し不調")
    assert caught.value.status == 404


def test_the_messages_view_lists_buttons_but_not_the_default_action(raw, control, friend):
    push_check(raw, friend)
    [shown] = control.messages(friend)
    assert shown["altText"] == "安否確認"
    assert shown["buttons"] == ["元気です", "話したい", "設定", "留守にします"]
    assert shown["quickReplies"] == ["少し不調"]
    assert shown["raw"] == CHECK


def test_flex_buttons_are_collected_from_every_bubble(raw, control, friend, receiver):
    def bubble(label: str) -> dict[str, Any]:
        return {
            "type": "bubble",
            "body": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    {"type": "text", "text": "確認", "size": "xl", "weight": "bold", "wrap": True},
                    {"type": "separator"},
                    {
                        "type": "button",
                        "style": "primary",
                        "height": "md",
                        "action": {"type": "postback", "label": label, "data": f"l={label}"},
                    },
                ],
            },
        }

    push_check(
        raw,
        friend,
        {
            "type": "flex",
            "altText": "確認",
            "contents": {
                "type": "carousel",
                "contents": [bubble("元気です"), bubble("対応します")],
            },
        },
    )
    assert control.messages(friend)[0]["buttons"] == ["元気です", "対応します"]
    control.tap(friend, "対応します")
    assert receiver.last.event["postback"]["data"] == "l=対応します"


def test_tapping_a_label_no_message_has_gets_404(control, friend):
    with pytest.raises(Exception) as caught:
        control.tap(friend, "存在しない")
    assert caught.value.status == 404
    assert "no message with a button labelled" in caught.value.body["message"]


def test_a_redelivery_resends_the_identical_event_marked_redelivered(control, friend, receiver):
    result = control.text(friend, "元気")
    original = receiver.last.event
    control.redeliver(result["webhook"]["webhookEventId"])
    again = receiver.last.event
    assert again["deliveryContext"] == {"isRedelivery": True}
    assert {**again, "deliveryContext": original["deliveryContext"]} == original
    [event] = parse(receiver.last)
    assert event.delivery_context.is_redelivery is True


def test_a_duplicate_is_byte_for_byte_the_same_event(control, friend, receiver):
    result = control.text(friend, "元気")
    first = receiver.last.body
    control.duplicate(result["webhook"]["webhookEventId"])
    assert receiver.last.body == first


def test_the_webhook_log_records_what_anpi_answered(control, friend, receiver: WebhookReceiver):
    receiver.status = 500
    result = control.text(friend, "元気")
    assert result["webhook"]["status"] == 500
    log = control.webhooks()
    assert [w["status"] for w in log] == [200, 500]
    assert log[-1]["type"] == "message"


def test_an_unreachable_webhook_url_is_reported_not_raised(control, channel):
    control.update_channel(channel["botUserId"], webhook_url="http://127.0.0.1:9/nowhere")
    user = control.add_user("花子")
    result = control.follow(user)
    assert result["webhook"]["status"] is None
    assert result["webhook"]["error"]


def test_a_user_who_blocked_cannot_send_text(control, friend):
    control.block(friend)
    with pytest.raises(Exception) as caught:
        control.text(friend, "hello")
    assert caught.value.status == 409


def test_the_spec_check_catches_an_event_missing_a_field_its_type_requires():
    from jsonschema.exceptions import ValidationError

    body = {
        "destination": "U" + "0" * 32,
        "events": [
            {
                "type": "message",
                "mode": "active",
                "timestamp": 1,
                "webhookEventId": "01J",
                "deliveryContext": {"isRedelivery": False},
                "replyToken": "r",
                "source": {"type": "group", "groupId": "C1", "userId": "U1"},
            }
        ],
    }
    with pytest.raises(ValidationError):
        validate_against_spec(body)  # a message event needs its message
