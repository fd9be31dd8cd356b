"""A refused reply is never silence: essential messages go again as a push."""

from __future__ import annotations

from anpi.channels.base import SendResult
from anpi.engine.models import Outbox, TimelineEntry
from anpi.people.models import Person

from .conftest import line_event

USER = "U" + "5" * 32
INVALID = SendResult("expired", "Invalid reply token", 400)


def test_a_greeting_whose_reply_token_expired_arrives_as_a_push(post, work, clock, transport):
    # LINE redelivered the follow after an outage: its reply token is long gone.
    transport.script = [INVALID]
    post(line_event("follow", USER, clock.now()))
    work()
    greeting = [d for d in transport.to(USER) if d.method == "push"]
    assert len(greeting) == 1
    assert "せってい" in greeting[0].payload["messages"][0]["altText"]
    person = Person.objects.get(line_user_id=USER)
    entry = TimelineEntry.objects.get(person=person, kind="reply_refused_pushed")
    assert "有料" in entry.text  # staff see it cost a paid message
    assert Outbox.objects.filter(purpose="greeting", method="push", state="sent").count() == 1


def test_a_refused_thank_you_is_dropped_and_the_drop_is_on_the_timeline(
    post, work, clock, transport, make_person
):
    person = make_person(line_user_id=USER)
    clock.advance(hours=1)
    work()
    transport.script = [INVALID]
    post(line_event("postback", USER, clock.now(), postback={"data": "anpi:ok:0"}))
    work()
    assert [d.method for d in transport.to(USER)] == ["push"]  # the check only
    assert TimelineEntry.objects.filter(person=person, kind="reply_dropped").exists()
