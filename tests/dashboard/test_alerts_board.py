"""The alerts board (/alerts/): one list of every open alert of the tenant across
個人見守り, つながり and 安否通知, with claim, assign (admins) and outcome.

The alerts come from the engine (``three_services``: the clock moved through
each service's ladder), not from hand-made rows."""

from __future__ import annotations

from datetime import timedelta

import pytest

from anpi.engine.models import Check, Outbox, Task, TimelineEntry
from anpi.groups import alerts as line_alerts
from anpi.tenants.models import AuditEntry

pytestmark = pytest.mark.django_db


def _row(page: str, person) -> str:
    """The HTML of one person's row on the board ('' if not shown)."""
    start = page.find(f'id="alert-row-{person.pk}"')
    if start < 0:
        return ""
    end = page.find("</article>", start)
    return page[start:end]


def test_the_board_lists_one_alert_of_each_service_and_none_of_another_tenant(
    operator_client, three_services, other_tenant, clock
):
    foreign = Check.objects.create(
        tenant=other_tenant,
        person=_foreign_person(other_tenant),
        due_at=clock.now() - timedelta(days=1),
        policy=[{"after": 0, "action": "call_task"}],
        step=1,
        next_action_at=clock.now() + timedelta(hours=1),
        created_at=clock.now(),
    )
    Task.objects.create(
        tenant=other_tenant,
        check_run=foreign,
        person=foreign.person,
        kind=Task.Kind.CALL_PERSON,
        deadline=clock.now() + timedelta(hours=1),
        created_at=clock.now(),
    )
    page = operator_client.get("/alerts/").content.decode()

    hanako = _row(page, three_services.hanako)
    assert "個人見守り" in hanako
    assert "スタッフ作業: 本人に電話" in hanako  # what happened, from the timeline
    assert "27時間 応答なし" in hanako  # asked 12/1 09:00, now 12/2 12:00
    assert "段階 3 / 6: スタッフが本人に電話" in hanako
    assert "対応者なし" in hanako

    taro = _row(page, three_services.taro)
    assert "安否通知（チーム）" in taro and "中町チーム" in taro
    assert "チーム「中町チーム」の見守る人1人（個別）に通知" in taro

    yamada = _row(page, three_services.yamada)
    assert "つながり（グループ）" in yamada and "ひだまりの会" in yamada
    assert "山田さんから へんじが ありません" in yamada  # the group was told, twice
    assert "（2回目）" in yamada

    assert _row(page, three_services.sato) == ""  # 佐藤 answered
    assert "となりのうめ" not in page
    assert page.count('class="task-card alert-row"') == 3


def _foreign_person(tenant):
    from anpi.people.models import Person

    return Person.objects.create(tenant=tenant, nickname="となりのうめ", status="active")


def test_the_board_filters_by_service_team_and_unclaimed(
    operator_client, three_services
):
    only_groups = operator_client.get("/alerts/?service=group").content.decode()
    assert _row(only_groups, three_services.yamada)
    assert not _row(only_groups, three_services.hanako)
    assert not _row(only_groups, three_services.taro)

    team = operator_client.get(f"/alerts/?team={three_services.team.pk}").content.decode()
    assert _row(team, three_services.taro) and page_count(team) == 1

    operator_client.post(f"/alerts/{three_services.alert_of(three_services.taro).pk}/claim/")
    mine = operator_client.get("/alerts/?who=mine").content.decode()
    assert _row(mine, three_services.taro) and page_count(mine) == 1
    unclaimed = operator_client.get("/alerts/?who=unclaimed").content.decode()
    assert not _row(unclaimed, three_services.taro) and page_count(unclaimed) == 2


def page_count(page: str) -> int:
    return page.count('class="task-card alert-row"')


def test_a_bad_filter_is_refused_in_japanese_and_everything_is_shown(
    operator_client, three_services
):
    page = operator_client.get("/alerts/?service=nonsense&team=999999").content.decode()
    assert "絞り込みの条件が正しくないため、すべて表示しています。" in page
    assert page_count(page) == 3


