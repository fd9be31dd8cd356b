"""A watcher who joins a team through an invite gets a watcher's welcome, never
the watched person's, and staff list them apart from 利用者 (issue 11, item 5)."""

from tests.conftest import totp_device  # noqa: F401 - persona helpers live there

from anpi.tenants.models import Membership


def test_a_watcher_joining_a_team_gets_a_watchers_welcome_only(city):
    user = city.join("伊藤", "watcher")
    texts = city.texts(user)
    assert texts == [
        "ともだち ついか ありがとうございます。\n「しょうたい コード」（8もじ）を この トークに おくってください。",
        "「中町チーム」の見守る人として登録しました。見守り対象の方から応答がないとき、ここでお知らせします。",
    ]
    assert not any("げんきですか" in t or "せってい" in t for t in texts)


def test_a_watched_person_gets_the_watched_welcome_with_the_time_they_are_asked(city, clock):
    user = city.join("山本はな", "watched")
    assert city.texts(user)[-1].startswith("「中町チーム」の みまもりに はいりました。\nまいにち 9:00")
    clock.advance(hours=1)  # 09:00: asked at the time told
    city.work()
    assert city.texts(user)[-1] == "山本はなさん、げんきですか？"


def test_watchers_are_listed_apart_from_watched_persons(city, client):
    from django.contrib.auth.models import User

    city.join("山本はな", "watched")
    staff = User.objects.create_user("city-operator")
    Membership.objects.create(tenant=city.team.tenant, user=staff, role="operator")
    client.force_login(staff)
    page = client.get("/people/").content.decode()
    people, _, watchers = page.partition("見守る人（利用者ではありません）")
    assert "山本はな" in people
    assert "佐藤" not in people and "高橋" not in people
    assert "佐藤 — 中町チーム" in watchers and "高橋 — 中町チーム" in watchers


def test_someone_whose_line_is_in_english_is_asked_for_the_invite_code_in_english(city, clock):
    user = city.line.new_user("Anna Smith", language="en")
    assert city.texts(user) == [
        "Thank you for adding us as a friend.\n"
        "Please send your invite code (8 characters) in this chat."
    ]
    city.control.text(user, "ABCDEFGH", channel_id=city.line.channel.bot_user_id)
    city.work()
    assert city.texts(user)[-1] == "This code cannot be used. Please check it again."
    code = city.invite("watched", "Anna").code
    city.control.text(user, code, channel_id=city.line.channel.bot_user_id)
    city.work()
    assert city.texts(user)[-1] == (
        'You have joined the watch-over of "中町チーム".\n'
        "every day 9:00\n"
        'To change it, send "settings".'
    )
    clock.advance(hours=1)  # 09:00: the check speaks the person's language
    city.work()
    assert city.texts(user)[-1] == "Anna, are you well?"


def test_a_watcher_whose_line_is_in_vietnamese_is_welcomed_in_vietnamese(city):
    user = city.line.new_user("Nguyen", language="vi")
    code = city.invite("watcher", "Nguyen").code
    city.control.text(user, code, channel_id=city.line.channel.bot_user_id)
    city.work()
    assert city.texts(user)[-1].startswith(
        'Bạn đã được đăng ký làm người trông nom của "中町チーム".'
    )
