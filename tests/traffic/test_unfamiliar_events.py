"""Known events with unfamiliar details still count; malformed bodies are refused
whole. LINE adds fields and enum values without notice: these fixtures are events
as a future LINE might send them."""

from __future__ import annotations

import json
import logging

import pytest

from anpi.engine.models import Check, Inbox

from .conftest import line_event, text_event

USER = "U" + "3" * 32


def _future_mention(at):
    return text_event(
        USER,
        "げんきです",
        at,
        message={
            "mention": {"mentionees": [{"index": 0, "length": 2, "type": "hologram", "userId": "x"}]}
        },
    )


def _future_message_field(at):
    return text_event(USER, "げんきです", at, message={"sentiment": {"score": 0.9}})


def _future_top_level_field(at):
    return text_event(USER, "げんきです", at, aiSummary={"lang": "ja"})


def _future_delivery_context(at):
    return text_event(USER, "げんきです", at, deliveryContext={"isRedelivery": False, "via": "x"})


FUTURE_OKS = {
    "a new mention type": _future_mention,
    "a new message field": _future_message_field,
    "a new top-level field": _future_top_level_field,
    "a new delivery-context field": _future_delivery_context,
}


@pytest.mark.parametrize("fixture", FUTURE_OKS.values(), ids=FUTURE_OKS.keys())
def test_an_ok_with_unfamiliar_details_still_answers_the_check(
    fixture, post, work, clock, make_person, caplog
):
    person = make_person(line_user_id=USER)
    clock.advance(hours=1)
    work()
    event = fixture(clock.now())
    assert post(event).status_code == 200
    with caplog.at_level(logging.INFO, logger="anpi"):
        work()
    assert Check.objects.get(person=person).state == Check.State.ANSWERED
    assert "ignoring unknown event type" not in caplog.text


def test_a_parse_failure_is_logged_with_its_webhook_event_id(
    post, work, clock, make_person, caplog
):
    make_person(line_user_id=USER)
    event = _future_mention(clock.now())
    post(event)
    with caplog.at_level(logging.INFO, logger="anpi"):
        work()
    assert event["webhookEventId"] in caplog.text


def test_a_new_source_type_is_stored_and_ignored_without_stalling_others(
    post, work, clock, make_person
):
    person = make_person(line_user_id=USER)
    clock.advance(hours=1)
    work()
    strange = text_event(USER, "げんきです", clock.now())
    strange["source"] = {"type": "space", "spaceId": "S1"}
    ok = text_event(USER, "げんきです", clock.now())
    assert post(strange, ok).status_code == 200
    work()
    assert Inbox.objects.filter(processed_at__isnull=False).count() == 2
    assert Check.objects.get(person=person).state == Check.State.ANSWERED


def test_a_new_top_level_event_type_is_ignored_and_the_rest_is_handled(
    post, work, clock, make_person, caplog
):
    person = make_person(line_user_id=USER)
    clock.advance(hours=1)
    work()
    novel = line_event("reaction", USER, clock.now(), reaction={"emoji": "👍"})
    ok = text_event(USER, "ＯＫ", clock.now())
    post(novel, ok)
    with caplog.at_level(logging.INFO, logger="anpi"):
        work()
    assert "ignoring unknown event type 'reaction'" in caplog.text
    assert Check.objects.get(person=person).state == Check.State.ANSWERED


def _body(channel, *events):
    return json.dumps({"destination": channel.bot_user_id, "events": list(events)}).encode()


MALFORMED = {
    "a non-numeric timestamp": lambda e: e.update(timestamp="notanumber"),
    "a boolean timestamp": lambda e: e.update(timestamp=True),
    "a missing timestamp": lambda e: e.pop("timestamp"),
    "an event id over 64 characters": lambda e: e.update(webhookEventId="0" * 65),
    "an empty event id": lambda e: e.update(webhookEventId=""),
    "a numeric type": lambda e: e.update(type=7),
    "an event that is a list": None,
}


@pytest.mark.parametrize("spoil", MALFORMED.values(), ids=MALFORMED.keys())
def test_a_malformed_event_refuses_the_whole_body_and_stores_nothing(
    spoil, post, channel, clock
):
    good = text_event(USER, "げんきです", clock.now())
    bad = text_event(USER, "げんきです", clock.now())
    if spoil is None:
        bad = ["not", "an", "event"]
    else:
        spoil(bad)
    response = post(body=_body(channel, good, bad))
    assert response.status_code == 400
    assert not Inbox.objects.exists()


def test_another_bots_destination_is_refused(post, channel, clock):
    body = json.dumps(
        {"destination": "U" + "f" * 32, "events": [text_event(USER, "はい", clock.now())]}
    ).encode()
    assert post(body=body).status_code == 400
    assert not Inbox.objects.exists()


def test_an_oversized_body_is_refused(post, channel, clock):
    events = [text_event(USER, "あ" * 5000, clock.now()) for _ in range(80)]
    assert post(body=_body(channel, *events)).status_code == 413
    assert not Inbox.objects.exists()


def test_too_many_events_are_refused(post, channel, clock):
    events = [line_event("unfollow", USER, clock.now()) for _ in range(1001)]
    assert post(body=_body(channel, *events)).status_code == 400


def test_the_webhook_answers_without_its_trailing_slash(post, channel, clock):
    # LINE does not follow redirects, so the console's Verify must not get a 301.
    path = channel.webhook_path().rstrip("/")
    response = post(body=b'{"destination": "x", "events": []}', path=path)
    assert response.status_code == 200


def test_nul_and_lone_surrogates_are_stored_not_a_500(post, work, clock, make_person):
    # JSON allows \u0000 and \ud800; PostgreSQL cannot store them.
    person = make_person(line_user_id=USER)
    clock.advance(hours=1)
    work()
    raw = json.dumps(
        {"destination": "x", "events": [text_event(USER, "げんき\x00です\ud800", clock.now())]}
    )
    body = raw.replace('"destination": "x"', f'"destination": "{person.channel.bot_user_id}"')
    assert post(body=body.encode()).status_code == 200
    stored = Inbox.objects.get()
    assert "\x00" not in stored.event["message"]["text"]
    work()
