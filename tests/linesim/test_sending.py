"""Push, multicast and reply through the official SDK, with LINE's rules."""

from __future__ import annotations

from uuid import uuid4

import pytest
from linebot.v3.messaging import (
    ApiException,
    MessagingApi,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    TextMessage,
)

from anpi.linesim.testing import SimControl

from .conftest import FakeClock, WebhookReceiver


def push(api: MessagingApi, to: str, text: str = "お元気ですか", key: str | None = None):
    return api.push_message_with_http_info(
        PushMessageRequest(to=to, messages=[TextMessage(text=text)]),
        x_line_retry_key=key or str(uuid4()),
    )


def test_a_push_is_delivered_and_answers_sent_messages(api, control, friend):
    response = push(api, friend, "おはようございます")
    assert response.status_code == 200
    assert response.headers["X-Line-Request-Id"]
    assert "x-line-accepted-request-id" not in {k.lower() for k in response.headers}
    [sent] = response.data.sent_messages
    [shown] = control.messages(friend)
    assert shown["id"] == sent.id
    assert shown["text"] == "おはようございます"
    assert shown["via"] == "push"
    [delivery] = control.deliveries()
    assert delivery["recipient"] == friend
    assert delivery["requestId"] == response.headers["X-Line-Request-Id"]


def test_a_repeated_retry_key_gets_409_with_the_original_request_id(api, control, friend):
    key = str(uuid4())
    first = push(api, friend, key=key)
    with pytest.raises(ApiException) as caught:
        push(api, friend, key=key)
    error = caught.value
    assert error.status == 409
    assert error.headers["x-line-accepted-request-id"] == first.headers["X-Line-Request-Id"]
    assert '"The retry key is already accepted"' in error.body
    assert first.data.sent_messages[0].id in error.body
    assert len(control.deliveries()) == 1


def test_a_retry_key_is_forgotten_after_24_hours(api, control, friend, clock: FakeClock):
    key = str(uuid4())
    push(api, friend, key=key)
    clock.advance(24 * 3600 + 1)
    assert push(api, friend, key=key).status_code == 200
    assert len(control.deliveries()) == 2


def test_a_malformed_retry_key_is_refused_with_400(raw, friend):
    response = raw(
        "POST",
        "/v2/bot/message/push",
        {"to": friend, "messages": [{"type": "text", "text": "x"}]},
        headers={"X-Line-Retry-Key": "not-a-uuid"},
    )
    assert response.status == 400
    assert "X-Line-Retry-Key" in response.json["message"]


def test_multicast_reaches_every_friend_and_answers_an_empty_object(api, control, friend):
    other = control.add_user("佐藤一郎")
    control.follow(other)
    response = api.multicast_with_http_info(
        MulticastRequest(to=[friend, other], messages=[TextMessage(text="点検です")]),
        x_line_retry_key=str(uuid4()),
    )
    assert response.status_code == 200
    assert {d["recipient"] for d in control.deliveries()} == {friend, other}
    assert control.messages(other)[0]["via"] == "multicast"


def test_multicast_refuses_a_group_id(raw, control, friend):
    group = control.create_group("見守り", [friend])
    response = raw(
        "POST",
        "/v2/bot/message/multicast",
        {"to": [group], "messages": [{"type": "text", "text": "x"}]},
    )
    assert response.status == 400
    assert response.json["details"][0]["property"] == "to[0]"


def test_a_reply_token_from_a_webhook_works_once(api, control, friend, receiver):
    control.text(friend, "元気です")
    token = receiver.last.event["replyToken"]
    api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="ok")]))
    assert control.messages(friend)[-1]["via"] == "reply"
    with pytest.raises(ApiException) as caught:
        api.reply_message(
            ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="again")])
        )
    assert caught.value.status == 400
    assert '"Invalid reply token"' in caught.value.body


