"""A tenant whose check message is the same for everyone sends it by multicast."""

from anpi.engine.models import Check, EscalationPolicy
from anpi.individual.policy import INDIVIDUAL_DEFAULT


def test_identical_checks_reach_every_phone_by_one_multicast_and_ok_answers(line, clock):
    steps = [dict(step) for step in INDIVIDUAL_DEFAULT]
    steps[0] = {"after": 0, "action": "send_check", "params": {"message": "identical"}}
    EscalationPolicy.objects.create(
        tenant=line.channel.tenant, name="same for all", steps=steps, is_default=True
    )
    users = [line.new_user(name) for name in ("山田花子", "佐藤一郎", "鈴木次郎")]
    for i, user in enumerate(users):
        line.register(user, f"p{i}")
    line.control.clear_requests()
    clock.advance(hours=1)  # 09:00
    line.work()
    calls = [r for r in line.control.requests() if "/v2/bot/message/" in r.get("path", "")]
    assert [r["path"] for r in calls] == ["/v2/bot/message/multicast"]
    for user in users:
        assert line.texts(user)[-1] == "げんきですか？"
    line.control.tap(users[1], "げんきです")
    line.work()
    states = {c.person.line_user_id: c.state for c in Check.objects.select_related("person")}
    assert states[users[1]] == "answered"
    assert states[users[0]] == states[users[2]] == "open"
