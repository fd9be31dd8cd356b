"""Identical check messages go out as multicasts of up to 500 persons."""

from anpi.channels.base import SendResult
from anpi.engine.models import Check, EscalationPolicy, Outbox, Task, TimelineEntry
from anpi.individual.policy import INDIVIDUAL_DEFAULT


def identical_policy(tenant):
    steps = [dict(step) for step in INDIVIDUAL_DEFAULT]
    steps[0] = {"after": 0, "action": "send_check", "params": {"message": "identical"}}
    return EscalationPolicy.objects.create(
        tenant=tenant, name="same for all", steps=steps, is_default=True
    )


def test_identical_checks_go_out_as_one_multicast(tenant, make_person, clock, work, transport):
    identical_policy(tenant)
    people = [make_person(f"p{i}") for i in range(3)]
    clock.advance(hours=1)
    work()
    [(delivery, outcome)] = transport.sent
    assert delivery.method == "multicast" and outcome == "sent"
    assert sorted(delivery.recipient.split(",")) == sorted(p.line_user_id for p in people)
    assert delivery.retry_key  # multicast carries X-Line-Retry-Key
    assert "さん" not in delivery.payload["messages"][0]["altText"]  # no name in it
    members = Outbox.objects.filter(method="push", purpose="check")
    assert {m.state for m in members} == {"sent"}
    assert TimelineEntry.objects.filter(kind="delivered").count() == 3


def test_personal_checks_stay_pushes(make_person, clock, work, transport):
    for i in range(3):
        make_person(f"p{i}")
    clock.advance(hours=1)
    work()
    assert [d.method for d, _ in transport.sent] == ["push"] * 3


def test_the_identical_ok_button_answers_the_open_check(tenant, make_person, clock, work):
    from anpi.engine.ingest import handle_event

    identical_policy(tenant)
    person = make_person()
    clock.advance(hours=1)
    work()
    data = Outbox.objects.get(purpose="check").payload["messages"][0]  # a lone push
    button = data["contents"]["footer"]["contents"][0]["action"]
    event = {
        "type": "postback",
        "mode": "active",
        "timestamp": int(clock.now().timestamp() * 1000),  # the tap happens now
        "source": {"type": "user", "userId": person.line_user_id},
        "webhookEventId": "01TESTMULTICAST000000000000",
        "deliveryContext": {"isRedelivery": False},
        "postback": {"data": button["data"]},
    }
    assert handle_event(person.channel, event, clock) == "ok"
    assert Check.objects.get(person=person).state == "answered"


def test_a_retried_multicast_resends_the_same_group_with_the_same_key(
    tenant, make_person, clock, work, transport
):
    identical_policy(tenant)
    for i in range(2):
        make_person(f"p{i}")
    clock.advance(hours=1)
    transport.script = [SendResult("retry", "HTTP 500", 500)]
    work()
    make_person("late")  # a newcomer must not join the group being retried
    clock.advance(seconds=10)
    work()
    first, second = (d for d, _ in transport.sent[:2])
    assert first.retry_key == second.retry_key and first.recipient == second.recipient
    assert Outbox.objects.filter(method="multicast").count() == 1


def test_a_push_already_tried_is_retried_alone_under_its_own_key(
    tenant, make_person, clock, work, transport
):
    """LINE may have shown a push whose answer was lost (a 500 after accepting,
    a timeout): only a retry with the same X-Line-Retry-Key is dropped by LINE,
    so that row must never be folded into a multicast with a new key."""
    from datetime import time

    identical_policy(tenant)
    early = make_person("early")
    later = [make_person(f"p{i}", check_time=time(9, 5)) for i in range(2)]
    clock.advance(hours=1)
    transport.script = [SendResult("retry", "HTTP 500", 500)]
    work()  # the early check goes out alone and its answer is lost
    clock.advance(minutes=10)
    work()  # its retry is due together with two identical checks
    to_early = [d for d, _ in transport.sent if early.line_user_id in d.recipient.split(",")]
    assert [d.method for d in to_early] == ["push", "push"]
    assert to_early[0].retry_key == to_early[1].retry_key
    [multicast] = [d for d, _ in transport.sent if d.method == "multicast"]
    assert sorted(multicast.recipient.split(",")) == sorted(p.line_user_id for p in later)
    assert Outbox.objects.get(recipient=early.line_user_id, purpose="check").state == "sent"


def test_a_failed_multicast_hands_each_member_to_staff(tenant, make_person, clock, work, transport):
    identical_policy(tenant)
    people = [make_person(f"p{i}") for i in range(2)]
    clock.advance(hours=1)
    transport.script = [SendResult("failed", "You have reached your monthly limit.", 429)]
    work()
    assert set(Outbox.objects.filter(method="push").values_list("state", flat=True)) == {"failed"}
    for person in people:
        task = Task.objects.get(person=person, state="open")
        assert task.kind == "call_person"


def test_a_multicast_has_at_most_500_recipients(tenant, channel, clock):
    from anpi.engine.multicast import coalesce_identical_pushes, coalesce_key
    from anpi.engine.outbox import enqueue_push
    from anpi.people.models import Person

    message = {"type": "text", "text": "same"}
    person = Person.objects.create(tenant=tenant, channel=channel, line_user_id="U1")
    for i in range(1001):
        enqueue_push(
            person=person,
            to=f"U{i:032x}",
            messages=[message],
            purpose="check",
            now=clock.now(),
            coalesce_key=coalesce_key([message]),
        )
    assert coalesce_identical_pushes(clock.now()) == 1000  # 500 + 500; one stays a push
    sizes = [
        len(r.split(","))
        for r in Outbox.objects.filter(method="multicast").values_list("recipient", flat=True)
    ]
    assert sizes == [500, 500]
    assert Outbox.objects.filter(method="push", state="pending").count() == 1


def test_identical_checks_of_two_languages_go_out_as_two_multicasts(
    tenant, make_person, clock, work, transport
):
    identical_policy(tenant)
    easy = [make_person(f"e{i}") for i in range(2)]
    english = [make_person(f"en{i}", language="en") for i in range(2)]
    clock.advance(hours=1)
    work()
    sent = {
        frozenset(d.recipient.split(",")): d.payload["messages"][0]
        for d, outcome in transport.sent
        if d.method == "multicast" and outcome == "sent"
    }
    assert len(transport.sent) == 2
    assert sent[frozenset(p.line_user_id for p in easy)]["altText"] == "げんきですか？"
    assert sent[frozenset(p.line_user_id for p in english)]["altText"] == "Are you well?"


def test_the_identical_check_greets_with_the_day_it_is_due(tenant, make_person, clock, work):
    from anpi.engine.greetings import greeting_for
    from anpi.engine.steps import due_day

    identical_policy(tenant)
    person = make_person()
    clock.advance(hours=1)
    work()
    check = Check.objects.select_related("person__tenant").get(person=person)
    message = Outbox.objects.get(purpose="check").payload["messages"][0]
    first_line = message["contents"]["body"]["contents"][0]["text"]
    assert first_line == greeting_for(due_day(check), "easy_ja")