def test_a_reply_token_expires_after_the_configured_ttl(
    api, control, friend, receiver, clock: FakeClock
):
    control.text(friend, "元気です")
    token = receiver.last.event["replyToken"]
    clock.advance(61)
    with pytest.raises(ApiException) as caught:
        api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="x")]))
    assert caught.value.status == 400
    assert control.messages(friend) == []


def test_replies_are_free_and_pushes_count_against_the_quota(api, control, friend, receiver):
    control.text(friend, "元気です")
    api.reply_message(
        ReplyMessageRequest(
            reply_token=receiver.last.event["replyToken"], messages=[TextMessage(text="ありがとう")]
        )
    )
    push(api, friend)
    assert api.get_message_quota_consumption().total_usage == 1


def test_a_retry_key_on_a_reply_is_refused_with_400(raw, control, friend, receiver):
    control.text(friend, "元気です")
    response = raw(
        "POST",
        "/v2/bot/message/reply",
        {
            "replyToken": receiver.last.event["replyToken"],
            "messages": [{"type": "text", "text": "x"}],
        },
        headers={"X-Line-Retry-Key": str(uuid4())},
    )
    assert response.status == 400


def test_a_bad_access_token_gets_401(raw, friend):
    response = raw(
        "POST",
        "/v2/bot/message/push",
        {"to": friend, "messages": [{"type": "text", "text": "x"}]},
        token="wrong",
    )
    assert response.status == 401
    assert response.json == {
        "message": "Authentication failed. Confirm that the access token "
        "in the authorization header is valid."
    }
    assert response.headers["X-Line-Request-Id"]


def test_the_sdk_sees_401_as_an_api_exception(sim, channel, friend):
    from linebot.v3.messaging import ApiClient, Configuration

    bad = MessagingApi(ApiClient(Configuration(host=sim.url, access_token="nope")))
    with pytest.raises(ApiException) as caught:
        push(bad, friend)
    assert caught.value.status == 401


@pytest.mark.parametrize(
    ("message", "prop"),
    [
        ({"type": "text", "text": "あ" * 5001}, "messages[0].text"),
        ({"type": "text"}, "messages[0].text"),
        ({"type": "carrier-pigeon"}, "messages[0].type"),
        (
            {
                "type": "template",
                "altText": "a" * 401,
                "template": {
                    "type": "confirm",
                    "text": "?",
                    "actions": [
                        {"type": "message", "label": "はい", "text": "はい"},
                        {"type": "message", "label": "いいえ", "text": "いいえ"},
                    ],
                },
            },
            "messages[0].altText",
        ),
        (
            {
                "type": "template",
                "altText": "x",
                "template": {
                    "type": "confirm",
                    "text": "?",
                    "actions": [{"type": "message", "label": "はい", "text": "はい"}],
                },
            },
            "messages[0].template.actions",
        ),
        (
            {
                "type": "template",
                "altText": "x",
                "template": {
                    "type": "buttons",
                    "text": "x",
                    "actions": [
                        {"type": "postback", "label": f"b{i}", "data": "d"} for i in range(5)
                    ],
                },
            },
            "messages[0].template.actions",
        ),
        (
            {
                "type": "template",
                "altText": "x",
                "template": {
                    "type": "buttons",
                    "title": "t",
                    "text": "x" * 61,
                    "actions": [{"type": "postback", "label": "ok", "data": "d"}],
                },
            },
            "messages[0].template.text",
        ),
        (
            {
                "type": "template",
                "altText": "x",
                "template": {
                    "type": "buttons",
                    "text": "x",
                    "actions": [{"type": "postback", "label": "ok", "data": "d" * 301}],
                },
            },
            "messages[0].template.actions[0].data",
        ),
        (
            {
                "type": "template",
                "altText": "x",
                "template": {
                    "type": "buttons",
                    "text": "x",
                    "actions": [{"type": "postback", "label": "l" * 21, "data": "d"}],
                },
            },
            "messages[0].template.actions[0].label",
        ),
        (
            {
                "type": "text",
                "text": "x",
                "quickReply": {
                    "items": [
                        {
                            "type": "action",
                            "action": {"type": "message", "label": str(i), "text": "x"},
                        }
                        for i in range(14)
                    ]
                },
            },
            "messages[0].quickReply.items",
        ),
        (
            {
                "type": "flex",
                "altText": "x",
                "contents": {
                    "type": "bubble",
                    "body": {
                        "type": "box",
                        "layout": "vertical",
                        "contents": [
                            {
                                "type": "button",
                                "action": {"type": "postback", "label": "l" * 41, "data": "d"},
                            }
                        ],
                    },
                },
            },
            "messages[0].contents.body.contents[0].action.label",
        ),
    ],
)
def test_an_invalid_message_gets_400_in_lines_shape(raw, friend, message, prop):
    response = raw("POST", "/v2/bot/message/push", {"to": friend, "messages": [message]})
    assert response.status == 400
    assert response.json["message"].startswith("The request body has ")
    assert prop in [d["property"] for d in response.json["details"]]


