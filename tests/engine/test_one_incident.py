"""One ongoing incident per person: a new check never starts a second ladder."""

from anpi.engine.answer import answer_ok
from anpi.engine.models import Check, Outbox, Task


def climb(clock, work, *hours):
    for h in hours:
        clock.advance(hours=h)
        work()


def questions_to(person):
    return Outbox.objects.filter(person=person, purpose__in=["check", "resend", "last_notice"])


def test_a_missed_day_brings_one_message_and_the_new_check_folds_in(make_person, clock, work):
    person = make_person()
    climb(clock, work, 1, 24)  # day 1 09:00 check; day 2 09:00 re-send + day 2's check
    assert questions_to(person).count() == 2  # day 1's check and its re-send, not a third
    day2 = Check.objects.get(person=person, due_at=clock.now())
    assert day2.state == "cancelled" and day2.close_reason == "merged"
    assert person.timeline.filter(check_run=day2, kind="check_merged").exists()


def test_staff_get_one_call_per_incident_however_long_it_lasts(make_person, clock, work):
    person = make_person()
    climb(clock, work, 1, *([6] * 16))  # four days without an answer
    assert Task.objects.filter(person=person, kind="call_person").count() == 1
    assert Check.objects.filter(person=person, state="open").count() == 1


def test_while_staff_decide_the_person_is_still_asked_each_day(make_person, clock, work):
    person = make_person()
    climb(clock, work, 1, 24, 3, 2, 2)  # day 2 16:00: contacts told, staff to decide
    asked = questions_to(person).count()
    climb(clock, work, 17)  # day 3 09:00: nothing of the old check is due to ask
    assert questions_to(person).count() == asked + 1
    assert questions_to(person).latest("id").purpose == "check"
    answer_ok(person, clock)  # her OK on day 3's question ends the whole incident
    assert not Check.objects.filter(person=person, state="open").exists()
    assert not Task.objects.filter(person=person, state="open").exists()


def test_the_one_check_at_a_time_path_folds_in_too(make_person, clock, work):
    from anpi.engine.advance import advance_check

    person = make_person()
    climb(clock, work, 1, 24, 3, 2, 2, 12)  # day 3 04:00, old check waiting on staff
    clock.advance(hours=5)  # day 3 09:00
    from anpi.engine.plan import plan_due_checks

    plan_due_checks(clock)
    day3 = Check.objects.get(person=person, due_at=clock.now())
    assert advance_check(day3.pk, clock.now())
    day3.refresh_from_db()
    assert day3.state == "cancelled" and day3.close_reason == "merged"
    assert questions_to(person).latest("id").check_run_id == day3.pk
