"""The individual service's escalation ladder, step by step, with the policy's times."""

from datetime import timedelta

from anpi.engine.answer import answer_ok, record_task_outcome
from anpi.engine.models import Check, Outbox, Task

H = timedelta(hours=1)


def climb(clock, work, *hours):
    """Move the clock in the given steps, running the worker after each."""
    for h in hours:
        clock.advance(hours=h)
        work()


def alt_texts(transport, person):
    return [
        d.payload["messages"][0].get("altText") or d.payload["messages"][0].get("text")
        for d in transport.to(person.line_user_id)
    ]


def test_nothing_is_sent_before_the_chosen_time(make_person, clock, work, transport):
    person = make_person()
    clock.advance(minutes=55)  # 08:55 JST
    work()
    assert Check.objects.filter(person=person).count() == 1  # planned ahead …
    assert transport.to(person.line_user_id) == []  # … but not sent before 09:00


def test_the_check_is_sent_at_the_chosen_time(make_person, clock, work, transport):
    person = make_person()
    clock.advance(hours=1)  # 09:00 JST
    work()
    sent = transport.to(person.line_user_id)
    assert len(sent) == 1
    message = sent[0].payload["messages"][0]
    assert message["type"] == "flex"
    assert message["contents"]["footer"]["contents"][0]["action"]["label"] == "げんきです"


def test_an_ok_closes_the_check_and_nothing_more_is_sent(make_person, clock, work, transport):
    person = make_person()
    clock.advance(hours=1)
    work()
    answer_ok(person, clock, reply_token="token-1")
    work()
    check = Check.objects.get(person=person)
    assert check.state == "answered" and check.next_action_at is None
    replies = [d for d, _ in transport.sent if d.method == "reply"]
    assert replies and replies[0].reply_token == "token-1"
    clock.advance(hours=30)
    work()
    pushes = [d for d in transport.to(person.line_user_id) if d.method == "push"]
    assert len(pushes) == 2  # the check of today and the one of tomorrow, no resend


def test_the_whole_ladder_climbs_with_the_policys_times(make_person, clock, work, transport, smtp):
    person = make_person(
        contacts=[
            {"name": "たろう", "relation": "長男", "email": "taro@example.jp"},
            {"name": "大家さん", "relation": "大家", "phone": "+81312345678"},
        ]
    )
    person.tenant.staff_email = ""
    person.tenant.save()
    clock.advance(hours=1)  # 09:00 check
    work()
    check = Check.objects.get(person=person, due_at=clock.now())
    assert alt_texts(transport, person) == ["はなこさん、げんきですか？"]

    clock.advance(hours=24, seconds=-1)
    work()
    assert len(alt_texts(transport, person)) == 1  # no resend before 24h
    clock.advance(timedelta(seconds=1))  # 24h after the check
    work()
    # The re-send also stands for today's check: one message, not two.
    assert len(alt_texts(transport, person)) == 2
    assert "へんじが ありません" in alt_texts(transport, person)[-1]

    clock.advance(3 * H)  # 3h later: a staff call task with a 2h deadline
    work()
    call = Task.objects.get(check_run=check, kind="call_person")
    assert call.deadline == clock.now() + 2 * H

    clock.advance(2 * H)  # no outcome within 2h: one more LINE message
    work()
    call.refresh_from_db()
    assert call.state == "expired"
    assert "れんらくが とれません" in alt_texts(transport, person)[-1]

    clock.advance(2 * H)  # 2h later: contacts are told
    work()
    emails = [d for d, _ in transport.sent if d.method == "email"]
    assert [e.recipient for e in emails] == ["taro@example.jp"]
    assert "はなこさんから安否確認の応答がありません" in emails[0].payload["body"]
    landlord_call = Task.objects.get(check_run=check, kind="call_contact")
    assert landlord_call.contact.name == "大家さん"

    decide = Task.objects.get(check_run=check, kind="decide")
    assert decide.state == "open"
    check.refresh_from_db()
    assert check.state == "open" and check.next_action_at == decide.deadline
    kinds = list(person.timeline.filter(check_run=check).values_list("kind", flat=True))
    for kind in ["check_sent", "resent", "task_opened", "last_notice", "contact_notified"]:
        assert kind in kinds


def test_unreachable_moves_the_ladder_on_at_once(make_person, clock, work, transport):
    person = make_person()
    climb(clock, work, 1, 24, 3)
    call = Task.objects.get(person=person, kind="call_person")
    record_task_outcome(call.pk, "unreachable", clock)
    work()
    assert "れんらくが とれません" in alt_texts(transport, person)[-1]


def test_staff_confirming_safety_closes_the_check(make_person, clock, work):
    person = make_person()
    climb(clock, work, 1, 24, 3)
    call = Task.objects.get(person=person, kind="call_person")
    record_task_outcome(call.pk, "safe", clock, note="元気でした")
    check = call.check_run
    check.refresh_from_db()
    assert check.state == "resolved"
    assert not Task.objects.filter(check_run=check, state="open").exists()


