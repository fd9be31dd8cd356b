"""The people list: search by name, reading and phone, filters, sort and pages
that keep them, at a fixed number of queries however many people match."""

from __future__ import annotations

import re
from datetime import time

import pytest

from anpi.engine.answer import answer_ok
from anpi.people.models import Person

pytestmark = pytest.mark.django_db


def names(page: str) -> list[str]:
    """The persons listed on a people-list page, in order."""
    return re.findall(r'<th scope="row"><a href="/people/\d+/">([^<]+)</a>', page)


def listed(client, **params) -> list[str]:
    response = client.get("/people/", params)
    assert response.status_code == 200
    return names(response.content.decode())


@pytest.fixture
def roster(make_person):
    """Three persons as a city's roster lists them (氏名 and フリガナ)."""
    return {
        "hanako": make_person(
            "はなちゃん", full_name="山田 花子", name_kana="ヤマダ ハナコ", display_name="hana🌸"
        ),
        "taro": make_person(
            "たろさん", full_name="鈴木 太郎", name_kana="スズキ タロウ", phone="+819011112222"
        ),
        "kazuko": make_person("かずこ", full_name="佐藤 和子", name_kana="サトウ カズコ"),
    }


def test_a_reading_typed_in_hiragana_finds_the_katakana_name(operator_client, roster):
    assert listed(operator_client, q="やまだ") == ["はなちゃん"]
    assert listed(operator_client, q="すずき たろう") == ["たろさん"]


def test_a_reading_typed_in_half_width_katakana_finds_the_person(operator_client, roster):
    assert listed(operator_client, q="ｻﾄｳ") == ["かずこ"]


def test_the_full_name_the_nickname_and_the_line_name_find_the_person(operator_client, roster):
    assert listed(operator_client, q="鈴木") == ["たろさん"]
    assert listed(operator_client, q="はなちゃん") == ["はなちゃん"]
    assert listed(operator_client, q="hana🌸") == ["はなちゃん"]


def test_a_phone_number_typed_in_full_width_finds_the_person(operator_client, roster):
    assert listed(operator_client, q="０９０－１１１１－２２２２") == ["たろさん"]
    assert listed(operator_client, q="+81 90 1111 2222") == ["たろさん"]


def test_part_of_a_phone_number_finds_nobody(operator_client, roster):
    # Numbers are encrypted: only the whole number can be matched.
    assert listed(operator_client, q="1111-2222") == []


def test_the_roster_name_and_reading_are_shown_under_the_nickname(operator_client, roster):
    page = operator_client.get("/people/").content.decode()
    assert "山田 花子（ヤマダ ハナコ）" in page


def test_the_team_filter_lists_the_teams_people_only(operator_client, roster, tenant, clock):
    from anpi.groups.models import Team, TeamPerson

    team = Team.objects.create(tenant=tenant, name="北地区")
    Team.objects.create(tenant=tenant, name="南地区")
    TeamPerson.objects.create(
        tenant=tenant, team=team, person=roster["kazuko"], joined_at=clock.now()
    )
    page = operator_client.get("/people/").content.decode()
    assert "北地区" in page and "南地区" in page  # the filter's choices
    assert listed(operator_client, team=team.pk) == ["かずこ"]


def test_a_team_of_another_tenant_is_ignored_and_the_search_still_applies(
    operator_client, roster, other_tenant
):
    from anpi.groups.models import Team

    elsewhere = Team.objects.create(tenant=other_tenant, name="よその班")
    page = operator_client.get("/people/", {"team": elsewhere.pk}).content.decode()
    assert "よその班" not in page
    assert sorted(names(page)) == sorted(["はなちゃん", "たろさん", "かずこ"])  # not applied
    page = operator_client.get("/people/", {"team": elsewhere.pk, "q": "すずき"}).content.decode()
    assert names(page) == ["たろさん"]


def test_the_schedule_filter(operator_client, make_person):
    make_person("毎日さん")
    make_person("三日さん", interval_days=3)
    make_person("曜日さん", schedule_kind="weekdays", weekdays="0,3", check_time=time(18, 0))
    make_person("未設定さん", status=Person.Status.REGISTERING, check_time=None)
    assert listed(operator_client, schedule="daily") == ["毎日さん"]
    assert listed(operator_client, schedule="interval") == ["三日さん"]
    assert listed(operator_client, schedule="weekdays") == ["曜日さん"]
    assert listed(operator_client, schedule="none") == ["未設定さん"]