def test_claiming_a_team_alert_holds_it_and_a_watcher_tapping_later_is_told_who_has_it(
    operator_client, operator, three_services, clock, channel
):
    alert = three_services.alert_of(three_services.taro)
    response = operator_client.post(f"/alerts/{alert.pk}/claim/", follow=True)
    assert "このアラートはあなたが対応します。" in response.content.decode()
    row = _row(response.content.decode(), three_services.taro)
    assert "対応者: operatorさん" in row and "自分が対応" in row

    alert.refresh_from_db()
    assert alert.state == "claimed" and alert.claimed_by_name == "operator"
    entry = TimelineEntry.objects.filter(person=three_services.taro, kind="alert_claimed").get()
    assert entry.text == f"operatorさん（スタッフ）が対応します（No.{alert.pk}）"
    assert entry.data["actor"]["user_id"] == operator.pk
    assert AuditEntry.objects.filter(action="alert.claim", actor_user=operator).exists()

    ctx = line_alerts.ChatContext(
        channel, three_services.watcher_line_id, "高橋", three_services.watcher_line_id, "tok", clock.now()
    )
    assert line_alerts.claim_alert(alert.pk, ctx) == "taken"
    told = Outbox.objects.filter(recipient=three_services.watcher_line_id, method="reply").last()
    assert "operator" in str(told.payload)  # 「もう operatorさんが みに いって います。」


def test_a_second_staff_member_claiming_is_told_in_japanese_who_has_it(
    client, operator, colleague, three_services
):
    alert = three_services.alert_of(three_services.yamada)
    client.force_login(colleague)
    client.post(f"/alerts/{alert.pk}/claim/")
    client.force_login(operator)
    page = client.post(f"/alerts/{alert.pk}/claim/", follow=True).content.decode()
    assert "すでに佐藤さんが対応しています。" in page  # the colleague's name (last name 佐藤)
    alert.refresh_from_db()
    assert alert.claimed_by_name == "佐藤"


def test_claiming_an_individual_escalation_takes_its_staff_tasks(
    operator_client, operator, colleague, client, three_services
):
    task = Task.objects.get(person=three_services.hanako, state="open")
    operator_client.post(f"/alerts/incidents/{task.check_run_id}/claim/")
    task.refresh_from_db()
    assert task.assigned_to == operator
    assert TimelineEntry.objects.filter(
        person=three_services.hanako, kind="incident_claimed", text="operatorさんが対応します"
    ).exists()
    client.force_login(colleague)
    page = client.post(f"/alerts/incidents/{task.check_run_id}/claim/", follow=True)
    assert "すでにoperatorさんが対応しています。" in page.content.decode()
    task.refresh_from_db()
    assert task.assigned_to == operator


def test_only_an_admin_assigns_an_alert_to_a_colleague(
    client, operator, tenant_admin, colleague, three_services
):
    alert = three_services.alert_of(three_services.taro)
    task = Task.objects.get(person=three_services.hanako, state="open")
    client.force_login(operator)
    assert client.post(f"/alerts/{alert.pk}/assign/", {"assignee": colleague.pk}).status_code == 403
    assert (
        client.post(f"/alerts/incidents/{task.check_run_id}/assign/", {"assignee": colleague.pk})
        .status_code
        == 403
    )
    alert.refresh_from_db()
    assert alert.state == "open"

    client.force_login(tenant_admin)
    page = client.post(
        f"/alerts/{alert.pk}/assign/", {"assignee": colleague.pk}, follow=True
    ).content.decode()
    assert "佐藤さんに割り当てました。" in page
    assert "対応者: 佐藤さん" in _row(page, three_services.taro)
    client.post(f"/alerts/incidents/{task.check_run_id}/assign/", {"assignee": colleague.pk})
    task.refresh_from_db()
    assert task.assigned_to == colleague
    assert TimelineEntry.objects.filter(
        person=three_services.hanako, kind="incident_assigned", text="adminさんが担当を佐藤さんに割り当てました"
    ).exists()
    assert AuditEntry.objects.filter(action="alert.assign", actor_user=tenant_admin).count() == 1
    assert AuditEntry.objects.filter(action="incident.assign", actor_user=tenant_admin).count() == 1


