"""The overview board: today's checks, open escalations and who needs a call now,
refreshed in place by htmx.

The clock stands at 2 December 2026, 18:00 JST. The fixture ``a_day`` holds
checks and tasks at known times (rows, not a run of the ladder: the figures are
about counting, the ladder has its own tests)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from anpi.engine.models import Check, Task
from anpi.individual.policy import INDIVIDUAL_DEFAULT
from anpi.tenants.models import AuditEntry

pytestmark = pytest.mark.django_db

JST = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 12, 2, 18, 0, tzinfo=JST)


def at(day: int, hour: int = 9, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=JST)


def check(person, due_at, *, step=1, state="open"):
    return Check.objects.create(
        tenant=person.tenant,
        person=person,
        due_at=due_at,
        step=step,
        state=state,
        policy=INDIVIDUAL_DEFAULT,
        created_at=due_at,
        answered_at=due_at + timedelta(minutes=5) if state == "answered" else None,
    )


def task(check_run, kind, deadline, *, state="open", contact=None):
    return Task.objects.create(
        tenant=check_run.tenant,
        check_run=check_run,
        person=check_run.person,
        contact=contact,
        kind=kind,
        state=state,
        deadline=deadline,
        created_at=deadline - timedelta(hours=2),
    )


@pytest.fixture
def a_day(make_person, clock):
    """Today (12/2, JST): five checks went out — three answered (one at 00:10,
    which is still 12/1 in UTC), one waiting, one cancelled — and one is not due
    yet. Four checks are escalated and still open; three staff tasks are open,
    two of them calls."""
    hanako, taro, jiro = make_person("はなこ"), make_person("たろう"), make_person("じろう")
    saburo, goro, shiro = make_person("さぶろう"), make_person("ごろう"), make_person("しろう")
    ichiro, hachi = make_person("いちろう"), make_person("はち")
    clock.set(NOW)

    check(hanako, at(2), state="answered")
    check(taro, at(2), state="answered")
    check(goro, at(2, 0, 10), state="answered")  # 12/1 15:10 UTC: today in Japan
    check(jiro, at(2))  # sent, no answer yet
    check(saburo, at(2), state="cancelled")  # the person blocked the account
    check(shiro, at(2, 20), step=0)  # due tonight: not sent yet
    check(goro, at(1, 23, 50), state="answered")  # yesterday, by minutes

    # Open escalations (checks past their first step), and their tasks.
    check(hanako, at(1), step=2)  # re-sent: 1 day 9 hours old
    taro_call = check(taro, at(1), step=3)  # staff call: 1 day 9 hours
    ichiro_call = check(ichiro, at(30, month=11), step=3)  # staff call: 2 days 9 hours
    old = check(hachi, at(20, month=11), step=6)  # staff decision: 12 days
    check(jiro, at(1), step=4, state="resolved")  # settled: not open

    task(taro_call, "call_person", at(2, 17))  # overdue by an hour
    son = ichiro.contacts.create(tenant=ichiro.tenant, name="山田一郎", relation="長男")
    task(ichiro_call, "call_contact", at(2, 20), contact=son)
    task(old, "decide", at(3, 9))  # on the queue, but not a call
    task(ichiro_call, "call_person", at(2, 16), state="done")
    return {"taro_call": taro_call, "ichiro_call": ichiro_call}


def figure(page: str, name: str) -> str:
    """The number shown in the ``data-figure=name`` box of the board."""
    start = page.index(f'data-figure="{name}"')
    dd = page.index("<dd>", start) + len("<dd>")
    return page[dd : page.index("</dd>", dd)]


def test_the_overview_counts_todays_checks_in_the_tenants_time_zone(operator_client, a_day):
    page = operator_client.get("/overview/").content.decode()

    assert figure(page, "sent") == "5"
    assert figure(page, "answered") == "3"
    assert figure(page, "rate") == "75.0%"  # 3 ÷ (5 − 1 cancelled)
    assert figure(page, "queue") == "3"  # two calls and a decision


def test_the_answer_rate_shows_the_cancelled_checks_it_leaves_out(operator_client, a_day):
    page = operator_client.get("/overview/").content.decode()

    assert figure(page, "cancelled") == "1"  # さぶろう blocked the account
    assert "取り消し" in page[page.index('data-figure="cancelled"') :]
    assert "応答率 = 応答 ÷（送信 − 取り消し）" in page
    # The figures shown are enough to check the rate by hand: 3 ÷ (5 − 1).
    sent, cancelled = int(figure(page, "sent")), int(figure(page, "cancelled"))
    rate = int(figure(page, "answered")) / (sent - cancelled)
    assert figure(page, "rate") == f"{rate * 100:.1f}%"


def test_the_queue_figure_counts_open_staff_tasks_of_every_kind_not_only_calls(
    operator_client, a_day
):
    page = operator_client.get("/overview/").content.decode()
    kinds = page[page.index('class="task-kinds"') : page.index("</ul>", page.index("task-kinds"))]
    calls_now = page[page.index('data-figure-count="calls"') :]

    figures = page[page.index('id="today-h"') : page.index('id="calls-h"')]
    assert "対応待ちの作業" in figures and "コールキュー" not in figures
    assert "本人に電話 <strong>1</strong>" in kinds
    assert "緊急連絡先に電話 <strong>1</strong>" in kinds
    assert "次の対応を決める <strong>1</strong>" in kinds
    assert calls_now.startswith('data-figure-count="calls">2<')  # the two calls of the three


def test_who_needs_a_call_now_counts_every_call_even_past_the_list(
    operator_client, make_person, clock, monkeypatch
):
    from anpi.dashboard import overview

    monkeypatch.setattr(overview, "CALLS_SHOWN", 1)
    clock.set(NOW)
    for name in ("はなこ", "たろう"):
        task(check(make_person(name), at(1), step=3), "call_person", at(2, 20))

    page = operator_client.get("/overview/").content.decode()

    assert page.count('class="call-now') == 1
    assert 'data-figure-count="calls">2<' in page
    assert "期限の近い1件を表示しています" in page


def test_a_group_member_at_the_decide_step_is_counted_at_the_decide_step(
    operator_client, make_person, clock
):
    """The last step repeats in place (``step`` stays on it), so a check at the
    last index is at the decision once its decide task exists, and still at the
    second group alert before."""
    from anpi.groups.policy import GROUP_DEFAULT

    clock.set(NOW)
    last = len(GROUP_DEFAULT) - 1
    deciding = [make_person("はなこ"), make_person("たろう")]
    for person in deciding:
        c = Check.objects.create(
            tenant=person.tenant,
            person=person,
            due_at=at(1),
            step=last,
            state="open",
            policy=GROUP_DEFAULT,
            created_at=at(1),
        )
        task(c, "decide", at(3, 9))
    alerted = make_person("じろう")  # the second alert fired; no decision yet
    Check.objects.create(
        tenant=alerted.tenant,
        person=alerted,
        due_at=at(1),
        step=last,
        state="open",
        policy=GROUP_DEFAULT,
        created_at=at(1),
    )

    page = operator_client.get("/overview/").content.decode()
    by_step = page[page.index('class="by-step"') : page.index('class="by-age"')]

    assert '<th scope="row">スタッフ判断</th><td>2</td>' in by_step
    assert '<th scope="row">グループへ通知（2回目）</th><td>1</td>' in by_step


def test_todays_figures_are_the_reports_figures_for_the_same_day(tenant, a_day):
    from anpi.dashboard.overview import overview
    from anpi.reports.figures import Month, Scope, answers

    today = overview(tenant, NOW).today
    december = answers(Scope(tenant), Month(2026, 12))

    day = next(d for d in december.by_day if d.day == NOW.date())
    assert (today.sent, today.answered) == (day.sent, day.answered)


def test_the_overview_shows_open_escalations_by_step_and_by_age(operator_client, a_day):
    page = operator_client.get("/overview/").content.decode()
    by_step = page[page.index('class="by-step"') : page.index('class="by-age"')]
    by_age = page[page.index('class="by-age"') :]

    assert "未完了のエスカレーション" in page
    assert '<th scope="row">再送</th><td>1</td>' in by_step
    assert '<th scope="row">スタッフ電話</th><td>2</td>' in by_step
    assert '<th scope="row">スタッフ判断</th><td>1</td>' in by_step
    assert by_step.index("再送") < by_step.index("スタッフ電話") < by_step.index("スタッフ判断")
    assert '<th scope="row">1日未満</th><td>0</td>' in by_age
    assert '<th scope="row">1〜2日</th><td>2</td>' in by_age
    assert '<th scope="row">2〜7日</th><td>1</td>' in by_age
    assert '<th scope="row">7日以上</th><td>1</td>' in by_age


def test_the_overview_lists_who_needs_a_call_now_most_urgent_first(operator_client, a_day):
    page = operator_client.get("/overview/").content.decode()
    calls = page[page.index('class="call-list"') : page.index("</ol>", page.index("call-list"))]
    taro_task = a_day["taro_call"].tasks.get(state="open")
    ichiro_task = a_day["ichiro_call"].tasks.get(state="open")

    assert calls.index("たろうさん") < calls.index("いちろうさん")  # earlier deadline first
    assert "はちさん" not in calls  # a decision, not a call
    assert "山田一郎" in calls  # the contact to phone
    assert calls.count("期限切れ") == 1  # たろう's call was due at 17:00
    assert f'href="/#task-{taro_task.pk}"' in calls  # the card on the call queue
    assert f'href="/#task-{ichiro_task.pk}"' in calls
    assert f'href="/people/{ichiro_task.person_id}/"' in calls


def test_an_empty_day_says_so(operator_client, clock):
    clock.set(NOW)
    page = operator_client.get("/overview/").content.decode()

    assert figure(page, "sent") == "0"
    assert figure(page, "rate") == "—"  # no rate from nothing, not 0%
    assert "いま電話が必要な方はいません" in page


def test_htmx_polling_gets_only_the_board(operator_client, a_day):
    response = operator_client.get("/overview/", headers={"HX-Request": "true"})
    body = response.content.decode()

    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="overview-board"')
    assert "<html" not in body and "main-nav" not in body
    assert 'hx-get="/overview/"' in body and 'hx-trigger="every 30s"' in body
    assert 'hx-swap="outerHTML"' in body  # the board replaces itself, polling on
    assert "たろうさん" in body
    assert "HX-Request" in response["Vary"]


def test_the_full_page_loads_htmx_from_anpi_itself_and_works_without_it(operator_client, a_day):
    response = operator_client.get("/overview/")
    page = response.content.decode()

    assert page.count('id="overview-board"') == 1
    assert '<script src="/static/django_htmx/htmx-2.min.js"' in page
    assert "<script>" not in page  # no inline script: the CSP would block it
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert '<noscript><meta http-equiv="refresh" content="30"></noscript>' in page
    htmx = operator_client.get("/static/django_htmx/htmx-2.min.js")
    assert htmx.status_code == 200


def test_the_overview_is_first_in_the_nav(operator_client, a_day):
    page = operator_client.get("/overview/").content.decode()
    nav = page[page.index('class="main-nav"') :]

    assert nav.index('href="/overview/"') < nav.index('href="/"')
    assert '<a href="/overview/" aria-current="page">概況</a>' in nav


def test_each_look_at_the_overview_is_audited_with_the_people_shown(
    operator_client, operator, a_day
):
    operator_client.get("/overview/")
    operator_client.get("/overview/")

    rows = AuditEntry.objects.filter(action="overview.view", actor_user=operator)
    ids = {a_day["taro_call"].person_id, a_day["ichiro_call"].person_id}
    expected = ",".join(str(i) for i in sorted(ids))
    assert [row.person_ids for row in rows] == [f",{expected},"] * 2


def test_a_refresh_is_audited_only_when_it_shows_someone_new_or_an_hour_passed(
    operator_client, operator, a_day, make_person
):
    from anpi.dashboard.views.overview import LAST_AUDITED

    def rows():
        return list(
            AuditEntry.objects.filter(action="overview.view", actor_user=operator)
            .order_by("id")
            .values_list("person_ids", flat=True)
        )

    refresh = {"HX-Request": "true"}
    operator_client.get("/overview/")
    for _ in range(3):
        operator_client.get("/overview/", headers=refresh)
    assert len(rows()) == 1  # the same two people: nothing new was seen

    hanako = make_person("はなこ")
    task(check(hanako, at(1), step=3), "call_person", at(2, 20))
    operator_client.get("/overview/", headers=refresh)
    assert len(rows()) == 2 and f",{hanako.pk}," in rows()[-1]

    session = operator_client.session  # an hour on: the board is still open
    session[LAST_AUDITED] = {**session[LAST_AUDITED], "at": session[LAST_AUDITED]["at"] - 3601}
    session.save()
    operator_client.get("/overview/", headers=refresh)
    assert len(rows()) == 3


def test_the_overview_costs_the_same_few_queries_however_busy_the_day(
    operator_client, make_person, clock, django_assert_max_num_queries
):
    clock.set(NOW)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    person = make_person("はなこ")
    task(check(person, at(1), step=3), "call_person", at(2, 20))
    with CaptureQueriesContext(connection) as one:
        operator_client.get("/overview/")
    for n in range(10):
        other = make_person(f"利用者{n}")
        check(other, at(2), state="answered")
        task(check(other, at(1), step=3), "call_person", at(2, 20))
    with django_assert_max_num_queries(len(one)):
        page = operator_client.get("/overview/").content.decode()
    assert page.count('class="call-now') == 11
    # Four figures (today's checks, escalations, queue length, the calls) on
    # top of the session, the staff login checks, the health banner and the audit row.
    figures = [
        q["sql"]
        for q in one.captured_queries
        if 'FROM "engine_check"' in q["sql"] or 'FROM "engine_task"' in q["sql"]
    ]
    assert len(figures) == 4, figures


def test_another_tenants_staff_see_nothing_of_this_tenant(client, stranger, a_day):
    client.force_login(stranger)
    response = client.get("/overview/")
    page = response.content.decode()

    assert response.status_code == 200
    assert "たろうさん" not in page and "いちろうさん" not in page
    assert figure(page, "sent") == "0"
    assert figure(page, "queue") == "0"


def test_watchers_and_strangers_to_the_dashboard_cannot_open_it(client, watcher):
    assert client.get("/overview/").status_code == 302  # to the login page
    client.force_login(watcher)
    assert client.get("/overview/").status_code == 403


def test_the_board_speaks_english_to_staff_who_chose_it(operator_client, a_day):
    operator_client.cookies["django_language"] = "en"
    page = operator_client.get("/overview/").content.decode()

    assert "Who needs a call now" in page and "Open escalations" in page
    assert '<a href="/overview/" aria-current="page">Overview</a>' in page
    assert '<th scope="row">1–2 days</th><td>2</td>' in page
    assert figure(page, "rate") == "75.0%"
    figures = page[page.index('id="today-h"') : page.index('id="calls-h"')]
    assert "Open staff tasks" in figures and "Call queue" not in figures
    assert "Cancelled" in page[page.index('data-figure="cancelled"') :]
    assert "Answer rate = answered ÷ (sent − cancelled)" in page
    assert "Decide what comes next <strong>1</strong>" in page


def test_the_overviews_step_names_follow_the_ui_language(operator_client, a_day):
    def by_step(language):
        operator_client.cookies["django_language"] = language
        page = operator_client.get("/overview/", headers={"HX-Request": "true"}).content.decode()
        return page[page.index('class="by-step"') : page.index('class="by-age"')]

    english, japanese = by_step("en"), by_step("ja")

    assert '<th scope="row">Re-sent</th><td>1</td>' in english
    assert '<th scope="row">Staff call</th><td>2</td>' in english
    assert '<th scope="row">Staff decision</th><td>1</td>' in english
    assert english.index("Re-sent") < english.index("Staff call") < english.index("Staff decision")
    assert '<th scope="row">スタッフ電話</th><td>2</td>' in japanese
    assert "Staff call" not in japanese


def test_a_second_step_of_the_same_kind_is_numbered_in_either_language(
    operator_client, make_person, clock
):
    from anpi.municipal.policy import TEAM_DEFAULT

    clock.set(NOW)
    person = make_person("はなこ")
    Check.objects.create(  # send, resend, alert the team, alert it again: at the 4th step
        tenant=person.tenant,
        person=person,
        due_at=at(1),
        step=4,
        state="open",
        policy=TEAM_DEFAULT,
        created_at=at(1),
    )

    japanese = operator_client.get("/overview/").content.decode()
    operator_client.cookies["django_language"] = "en"
    english = operator_client.get("/overview/").content.decode()

    assert '<th scope="row">チームへ通知（2回目）</th><td>1</td>' in japanese
    assert '<th scope="row">Team alerted (time 2)</th><td>1</td>' in english
