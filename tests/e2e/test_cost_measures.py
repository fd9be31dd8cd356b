"""The cost guard's two automatic measures before the plan's limit, end to end:
habitual tappers are asked once, in a free reply, to use the menu's 「げんきです」
before the check; and check messages switch to the identical multicast form when
the month's forecast exceeds the plan. The clock starts at 08:00 JST on
2026-12-01; checks are at 09:00."""

from __future__ import annotations

from datetime import timedelta

from tests.conftest import START

from anpi.engine.cost import check_costs, month_usage
from anpi.engine.habits import HABIT_MIN
from anpi.engine.messages import early_hint_message
from anpi.engine.models import Outbox, TimelineEntry

from .test_rich_menu import paid, set_up_menu

HINT = early_hint_message()["text"]


def no_line_count(channel):
    return None


def answer_within_minutes(line, clock, user, day: int) -> list[dict]:
    """Day ``day``'s 09:00 check, answered three minutes later; returns the reply."""
    clock.set(START + timedelta(days=day, hours=1))
    line.work()
    clock.advance(minutes=3)
    before = len(line.control.messages(user))
    line.control.tap(user, "げんきです")
    line.work()
    return line.control.messages(user)[before:]


def test_a_habitual_tapper_is_asked_once_in_the_free_reply_to_their_ok(line, clock):
    set_up_menu(line)
    user = line.new_user("山田花子")
    person = line.register(user, "はなこ")
    replies = [answer_within_minutes(line, clock, user, day) for day in range(HABIT_MIN + 2)]

    texts = [[m["text"] for m in reply] for reply in replies]
    thanks = "ありがとうございます。あんしんしました。"
    assert texts[: HABIT_MIN - 1] == [[thanks]] * (HABIT_MIN - 1)  # not a habit yet
    assert texts[HABIT_MIN - 1] == [thanks, HINT]  # the fifth quick answer in a row
    assert texts[HABIT_MIN:] == [[thanks]] * 2  # asked once, not again
    assert {m["via"] for reply in replies for m in reply} == {"reply"}  # all free
    assert len(paid(line)) == HABIT_MIN + 2  # exactly the day's checks, nothing more
    assert TimelineEntry.objects.filter(person=person, kind="menu_hint").count() == 1


def test_nobody_is_told_about_a_menu_the_channel_does_not_have(line, clock):
    user = line.new_user("山田花子")
    line.register(user, "はなこ")
    replies = [answer_within_minutes(line, clock, user, day) for day in range(HABIT_MIN + 1)]
    assert HINT not in [m["text"] for reply in replies for m in reply]


def test_someone_who_answers_late_is_not_asked(line, clock):
    set_up_menu(line)
    user = line.new_user("山田花子")
    line.register(user, "はなこ")
    for day in range(HABIT_MIN + 1):
        clock.set(START + timedelta(days=day, hours=3))  # two hours after the check
        line.work()
        line.control.tap(user, "げんきです")
        line.work()
    assert HINT not in line.texts(user)


def _three_people(line) -> list[str]:
    users = [line.new_user(name) for name in ("山田花子", "佐藤一郎", "鈴木次郎")]
    for i, user in enumerate(users):
        line.register(user, f"p{i}")
    return users


def _requests(line, since: int) -> list[str]:
    return [r["path"].rsplit("/", 1)[1] for r in paid(line, since)]


def test_check_messages_switch_to_one_multicast_when_the_forecast_exceeds_the_plan(line, clock):
    tenant = line.channel.tenant
    tenant.line_plan, tenant.line_monthly_limit = "custom", 60  # 3 people × 31 days = 93
    tenant.save()
    users = _three_people(line)
    clock.set(START + timedelta(hours=1))
    line.work()
    assert _requests(line, 0) == ["push", "push", "push"]  # personal, before the guard ran
    for user in users:
        line.control.tap(user, "げんきです")
    line.work()

    check_costs(clock.now(), no_line_count)  # the worker runs this every few minutes
    mail = Outbox.objects.get(transport="email", purpose="staff_alert")
    assert "共通の文面" in mail.payload["subject"]
    assert "通数は減りません" in mail.payload["body"]  # LINE counts a multicast per person

    since = len(line.control.requests())
    clock.set(START + timedelta(days=1, hours=1))
    line.work()
    assert _requests(line, since) == ["multicast"]  # one request for the three
    shown = [line.control.messages(u)[-1]["raw"] for u in users]
    assert shown[0] == shown[1] == shown[2]
    assert line.texts(users[0])[-1] == "げんきですか？"  # no name in it
    # Paid messages are still counted per recipient: 3 on each day.
    assert month_usage(tenant, clock.now()).paid == 6
    assert TimelineEntry.objects.filter(kind="check_sent", text__contains="費用対策").count() == 3

    check_costs(clock.now(), no_line_count)
    assert Outbox.objects.filter(transport="email", purpose="staff_alert").count() == 1  # once
    line.control.tap(users[2], "げんきです")
    line.work()
    assert line.texts(users[2])[-1] == "ありがとうございます。あんしんしました。"


def test_a_tenant_that_turned_the_switch_off_keeps_personal_messages(line, clock):
    tenant = line.channel.tenant
    tenant.line_plan, tenant.line_monthly_limit = "custom", 60
    tenant.identical_at_percent = 0
    tenant.save()
    users = _three_people(line)
    clock.set(START + timedelta(hours=1))
    line.work()
    for user in users:
        line.control.tap(user, "げんきです")
    line.work()
    check_costs(clock.now(), no_line_count)
    assert not Outbox.objects.filter(transport="email", purpose="staff_alert").exists()
    since = len(line.control.requests())
    clock.set(START + timedelta(days=1, hours=1))
    line.work()
    assert _requests(line, since) == ["push", "push", "push"]
    assert line.texts(users[0])[-1] == "p0さん、げんきですか？"  # the personal check
