"""Push steps of many checks fire together, with the rules of the one-by-one path."""

from anpi.engine.models import Check, Outbox, TimelineEntry


def test_a_morning_of_many_checks_sends_one_check_message_each(make_person, clock, work, transport):
    people = [make_person(f"p{i}") for i in range(25)]
    clock.advance(hours=1)
    work()
    for person in people:
        [delivery] = transport.to(person.line_user_id)
        assert f"p{people.index(person)}さん" in delivery.payload["messages"][0]["altText"]
    assert Check.objects.filter(step=1, version=1).count() == 25
    assert TimelineEntry.objects.filter(kind="check_sent").count() == 25


def test_a_person_who_missed_yesterday_gets_one_message_not_two(
    make_person, clock, work, transport
):
    person = make_person()
    clock.advance(hours=1)  # day 1, 09:00: the check
    work()
    clock.advance(hours=24)  # day 2, 09:00: yesterday's re-send and today's check are due
    work()
    purposes = sorted(Outbox.objects.filter(person=person).values_list("purpose", flat=True))
    assert purposes == ["check", "resend"]
    assert TimelineEntry.objects.filter(person=person, kind="check_merged").count() == 1
    assert len(transport.to(person.line_user_id)) == 2


def test_an_answered_check_gets_no_step_from_the_batch(make_person, clock, work, transport):
    from anpi.engine.answer import answer_ok

    person = make_person()
    clock.advance(hours=1)
    work()
    answer_ok(person, clock)
    clock.advance(hours=24)
    work()
    assert Outbox.objects.filter(person=person, purpose="resend").count() == 0
