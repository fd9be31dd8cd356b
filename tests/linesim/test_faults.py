"""Fault injection: failures LINE may produce, replayable with a seed."""

from __future__ import annotations

from uuid import uuid4

import pytest
import urllib3
from linebot.v3.messaging import ApiException, PushMessageRequest, TextMessage


def push(api, to, key=None, **kwargs):
    return api.push_message_with_http_info(
        PushMessageRequest(to=to, messages=[TextMessage(text="お元気ですか")]),
        x_line_retry_key=key or str(uuid4()),
        **kwargs,
    )


def outcomes(api, friend, n=20):
    found = []
    for _ in range(n):
        try:
            found.append(push(api, friend).status_code)
        except ApiException as exc:
            found.append(exc.status)
    return found


def test_a_500_after_accept_still_delivers_and_the_retry_gets_409(api, control, friend):
    control.set_faults([{"endpoint": "push", "status": 500, "afterAccept": True, "count": 1}])
    key = str(uuid4())
    with pytest.raises(ApiException) as caught:
        push(api, friend, key=key)
    assert caught.value.status == 500
    assert len(control.deliveries()) == 1
    with pytest.raises(ApiException) as retried:
        push(api, friend, key=key)
    assert retried.value.status == 409
    assert len(control.deliveries()) == 1


def test_a_500_before_accept_delivers_nothing_and_the_retry_succeeds(api, control, friend):
    control.set_faults([{"endpoint": "push", "status": 500, "count": 1}])
    key = str(uuid4())
    with pytest.raises(ApiException):
        push(api, friend, key=key)
    assert control.deliveries() == []
    assert push(api, friend, key=key).status_code == 200
    assert len(control.deliveries()) == 1


def test_a_fault_429_sends_nothing(api, control, friend):
    control.set_faults([{"endpoint": "*", "status": 429, "count": 1}])
    with pytest.raises(ApiException) as caught:
        push(api, friend)
    assert caught.value.status == 429
    assert control.deliveries() == []


def test_the_same_seed_replays_the_same_failures(api, control, friend):
    rules = [{"endpoint": "push", "status": 503, "probability": 0.5}]
    control.set_faults(rules, seed=42)
    first = outcomes(api, friend)
    control.set_faults(rules, seed=42)
    second = outcomes(api, friend)
    assert first == second
    assert {200, 503} == set(first)


def test_a_rule_with_a_count_stops_firing(api, control, friend):
    control.set_faults([{"endpoint": "push", "status": 500, "count": 2}])
    assert outcomes(api, friend, 4) == [500, 500, 200, 200]


def test_clearing_faults_restores_normal_service(api, control, friend):
    control.set_faults([{"endpoint": "push", "status": 500}])
    control.clear_faults()
    assert push(api, friend).status_code == 200


def test_a_timeout_holds_the_response_but_the_message_was_accepted(api, control, friend):
    control.set_faults([{"endpoint": "push", "timeout": True, "count": 1}])
    key = str(uuid4())
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        push(api, friend, key=key, _request_timeout=0.5)
    assert len(control.deliveries()) == 1
    with pytest.raises(ApiException) as retried:
        push(api, friend, key=key)
    assert retried.value.status == 409


def test_a_slow_response_still_succeeds(api, control, friend):
    control.set_faults([{"endpoint": "push", "delayMs": 50}])
    assert push(api, friend).status_code == 200
    assert control.requests()[-1]["fault"] == "delay"


def test_a_lost_webhook_never_reaches_anpi(control, channel, receiver):
    control.set_faults([{"endpoint": "webhook", "status": 500, "count": 1}])
    user = control.add_user("花子")
    result = control.follow(user)
    assert result["webhook"]["status"] is None
    assert receiver.received == []
    assert control.webhooks()[0]["fault"] == "lost"


def test_a_webhook_fault_after_accept_is_redelivered(control, channel, receiver):
    control.set_faults([{"endpoint": "webhook", "status": 500, "afterAccept": True, "count": 1}])
    control.follow(control.add_user("花子"))
    first, second = receiver.events()
    assert first["webhookEventId"] == second["webhookEventId"]
    assert second["deliveryContext"]["isRedelivery"] is True


def test_an_invalid_rule_is_refused(control):
    with pytest.raises(Exception) as caught:
        control.set_faults([{"endpoint": "push", "probability": 2, "status": 500}])
    assert caught.value.status == 400
