"""The demo seeds people at every stage, through the real engine and simulator."""

from datetime import UTC, datetime

from django.contrib.auth import authenticate
from django.test import RequestFactory

from anpi.demo.seed import seed_demo
from anpi.engine.models import Task
from anpi.people.models import Person


def test_the_demo_seeds_people_at_different_stages(sim, live_server, transactional_db):
    info = seed_demo(sim.control, live_server.url, sim.url, datetime.now(UTC))
    people = {p.nickname or p.display_name: p for p in Person.objects.filter(tenant=info.tenant)}
    assert people["さくら"].checks.get().state == "answered"
    assert people["たけし"].checks.get().state == "open"
    assert Task.objects.filter(person=people["うめ"], kind="call_person", state="open").exists()
    assert people["鈴木じろう"].status == "registering"
    request = RequestFactory().post("/login/")
    assert authenticate(request, username=info.username, password=info.password) is not None
    # さくらさん saw her check and the thank-you in the phone simulator.
    texts = [
        m.get("text") or m.get("altText")
        for m in sim.control.messages(people["さくら"].line_user_id)
    ]
    assert texts[-2:] == ["さくらさん、げんきですか？", "ありがとうございます。あんしんしました。"]
    # Everyone in the demo sees the 「げんきです」 rich menu under the chat.
    info.channel.refresh_from_db()
    shown = sim.control.rich_menu(people["さくら"].line_user_id)
    assert shown["richMenu"]["richMenuId"] == info.channel.rich_menu_id != ""
    assert shown["linked"] == "default" and shown["imageUrl"]


def test_the_demos_line_page_says_the_webhook_was_verified(sim, live_server, transactional_db):
    from anpi.tenants.models import AuditEntry

    info = seed_demo(sim.control, live_server.url, sim.url, datetime.now(UTC))
    info.channel.refresh_from_db()
    assert info.channel.webhook_verified_at is not None
    tested = AuditEntry.objects.get(tenant=info.tenant, action="channel.webhook_test")
    assert tested.detail["success"] is True
