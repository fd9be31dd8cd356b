"""Group life: the bot joins and leaves, members come and go, members tap."""

from __future__ import annotations

import time

import pytest
from linebot.v3 import WebhookParser
from linebot.v3.messaging import ApiException
from linebot.v3.webhooks import (
    GroupSource,
    JoinEvent,
    LeaveEvent,
    MemberJoinedEvent,
    MemberLeftEvent,
    PostbackEvent,
)

from .conftest import SECRET
from .test_webhooks import validate_against_spec

CLAIM = {
    "type": "flex",
    "altText": "安否確認が届いていません",
    "contents": {
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {"type": "text", "text": "山田さんから返事がありません", "wrap": True},
                {
                    "type": "button",
                    "style": "primary",
                    "action": {"type": "postback", "label": "対応します", "data": "claim=1"},
                },
            ],
        },
    },
}


def parse(hook):
    [event] = WebhookParser(SECRET).parse(hook.body.decode("utf-8"), hook.signature)
    validate_against_spec(hook.json)
    return event


@pytest.fixture
def members(control, channel):
    return [control.add_user(name) for name in ("山田", "佐藤", "鈴木")]


@pytest.fixture
def group(control, members):
    group_id = control.create_group("つながりの会", members[:2])
    control.invite_bot(group_id)
    return group_id


def test_a_new_group_has_a_group_id_and_no_bot(control, members):
    group_id = control.create_group("つながりの会", members)
    assert group_id.startswith("C") and len(group_id) == 33
    [info] = control.groups()
    assert info["botInGroup"] is False


def test_inviting_the_bot_sends_a_join_event_with_a_reply_token(control, members, receiver):
    group_id = control.create_group("つながりの会", members)
    result = control.invite_bot(group_id)
    assert result["webhook"]["status"] == 200
    event = parse(receiver.last)
    assert isinstance(event, JoinEvent)
    assert isinstance(event.source, GroupSource)
    assert event.source.group_id == group_id
    assert event.reply_token


def test_a_member_joining_sends_member_joined(control, group, members, receiver):
    control.add_members(group, [members[2]])
    event = parse(receiver.last)
    assert isinstance(event, MemberJoinedEvent)
    assert [m.user_id for m in event.joined.members] == [members[2]]


def test_a_member_leaving_sends_member_left(control, group, members, receiver):
    control.remove_member(group, members[0])
    event = parse(receiver.last)
    assert isinstance(event, MemberLeftEvent)
    assert [m.user_id for m in event.left.members] == [members[0]]


def test_no_member_events_reach_a_bot_outside_the_group(control, members, receiver):
    group_id = control.create_group("つながりの会", members[:1])
    assert control.add_members(group_id, [members[1]])["webhook"] is None
    assert receiver.received == []


def test_removing_the_bot_sends_leave_and_pushes_then_fail(api, raw, control, group, receiver):
    control.remove_bot(group)
    assert isinstance(parse(receiver.last), LeaveEvent)
    response = raw(
        "POST", "/v2/bot/message/push", {"to": group, "messages": [{"type": "text", "text": "x"}]}
    )
    assert response.status == 400


def test_the_bot_leaving_by_api_sends_leave(api, control, group, receiver):
    api.leave_group(group)
    deadline = time.monotonic() + 5
    while not receiver.events("leave") and time.monotonic() < deadline:
        time.sleep(0.02)
    assert receiver.events("leave")
    assert control.groups()[0]["botInGroup"] is False


def test_a_group_member_tap_carries_the_user_id(raw, control, group, members, receiver):
    raw("POST", "/v2/bot/message/push", {"to": group, "messages": [CLAIM]})
    control.tap(members[1], "対応します", group_id=group)
    event = parse(receiver.last)
    assert isinstance(event, PostbackEvent)
    assert event.source.group_id == group
    assert event.source.user_id == members[1]


def test_group_postbacks_can_omit_the_user_id(raw, control, group, members, receiver):
    control.configure(group_postback_user_id=False)
    raw("POST", "/v2/bot/message/push", {"to": group, "messages": [CLAIM]})
    control.tap(members[1], "対応します", group_id=group)
    assert "userId" not in receiver.last.event["source"]
    control.text(members[1], "行きます", group_id=group)
    assert receiver.last.event["source"]["userId"] == members[1]


def test_only_members_can_tap_in_a_group(raw, control, group, members):
    raw("POST", "/v2/bot/message/push", {"to": group, "messages": [CLAIM]})
    with pytest.raises(Exception) as caught:
        control.tap(members[2], "対応します", group_id=group)
    assert caught.value.status == 409


def test_a_reply_to_a_group_event_lands_in_the_group(raw, control, group, members, receiver):
    control.text(members[0], "おはよう", group_id=group)
    raw(
        "POST",
        "/v2/bot/message/reply",
        {
            "replyToken": receiver.last.event["replyToken"],
            "messages": [{"type": "text", "text": "おはようございます"}],
        },
    )
    shown = control.group_messages(group, include_user=True)
    assert [(m["from"], m["text"]) for m in shown] == [
        ("user", "おはよう"),
        ("bot", "おはようございます"),
    ]
    assert shown[0]["displayName"] == "山田"


def test_group_summary_count_and_member_profile(api, control, group, members):
    assert api.get_group_summary(group).group_name == "つながりの会"
    assert api.get_group_member_count(group).count == 2
    assert api.get_group_member_profile(group, members[0]).display_name == "山田"
    with pytest.raises(ApiException) as caught:
        api.get_group_member_profile(group, members[2])
    assert caught.value.status == 404


def test_a_group_text_carries_the_user_id_and_a_reply_token(control, group, members, receiver):
    control.text(members[0], "おはよう", group_id=group)
    event = receiver.last.event
    assert event["source"] == {"type": "group", "groupId": group, "userId": members[0]}
    assert event["replyToken"]


def test_the_config_can_omit_the_user_id_from_the_start(receiver):
    from anpi.linesim.config import SimConfig
    from anpi.linesim.testing import SimulatorThread

    with SimulatorThread(SimConfig(group_postback_user_id=False)) as sim:
        control = sim.control
        control.add_channel("s", "t", webhook_url=receiver.url)
        user = control.add_user("山田")
        group = control.create_group("会", [user])
        control.invite_bot(group)
        from .conftest import call_api

        call_api(sim, "POST", "/v2/bot/message/push", {"to": group, "messages": [CLAIM]}, token="t")
        control.tap(user, "対応します", group_id=group)
    assert receiver.last.event["source"] == {"type": "group", "groupId": group}