def test_a_flex_button_label_of_40_characters_is_accepted(raw, friend):
    message = {
        "type": "flex",
        "altText": "x",
        "contents": {
            "type": "bubble",
            "body": {
                "type": "box",
                "layout": "vertical",
                "contents": [
                    {
                        "type": "button",
                        "action": {"type": "postback", "label": "l" * 40, "data": "d"},
                    }
                ],
            },
        },
    }
    assert raw("POST", "/v2/bot/message/push", {"to": friend, "messages": [message]}).status == 200


def test_six_messages_are_too_many(raw, friend):
    response = raw(
        "POST",
        "/v2/bot/message/push",
        {"to": friend, "messages": [{"type": "text", "text": "x"}] * 6},
    )
    assert response.status == 400
    assert response.json["details"][0]["property"] == "messages"


def test_an_unknown_recipient_gets_lines_invalid_to_message(raw, control):
    response = raw(
        "POST",
        "/v2/bot/message/push",
        {"to": "U" + "0" * 32, "messages": [{"type": "text", "text": "x"}]},
    )
    assert response.status == 400
    assert response.json == {
        "message": "The property, 'to', in the request body is invalid (line: -, column: -)"
    }


def test_exceeding_the_rate_limit_gets_429_and_sends_nothing(sim_config, api, control, friend):
    control.configure(rate_limits={"push": 2})
    push(api, friend)
    push(api, friend)
    with pytest.raises(ApiException) as caught:
        push(api, friend)
    assert caught.value.status == 429
    assert "rate limit" in caught.value.body
    assert len(control.deliveries()) == 2


def test_the_rate_limit_window_moves_on_with_the_clock(api, control, friend, clock):
    control.configure(rate_limits={"push": 1})
    push(api, friend)
    clock.advance(1)
    assert push(api, friend).status_code == 200


def test_a_free_plan_runs_out_after_200_messages(api, control, channel, friend):
    control.update_channel(channel["botUserId"], plan="free", usage=199)
    push(api, friend)
    with pytest.raises(ApiException) as caught:
        push(api, friend)
    assert caught.value.status == 429
    assert '"You have reached your monthly limit."' in caught.value.body
    quota = api.get_message_quota()
    assert (quota.type.value, quota.value) == ("limited", 200)
    assert api.get_message_quota_consumption().total_usage == 200


def test_the_standard_plan_goes_beyond_its_included_messages(api, control, channel, friend):
    control.update_channel(channel["botUserId"], plan="standard", usage=30000)
    assert push(api, friend).status_code == 200


def test_a_group_push_counts_once_per_member(api, control, friend):
    other = control.add_user("佐藤一郎")
    group = control.create_group("見守り", [friend, other])
    control.invite_bot(group)
    push(api, group)
    assert api.get_message_quota_consumption().total_usage == 2
    assert control.group_messages(group)[0]["text"] == "お元気ですか"