def test_an_ok_during_the_ladder_stops_it(make_person, clock, work, transport):
    person = make_person(contacts=[{"name": "たろう", "relation": "長男", "email": "t@example.jp"}])
    climb(clock, work, 1, 24, 3)
    assert Task.objects.filter(person=person, state="open").count() == 1
    answer_ok(person, clock)
    clock.advance(hours=10)
    work()
    assert not Task.objects.filter(person=person, state="open").exists()
    assert not Outbox.objects.filter(purpose="notify_contact").exists()
    assert not [d for d in transport.to(person.line_user_id) if "れんらくが" in str(d.payload)]


def test_an_unanswered_decision_repeats_and_emails_staff(make_person, clock, work, transport, smtp):
    person = make_person()
    climb(clock, work, 1, 24, 3, 2, 2)
    first = Task.objects.get(person=person, kind="decide")
    clock.advance(hours=24)
    work()
    first.refresh_from_db()
    assert first.state == "expired"
    second = Task.objects.get(person=person, kind="decide", state="open")
    assert "期限切れ" in second.reason
    staff_mail = [
        d.payload["subject"]
        for d, _ in transport.sent
        if d.method == "email" and d.recipient == "staff@npo.example"
    ]
    # Once for the call nobody made (expired untouched), once for the decision.
    assert staff_mail == [
        "【anpi】はなこさんへの電話が期限までにされませんでした",
        "【anpi】はなこさんの対応が決まっていません",
    ]


def test_every_open_check_has_a_next_action(make_person, clock, work):
    people = [make_person(f"p{i}") for i in range(3)]
    for _ in range(40):
        clock.advance(hours=1)
        work()
        for check in Check.objects.filter(person__in=people, state="open"):
            has_task = Task.objects.filter(
                check_run=check, state="open", deadline__gt=clock.now()
            ).exists()
            assert check.next_action_at is not None or has_task


def test_a_permanent_line_failure_hands_the_check_to_staff(make_person, clock, work, transport):
    from anpi.channels.base import SendResult

    person = make_person()
    clock.advance(hours=1)
    transport.script = [SendResult("failed", "You have reached your monthly limit.", 429)]
    work()
    task = Task.objects.get(person=person, state="open")
    assert task.kind == "call_person" and "LINEが届きませんでした" in task.reason


def test_a_5xx_is_retried_with_the_same_retry_key(make_person, clock, work, transport):
    from anpi.channels.base import SendResult

    person = make_person()
    clock.advance(hours=1)
    transport.script = [SendResult("retry", "HTTP 500", 500)]
    work()
    clock.advance(seconds=10)
    work()
    keys = [d.retry_key for d, _ in transport.sent if d.recipient == person.line_user_id]
    assert len(keys) == 2 and keys[0] == keys[1]
    assert Outbox.objects.get(purpose="check").state == "sent"


def test_a_policy_edit_does_not_change_running_checks(make_person, clock, work, tenant):
    from anpi.engine.models import EscalationPolicy

    person = make_person()
    clock.advance(hours=1)
    work()
    EscalationPolicy.objects.create(
        tenant=tenant,
        name="short",
        is_default=True,
        steps=[{"after": 0, "action": "send_check"}, {"after": 3600, "action": "close"}],
    )
    clock.advance(hours=1)
    work()
    check = Check.objects.get(person=person, due_at=clock.now() - 1 * H)
    assert check.state == "open" and check.policy[1]["action"] == "resend"


def test_the_timeline_is_written_in_japanese_even_for_english_staff(make_person, clock, work):
    from django.utils import translation

    person = make_person()
    climb(clock, work, 1, 24)
    with translation.override("en"):
        climb(clock, work, 3)
        call = Task.objects.get(person=person, kind="call_person")
        record_task_outcome(call.pk, "unreachable", clock)
    texts = list(person.timeline.values_list("text", flat=True))
    assert any("本人に電話" in t or "電話" in t for t in texts if "スタッフ作業" in t)
    assert not any("Phone the person" in t or "Could not reach" in t for t in texts)


def test_an_answer_while_a_failing_message_is_in_flight_opens_no_task(make_person, clock, work):
    """Found by `make soak` (seed 701124): the claim loaded the check as open, the
    person answered, then the permanent failure opened a call on a closed check."""
    from anpi.channels.base import SendResult
    from anpi.engine.advance import advance_due_checks
    from anpi.engine.deliver import claim_outbox_batch
    from anpi.engine.plan import plan_due_checks
    from anpi.engine.record import record_results

    person = make_person()
    clock.advance(hours=1)
    plan_due_checks(clock)
    advance_due_checks(clock)
    [row] = claim_outbox_batch(clock.now())  # the check message, in flight
    answer_ok(person, clock)  # she taps OK on the app's rich menu meanwhile
    record_results(
        [(row, SendResult("failed", "You have reached your monthly limit.", 429))], clock.now()
    )
    assert not Task.objects.filter(person=person).exists()
    assert Check.objects.get(person=person).state == "answered"
