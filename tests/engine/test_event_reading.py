"""engine.events reads what anpi needs of an event even when the SDK refuses a detail."""

from __future__ import annotations

import logging

from linebot.v3.webhooks import FollowEvent, MemberJoinedEvent, MessageEvent, PostbackEvent

from anpi.engine.events import parse_event, reduce_event

BASE = {
    "mode": "active",
    "timestamp": 1764547200000,
    "source": {"type": "user", "userId": "U" + "1" * 32},
    "webhookEventId": "01EVENTREADING000000000001",
    "deliveryContext": {"isRedelivery": False},
    "replyToken": "r" * 32,
}


def event(**fields):
    return {**BASE, **fields}


def test_an_ordinary_event_is_the_sdks_own_model():
    parsed = parse_event(event(type="postback", postback={"data": "anpi:ok:1"}))
    assert isinstance(parsed, PostbackEvent) and parsed.postback.data == "anpi:ok:1"


def test_a_text_with_an_unknown_mention_type_keeps_its_text_and_reply_token():
    raw = event(
        type="message",
        message={
            "type": "text",
            "id": "1",
            "quoteToken": "q",
            "text": "げんきです",
            "mention": {"mentionees": [{"index": 0, "length": 1, "type": "future"}]},
        },
    )
    parsed = parse_event(raw)
    assert isinstance(parsed, MessageEvent)
    assert parsed.message.text == "げんきです"
    assert parsed.reply_token == "r" * 32
    assert parsed.timestamp == BASE["timestamp"]


def test_a_follow_with_a_strange_detail_is_still_a_follow():
    parsed = parse_event(event(type="follow", follow={"isUnblocked": "maybe"}))
    assert isinstance(parsed, FollowEvent)
    assert parsed.follow.is_unblocked is False  # only a real true counts


def test_member_lists_keep_only_readable_members():
    raw = event(
        type="memberJoined",
        source={"type": "group", "groupId": "C" + "1" * 32},
        joined={"members": [{"type": "user", "userId": "U2"}, {"type": "bot"}, "junk"]},
    )
    raw["joined"]["members"][0]["extra"] = {"new": True}
    raw["source"]["newField"] = 1
    parsed = parse_event(raw)
    assert isinstance(parsed, MemberJoinedEvent)
    assert [m.user_id for m in parsed.joined.members] == ["U2"]


def test_an_unknown_event_type_is_ignored_and_logged_with_its_id(caplog):
    with caplog.at_level(logging.INFO, logger="anpi"):
        assert parse_event(event(type="hologram")) is None
    assert BASE["webhookEventId"] in caplog.text


def test_a_source_anpi_cannot_address_is_ignored():
    assert parse_event(event(type="unfollow", source={"type": "space", "id": "S"})) is None


def test_a_message_kind_anpi_does_not_read_is_not_guessed_into_text():
    raw = event(type="message", message={"type": "hologram", "id": "1"})
    assert reduce_event(raw) is None
    assert parse_event(raw) is None


def test_a_postback_without_data_is_ignored():
    assert parse_event(event(type="postback", postback={"params": {}})) is None