def test_an_admin_cannot_assign_to_someone_outside_the_tenants_staff(
    admin_client, three_services, stranger, watcher
):
    alert = three_services.alert_of(three_services.taro)
    for outsider in (stranger, watcher):
        page = admin_client.post(
            f"/alerts/{alert.pk}/assign/", {"assignee": outsider.pk}, follow=True
        ).content.decode()
        assert "この団体のスタッフから選んでください。" in page
    alert.refresh_from_db()
    assert alert.state == "open" and alert.claimed_by == ""


def test_staff_record_a_team_alert_safe_the_incident_closes_and_the_watcher_hears_the_all_clear(
    operator_client, three_services, run
):
    alert = three_services.alert_of(three_services.taro)
    operator_client.post(f"/alerts/{alert.pk}/claim/")
    page = operator_client.post(
        f"/alerts/{alert.pk}/outcome/", {"outcome": "safe", "note": "玄関で会えた"}, follow=True
    ).content.decode()
    assert "結果を記録しました。" in page
    assert not _row(page, three_services.taro)
    alert.refresh_from_db()
    assert (alert.state, alert.outcome) == ("resolved", "safe")
    check = alert.check_run
    check.refresh_from_db()
    assert (check.state, check.close_reason) == ("resolved", "staff_safe")
    assert TimelineEntry.objects.filter(
        person=three_services.taro, kind="alert_outcome", text="operatorさんの確認結果: 無事（玄関で会えた）"
    ).exists()
    run()
    all_clear = Outbox.objects.get(purpose="all_clear", recipient=three_services.watcher_line_id)
    assert all_clear.state == "sent"


def test_staff_record_a_group_alert_absent_and_staff_must_decide_next(
    operator_client, three_services, run
):
    alert = three_services.alert_of(three_services.yamada)
    operator_client.post(f"/alerts/{alert.pk}/claim/")
    operator_client.post(f"/alerts/{alert.pk}/outcome/", {"outcome": "absent"})
    alert.refresh_from_db()
    assert (alert.state, alert.outcome) == ("resolved", "absent")
    run()  # the ladder went straight to its last step
    decide = Task.objects.get(person=three_services.yamada, state="open")
    assert decide.kind == "decide"
    page = operator_client.get("/alerts/").content.decode()
    row = _row(page, three_services.yamada)
    assert "operatorさんの確認結果: 不在" in row  # what happened, and the person stays
    assert "スタッフ作業（1件）" in row


def test_an_individual_escalation_is_settled_with_the_call_queue_form_from_the_board(
    operator_client, three_services
):
    task = Task.objects.get(person=three_services.hanako, state="open")
    page = operator_client.get("/alerts/").content.decode()
    assert f'action="/tasks/{task.pk}/outcome/"' in _row(page, three_services.hanako)
    response = operator_client.post(
        f"/tasks/{task.pk}/outcome/", {"outcome": "safe", "next": "/alerts/"}
    )
    assert response["Location"] == "/alerts/"
    task.check_run.refresh_from_db()
    assert task.check_run.state == "resolved"
    assert not _row(operator_client.get("/alerts/").content.decode(), three_services.hanako)


def test_an_outcome_other_without_a_note_is_refused_in_japanese_and_nothing_changes(
    operator_client, three_services
):
    alert = three_services.alert_of(three_services.taro)
    operator_client.post(f"/alerts/{alert.pk}/claim/")
    page = operator_client.post(
        f"/alerts/{alert.pk}/outcome/", {"outcome": "other", "note": "  "}, follow=True
    ).content.decode()
    assert "何があったか、メモを書いてください。" in page
    alert.refresh_from_db()
    assert alert.state == "claimed" and alert.outcome == ""
    assert not TimelineEntry.objects.filter(kind="alert_outcome").exists()


def test_only_the_holder_records_a_group_or_team_alerts_outcome(
    client, operator, colleague, three_services
):
    alert = three_services.alert_of(three_services.taro)
    client.force_login(colleague)
    client.post(f"/alerts/{alert.pk}/claim/")
    client.force_login(operator)
    page = client.post(f"/alerts/{alert.pk}/outcome/", {"outcome": "safe"}, follow=True)
    assert "すでに佐藤さんが対応しています。" in page.content.decode()
    alert.refresh_from_db()
    assert alert.state == "claimed"


