"""安否通知 end to end: a city's own LINE account, a team of watchers and watched,
alerts to the team, one watcher claims, the outcome goes on record."""

from __future__ import annotations

import threading

from anpi.engine.models import Check, Outbox, Task
from anpi.groups.models import Alert, Invite, TeamPerson, TeamWatcher
from anpi.municipal.policy import TEAM_DEFAULT
from anpi.people.models import Person


def _silent_until_the_team_is_alerted(city, clock):
    for hours in (1, 24, 3):  # 09:00 check, +24h re-send, +3h the team
        clock.advance(hours=hours)
        city.work()


def test_a_watched_person_joins_the_team_with_the_invite_code(city, clock):
    user = city.join("山本はな", "watched")
    assert "「中町チーム」の みまもりに はいりました" in city.texts(user)[-1]
    person = Person.objects.get(line_user_id=user)
    assert person.status == "active"
    assert TeamPerson.objects.get(person=person).team == city.team
    clock.advance(hours=1)
    city.work()
    assert city.texts(user)[-1] == "山本はなさん、げんきですか？"
    assert Check.objects.get(person=person).policy == TEAM_DEFAULT  # the team's policy


def test_an_invite_code_works_once(city):
    invite = city.invite("watched")
    first = city.line.new_user("一人目")
    city.control.text(first, f"しょうたい {invite.code}")
    second = city.line.new_user("二人目")
    city.control.text(second, f"しょうたい {invite.code}")
    city.work()
    assert city.texts(second)[-1].startswith("この ばんごうは つかえません")
    assert Invite.objects.get(pk=invite.pk).used_by == first
    assert TeamWatcher.objects.filter(team=city.team).count() == 2


def test_each_watcher_is_alerted_1to1_and_the_second_is_told_who_went(city, clock):
    user = city.join("山本はな", "watched")
    _silent_until_the_team_is_alerted(city, clock)
    sato, takahashi = city.watchers["佐藤"], city.watchers["高橋"]
    for watcher in (sato, takahashi):
        assert city.texts(watcher)[-1] == "山本はなさんから へんじが ありません"
    city.tap(sato, "対応します")
    assert city.texts(sato)[-1] == "佐藤さんが みに いきます"
    assert city.texts(takahashi)[-1] == "山本はなさんの ところへは 佐藤さんが いきます。"
    city.tap(takahashi, "対応します")
    assert city.texts(takahashi)[-1] == "もう 佐藤さんが みに いって います。"
    city.tap(sato, "びょういんへ はこばれた")
    alert = Alert.objects.get()
    assert (alert.claimed_by_name, alert.outcome) == ("佐藤", "hospital")
    task = Task.objects.get(state="open")  # city staff take it from here
    assert task.person.line_user_id == user and task.kind == "decide"


def test_two_watchers_tapping_at_the_same_moment_one_wins(city, clock):
    city.join("山本はな", "watched")
    _silent_until_the_team_is_alerted(city, clock)
    barrier = threading.Barrier(2)

    def tap(user):
        barrier.wait()
        city.control.tap(user, "対応します", channel_id=city.line.channel.bot_user_id)

    threads = [threading.Thread(target=tap, args=(u,)) for u in city.watchers.values()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    city.work()
    alert = Alert.objects.get()
    winner = alert.claimed_by
    loser = next(u for u in city.watchers.values() if u != winner)
    assert city.texts(winner)[-1] == f"{alert.claimed_by_name}さんが みに いきます"
    assert f"{alert.claimed_by_name}さん" in city.texts(loser)[-1]


def test_alerts_go_to_the_teams_line_group_once_linked(city, clock):
    group_id = city.control.create_group(
        "中町見守り", list(city.watchers.values()), channel_id=city.line.channel.bot_user_id
    )
    city.control.invite_bot(group_id)
    city.work()
    city.control.text(city.watchers["佐藤"], city.team.group_code, group_id=group_id)
    city.work()
    assert city.control.group_messages(group_id)[-1]["text"] == (
        "このグループを「中町チーム」の連絡用にしました。"
    )
    city.join("山本はな", "watched")
    _silent_until_the_team_is_alerted(city, clock)
    shown = city.control.group_messages(group_id)
    assert shown[-1]["altText"] == "山本はなさんから へんじが ありません"
    assert Outbox.objects.filter(purpose="alert").count() == 1  # one push to the group
    city.control.tap(city.watchers["高橋"], "対応します", group_id=group_id)
    city.work()
    city.control.tap(city.watchers["佐藤"], "対応します", group_id=group_id)
    city.work()
    texts = [m.get("text") or m.get("altText") for m in city.control.group_messages(group_id)]
    assert texts[-2:] == ["高橋さんが みに いきます", "もう 高橋さんが みに いって います。"]
    city.control.tap(city.watchers["高橋"], "ぶじでした", group_id=group_id)
    city.work()
    assert Alert.objects.get().check_run.state == "resolved"
