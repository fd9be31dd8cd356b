"""One open alert per member, as one incident per person (issue 11, item 4):
a member silent for days is named once, stays one line, and 無事 closes it all."""

from anpi.engine.models import Check, Outbox
from anpi.groups.models import Alert


def test_a_member_silent_for_4_days_has_one_alert_and_one_incident(peers, clock):
    clock.advance(hours=1)  # the first 09:00 check
    peers.work()
    for _day in range(4):
        peers.tap("山田", "げんきです")
        peers.tap("佐藤", "げんきです")
        clock.advance(hours=24)
        peers.work()
    suzuki = peers.person("鈴木")
    assert Alert.objects.filter(person=suzuki).count() == 1
    assert Check.objects.filter(person=suzuki, state="open").count() == 1
    assert Check.objects.filter(person=suzuki, close_reason="merged").count() == 4
    assert peers.texts().count("鈴木さんから へんじが ありません") == 2  # named, then once again
    assert Alert.objects.filter(person__in=[peers.person("山田"), peers.person("佐藤")]).count() == 0


def test_safe_closes_the_members_incident_and_its_one_alert(peers, clock):
    clock.advance(hours=1)
    peers.work()
    clock.advance(hours=72)
    peers.work()
    peers.tap("山田", "確認します")
    peers.tap("山田", "ぶじでした")
    suzuki = peers.person("鈴木")
    assert not Check.objects.filter(person=suzuki, state="open").exists()
    assert Alert.objects.get(person=suzuki).state == "resolved"
    assert peers.texts()[-1] == "鈴木さん: ぶじでした。\nありがとうございました。"


def test_a_member_who_answers_after_the_alert_is_announced_once_in_the_group(peers, clock):
    clock.advance(hours=1)
    peers.work()
    clock.advance(hours=23)
    peers.work()
    peers.tap("鈴木", "げんきです")
    alert = Alert.objects.get(person=peers.person("鈴木"))
    assert (alert.state, alert.close_reason) == ("closed", "ok")
    assert peers.texts()[-1] == "鈴木さんから へんじが ありました。あんしんしました。"
    # Answered in the alerted group itself: the reply says it, no extra push.
    assert not Outbox.objects.filter(purpose="all_clear").exists()


def test_the_hospital_button_is_never_the_green_of_safe(peers, clock):
    clock.advance(hours=1)
    peers.work()
    peers.tap("山田", "げんきです")
    clock.advance(hours=23)
    peers.work()
    peers.tap("山田", "確認します")
    buttons = peers.shown()[-1]["raw"]["contents"]["footer"]["contents"]
    colors = {b["action"]["label"]: b["color"] for b in buttons}
    assert colors["びょういんへ はこばれた"] == "#C92A2A"
    assert colors["ぶじでした"] != colors["びょういんへ はこばれた"]