def test_the_municipal_alert_page_links_to_the_board(operator_client, three_services):
    alert = three_services.alert_of(three_services.taro)
    page = operator_client.get(f"/m/alerts/{alert.pk}/").content.decode()
    assert f'href="/alerts/#alert-row-{three_services.taro.pk}"' in page


def test_only_an_admin_sees_the_assign_form_and_it_lists_the_tenants_staff_only(
    operator_client, client, tenant_admin, colleague, stranger, watcher, three_services
):
    assert "割り当てる" not in operator_client.get("/alerts/").content.decode()
    client.force_login(tenant_admin)
    page = client.get("/alerts/").content.decode()
    row = _row(page, three_services.taro)
    assert "割り当てる" in row
    assert f'<option value="{colleague.pk}">佐藤</option>' in row
    assert f'value="{stranger.pk}"' not in row and f'value="{watcher.pk}"' not in row


def test_a_member_whose_alert_ended_absent_is_shown_at_the_decide_step_everywhere(
    operator_client, three_services, run
):
    """The ladder's last step repeats in place, so the check's ``step`` does not
    move past it: the board, the overview and the person's timeline must still
    say the decision is what is happening now, not the group alert before it."""
    alert = three_services.alert_of(three_services.yamada)
    operator_client.post(f"/alerts/{alert.pk}/claim/")
    operator_client.post(f"/alerts/{alert.pk}/outcome/", {"outcome": "absent"})
    run()  # the ladder went straight to its last step: staff decide
    steps = len(alert.check_run.policy)

    row = _row(operator_client.get("/alerts/").content.decode(), three_services.yamada)
    overview = operator_client.get("/overview/").content.decode()
    by_step = overview[overview.index('class="by-step"') : overview.index('class="by-age"')]

    assert f"段階 {steps} / {steps}: スタッフが次の対応を決める" in row
    assert "グループに知らせる" not in row.split("alert-step")[1].split("</p>")[0]
    assert "スタッフ判断" in by_step


def test_the_board_describes_steps_and_task_reasons_in_english_to_staff_who_chose_it(
    operator_client, three_services, run
):
    alert = three_services.alert_of(three_services.yamada)
    operator_client.post(f"/alerts/{alert.pk}/claim/")
    operator_client.post(f"/alerts/{alert.pk}/outcome/", {"outcome": "absent"})
    run()
    operator_client.cookies["django_language"] = "en"
    page = operator_client.get("/alerts/").content.decode()

    hanako, yamada = _row(page, three_services.hanako), _row(page, three_services.yamada)
    assert "Step 3 of 6: Staff phone the person" in hanako
    assert "Staff decide what comes next" in yamada
    assert "Decide what comes next, such as a visit or calling the police" in yamada
    assert "訪問・警察への連絡など次の対応を決めてください" not in yamada.split("task-reason")[1]
    assert "スタッフが" not in page.split("alert-step")[1].split("</p>")[0]


def test_a_task_reason_stays_as_stored_on_the_timeline_in_either_language(
    operator_client, three_services, run
):
    """What the engine wrote on the person's timeline is a record: the English
    UI translates the task's fixed reason, never the stored timeline text."""
    alert = three_services.alert_of(three_services.yamada)
    operator_client.post(f"/alerts/{alert.pk}/claim/")
    operator_client.post(f"/alerts/{alert.pk}/outcome/", {"outcome": "absent"})
    run()

    entry = TimelineEntry.objects.filter(person=three_services.yamada, kind="task_opened").last()
    assert entry is not None and "訪問・警察への連絡など次の対応を決めてください" in entry.text
    task = Task.objects.get(person=three_services.yamada, state="open")
    assert task.reason == "訪問・警察への連絡など次の対応を決めてください"


def test_the_step_descriptions_read_in_japanese_as_they_always_did():
    from django.utils import translation

    from anpi.engine import registry

    with translation.override("ja"):
        described = {name: str(action.label) for name, action in registry.actions.items()}

    assert described["decide_task"] == "スタッフが次の対応を決める"
    assert described["call_task"] == "スタッフが本人に電話"
    assert described["alert_group"] == "グループに知らせる（メンバーが確認に行く）"
    assert described["alert_team"] == "見守りチームに知らせる（見守る人が訪問）"
    assert described["last_notice"] == "連絡先に知らせる前の最終メッセージ"