def test_a_push_to_a_user_who_blocked_answers_200_but_delivers_nothing(api, control, friend):
    control.block(friend)
    response = push(api, friend)
    assert response.status_code == 200
    assert response.data.sent_messages
    assert control.messages(friend) == []
    assert control.deliveries() == []
    [dropped] = control.dropped()
    assert dropped["recipient"] == friend


def test_the_profile_of_a_friend_is_readable_and_of_a_stranger_is_404(api, control, friend):
    assert api.get_profile(friend).display_name == "山田花子"
    stranger = control.add_user("知らない人")
    with pytest.raises(ApiException) as caught:
        api.get_profile(stranger)
    assert caught.value.status == 404


def test_the_profile_has_the_users_language_only_when_they_share_one(api, raw, control, friend):
    """LINE's UserProfileResponse: ``language`` (BCP 47) is left out for a user who
    has not agreed to share it; the user may change it in the LINE app."""
    assert "language" not in raw("GET", f"/v2/bot/profile/{friend}").json
    assert api.get_profile(friend).language is None
    english = control.add_user("Anna Smith", language="en")
    control.follow(english)
    assert api.get_profile(english).language == "en"
    assert control.update_user(english, language="zh-Hant")["language"] == "zh-Hant"
    assert raw("GET", f"/v2/bot/profile/{english}").json == {
        "displayName": "Anna Smith",
        "userId": english,
        "language": "zh-Hant",
    }
    control.update_user(english, language=None)
    assert "language" not in raw("GET", f"/v2/bot/profile/{english}").json


def test_the_loading_animation_is_accepted_for_a_friend(raw, friend):
    response = raw("POST", "/v2/bot/chat/loading/start", {"chatId": friend, "loadingSeconds": 5})
    assert response.status == 202


def test_every_request_is_logged_with_its_retry_key_and_status(api, control, friend):
    key = str(uuid4())
    push(api, friend, key=key)
    [logged] = [r for r in control.requests() if r["endpoint"] == "push"]
    assert logged["retryKey"] == key
    assert logged["status"] == 200
    assert logged["body"]["to"] == friend
    control.clear_requests()
    assert control.requests() == []


def test_reset_clears_everything(control: SimControl, friend, receiver: WebhookReceiver):
    control.reset()
    assert control.channels() == []
    assert control.users() == []


def test_a_repeated_multicast_retry_key_gets_409_without_sent_messages(api, control, friend):
    key = str(uuid4())
    request = MulticastRequest(to=[friend], messages=[TextMessage(text="点検です")])
    first = api.multicast_with_http_info(request, x_line_retry_key=key)
    with pytest.raises(ApiException) as caught:
        api.multicast_with_http_info(request, x_line_retry_key=key)
    assert caught.value.status == 409
    assert caught.value.headers["x-line-accepted-request-id"] == first.headers["X-Line-Request-Id"]
    assert "sentMessages" not in caught.value.body
    assert len(control.deliveries()) == 1


def test_a_failed_request_does_not_use_up_its_retry_key(raw, friend):
    key = str(uuid4())
    bad = raw(
        "POST",
        "/v2/bot/message/push",
        {"to": friend, "messages": [{"type": "text"}]},
        headers={"X-Line-Retry-Key": key},
    )
    assert bad.status == 400
    good = raw(
        "POST",
        "/v2/bot/message/push",
        {"to": friend, "messages": [{"type": "text", "text": "x"}]},
        headers={"X-Line-Retry-Key": key},
    )
    assert good.status == 200


def test_a_reply_to_a_user_who_blocked_meanwhile_is_dropped(api, control, friend, receiver):
    control.text(friend, "元気です")
    token = receiver.last.event["replyToken"]
    control.block(friend)
    api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="x")]))
    assert control.messages(friend) == []
    assert control.dropped()[0]["via"] == "reply"


def test_an_unlimited_plan_reports_no_quota(api):
    assert api.get_message_quota().type.value == "none"
