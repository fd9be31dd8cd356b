"""Events apply in LINE's order, not in the order they arrive (redeliveries come late)."""

from __future__ import annotations

from datetime import timedelta

from anpi.engine.models import Check, TimelineEntry
from anpi.people.models import Person

from .conftest import line_event, text_event

USER = "U" + "7" * 32


def test_a_late_unfollow_does_not_undo_the_unblock_that_came_after_it(
    post, work, clock, make_person
):
    person = make_person(line_user_id=USER)
    t1 = clock.now()
    t2 = t1 + timedelta(minutes=5)
    clock.advance(minutes=10)
    # The unblock (T2) was delivered; the unfollow (T1) is redelivered after it.
    post(line_event("follow", USER, t2, follow={"isUnblocked": True}))
    work()
    post(line_event("unfollow", USER, t1))
    work()
    person.refresh_from_db()
    assert person.status == Person.Status.ACTIVE
    assert person.next_check_at is not None  # still checked, as LINE shows a friend
    assert TimelineEntry.objects.filter(person=person, kind="stale_event").exists()


def test_events_in_order_still_block_and_unblock(post, work, clock, make_person):
    person = make_person(line_user_id=USER)
    post(line_event("unfollow", USER, clock.now()))
    work()
    assert Person.objects.get(pk=person.pk).status == Person.Status.BLOCKED
    clock.advance(minutes=1)
    post(line_event("follow", USER, clock.now(), follow={"isUnblocked": True}))
    work()
    assert Person.objects.get(pk=person.pk).status == Person.Status.ACTIVE


def test_a_week_old_redelivered_ok_does_not_answer_todays_check(post, work, clock, make_person):
    person = make_person(line_user_id=USER)
    week_ago = clock.now() - timedelta(days=7)
    clock.advance(hours=1)  # 09:00 today: the check goes out
    work()
    check = Check.objects.get(person=person)
    post(line_event("postback", USER, week_ago, postback={"data": f"anpi:ok:{check.pk}"}))
    work()
    check.refresh_from_db()
    assert check.state == Check.State.OPEN  # the ladder goes on
    assert TimelineEntry.objects.filter(person=person, kind="stale_answer").exists()


def test_an_ok_typed_after_the_check_was_sent_answers_it(post, work, clock, make_person):
    person = make_person(line_user_id=USER)
    clock.advance(hours=1)
    work()
    clock.advance(minutes=3)
    post(text_event(USER, "げんきです", clock.now()))
    work()
    assert Check.objects.get(person=person).state == Check.State.ANSWERED


def _group_event(kind: str, group: str, at, **extra):
    event = line_event(kind, "", at, **extra)
    event["source"] = {"type": "group", "groupId": group}
    return event


def test_a_late_leave_does_not_stop_a_group_the_bot_rejoined(post, work, clock):
    from anpi.groups.models import Group

    group_id = "C" + "1" * 32
    t0 = clock.now()
    post(_group_event("join", group_id, t0))
    work()
    post(_group_event("join", group_id, t0 + timedelta(minutes=10)))
    work()
    post(_group_event("leave", group_id, t0 + timedelta(minutes=5)))  # redelivered late
    work()
    assert Group.objects.get(line_group_id=group_id).status != Group.Status.LEFT


def test_a_late_member_left_does_not_remove_a_member_who_rejoined(post, work, clock):
    from anpi.groups.models import Group, GroupMember

    group_id = "C" + "2" * 32
    member = "U" + "8" * 32
    t0 = clock.now()
    post(_group_event("join", group_id, t0))
    work()
    Group.objects.filter(line_group_id=group_id).update(kind=Group.Kind.PEER)
    joined = {"members": [{"type": "user", "userId": member}]}
    post(_group_event("memberJoined", group_id, t0 + timedelta(minutes=1), joined=joined))
    work()
    post(_group_event("memberJoined", group_id, t0 + timedelta(minutes=10), joined=joined))
    work()
    post(_group_event("memberLeft", group_id, t0 + timedelta(minutes=5), left=joined))
    work()
    assert GroupMember.objects.get(line_user_id=member).left_at is None