@pytest.fixture
def answer_histories(make_person, clock, run):
    """あ answered 3 days ago, い answered today, う never answered."""
    earlier = make_person("あ前に答えた")
    today = make_person("い今日答えた")
    make_person("う答えたことがない")
    clock.advance(hours=1)
    run()  # 12/1 09:00 JST: every check goes out
    answer_ok(earlier, clock)
    clock.advance(days=3)
    run()
    answer_ok(today, clock)


def test_the_last_answer_filter_finds_today_three_days_ago_and_never(
    operator_client, answer_histories
):
    assert listed(operator_client, answered="today") == ["い今日答えた"]
    assert listed(operator_client, answered="stale") == ["あ前に答えた"]
    assert listed(operator_client, answered="never") == ["う答えたことがない"]


def test_sorting_by_reading_puts_the_roster_in_kana_order(operator_client, roster):
    assert listed(operator_client, sort="kana") == ["かずこ", "たろさん", "はなちゃん"]


def test_sorting_by_last_answer_puts_the_longest_silent_first(operator_client, answer_histories):
    assert listed(operator_client, sort="last_answer") == [
        "う答えたことがない",
        "あ前に答えた",
        "い今日答えた",
    ]


def test_sorting_by_state_puts_people_who_need_a_call_first(
    operator_client, make_person, reach_call_step
):
    make_person("あさん")
    make_person("いさん", status=Person.Status.STOPPED)
    reach_call_step()  # あさん did not answer: a call task is open
    make_person("ぁ新人")  # sorts first by name
    assert listed(operator_client) == ["ぁ新人", "あさん", "いさん"]
    # Red (call), then grey (not checked), then new.
    assert listed(operator_client, sort="state") == ["あさん", "いさん", "ぁ新人"]


def test_the_pager_keeps_the_search_filters_and_sort(operator_client, make_person, monkeypatch):
    monkeypatch.setattr("anpi.dashboard.views.people.PEOPLE_PER_PAGE", 2)
    for n in range(5):
        make_person(f"山{n}", name_kana=f"ヤマ {n}")
    make_person("川さん", name_kana="カワ")
    page = operator_client.get("/people/", {"q": "やま", "sort": "kana"}).content.decode()
    assert names(page) == ["山0", "山1"]
    assert 'href="?q=%E3%82%84%E3%81%BE&amp;sort=kana&amp;page=2"' in page
    second = operator_client.get("/people/", {"q": "やま", "sort": "kana", "page": 2})
    assert names(second.content.decode()) == ["山2", "山3"]
    last = operator_client.get("/people/", {"q": "やま", "sort": "kana", "page": 3})
    assert names(last.content.decode()) == ["山4"]  # 川さん never shows up


# The request's fixed costs (session, user, second factor, membership, the
# teams filter, the health banner's two, watchers, the audit row, the session's
# save in a savepoint: 12) plus the list's two: the count and the page.
LIST_QUERIES = 14


@pytest.mark.parametrize(
    ("params", "shown"),
    [
        ({}, 50),
        ({"q": "やま", "sort": "kana"}, 50),
        ({"light": "yellow", "answered": "never", "sort": "state"}, 3),
    ],
)
def test_a_page_costs_the_same_few_queries_for_3_or_60_people(
    operator_client, make_person, clock, run, django_assert_max_num_queries, params, shown
):
    for n in range(3):
        make_person(f"山{n}", name_kana=f"ヤマ {n}")
    clock.advance(hours=1)
    run()  # the first three were asked and have not answered (yellow)
    with django_assert_max_num_queries(LIST_QUERIES):
        small = operator_client.get("/people/", params)
    for n in range(3, 60):
        make_person(f"山{n}", name_kana=f"ヤマ {n}")
    with django_assert_max_num_queries(LIST_QUERIES):
        big = operator_client.get("/people/", params)
    assert len(names(small.content.decode())) == 3
    assert len(names(big.content.decode())) == shown
