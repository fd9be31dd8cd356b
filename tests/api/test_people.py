"""/api/people: tenant scoping, paging, staff enrolment, schedules by the page's rules."""

from __future__ import annotations

import pytest

from anpi.engine.models import TimelineEntry
from anpi.people.models import Person
from anpi.tenants.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_a_token_of_another_tenant_cannot_see_the_tenants_person(stranger_api, make_person):
    person = make_person("はなこ")
    response = stranger_api.get(f"/api/people/{person.pk}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "はなこ" not in stranger_api.get("/api/people").content.decode()


def test_a_token_cannot_change_another_tenants_schedule(stranger_api, make_person):
    person = make_person()
    body = {"kind": "interval", "interval_days": 2, "check_time": "10:00"}
    assert stranger_api.put(f"/api/people/{person.pk}/schedule", body).status_code == 404
    person.refresh_from_db()
    assert person.interval_days == 1


def test_people_are_listed_by_page_and_filtered_by_status(api, make_person):
    for name in ("あ", "い", "う"):
        make_person(name)
    make_person("え", status=Person.Status.BLOCKED)
    first = api.get("/api/people", page_size=2).json()
    assert first["count"] == 4 and [p["nickname"] for p in first["items"]] == ["あ", "い"]
    second = api.get("/api/people", page_size=2, page=2).json()
    assert [p["nickname"] for p in second["items"]] == ["う", "え"]
    blocked = api.get("/api/people", status="blocked").json()
    assert [p["nickname"] for p in blocked["items"]] == ["え"]
    assert api.get("/api/people", status="sleeping").status_code == 422


def test_reading_a_person_is_audited_under_the_tokens_name(api, issued, make_person):
    person = make_person(contacts=[{"name": "次郎", "relation": "息子", "phone": "+819011112222"}])
    body = api.get(f"/api/people/{person.pk}").json()
    assert body["schedule"]["check_time"] == "09:00"
    assert body["contacts"] == [
        {"id": person.contacts.get().pk, "name": "次郎", "relation": "息子", "consent": "confirmed"}
    ]
    entry = AuditEntry.objects.get(action="api.person.read")
    assert entry.actor_kind == "api"
    assert entry.actor_label == f"API: 市の基幹システム ({issued.row.prefix})"
    assert entry.object_id == str(person.pk)
    api.get("/api/people")
    assert AuditEntry.objects.get(action="api.people.list").detail["ids"] == [person.pk]


def test_staff_enrol_a_person_without_line_with_the_settings_pages_rules(api, tenant):
    body = {
        "nickname": "ｔａｒｏ",
        "phone": "０９０－１２３４－５６７８",
        "schedule": {"kind": "weekdays", "weekdays": [4, 0], "check_time": "10:30"},
    }
    response = api.post("/api/people", body)
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["id"])
    assert (person.tenant, person.channel, person.line_user_id) == (tenant, None, "")
    assert person.status == Person.Status.REGISTERING and person.next_check_at is None
    assert person.nickname == "taro" and person.phone == "+819012345678"
    assert (person.schedule_kind, person.weekdays) == ("weekdays", "0,4")
    entry = AuditEntry.objects.get(action="person.enrol")
    assert entry.actor_kind == "api" and entry.object_id == str(person.pk)
    assert TimelineEntry.objects.get(person=person, kind="enrolled").data["actor"]["kind"] == "api"


def test_enrolment_refuses_what_the_settings_page_refuses_with_each_field_named(api):
    body = {
        "nickname": "   ",
        "phone": "12",
        "schedule": {"kind": "weekdays", "weekdays": [], "check_time": "23:00"},
    }
    response = api.post("/api/people", body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:anpi:problem:validation"
    fields = {e["field"] for e in problem["errors"]}
    assert fields == {"body.nickname", "body.phone", "body.weekdays", "body.check_time"}
    assert not Person.objects.exists()


def test_a_schedule_change_moves_the_next_check_and_is_told_and_audited(api, make_person, clock):
    from anpi.engine.models import Outbox

    person = make_person()
    body = {"kind": "interval", "interval_days": 3, "check_time": "18:00", "skip_holidays": True}
    response = api.put(f"/api/people/{person.pk}/schedule", body)
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert (person.interval_days, person.skip_holidays) == (3, True)
    assert person.check_time.strftime("%H:%M") == "18:00"
    assert person.next_check_at.isoformat() == "2026-12-01T09:00:00+00:00"  # 18:00 JST today
    assert AuditEntry.objects.get(action="person.schedule").actor_kind == "api"
    assert TimelineEntry.objects.filter(person=person, kind="schedule_changed").exists()
    told = Outbox.objects.get(person=person, purpose="registered")
    assert "スタッフが かくにんの よてい" in told.payload["messages"][0]["text"]


def test_a_schedule_off_the_pages_half_hours_is_refused(api, make_person):
    person = make_person()
    response = api.put(
        f"/api/people/{person.pk}/schedule", {"kind": "interval", "check_time": "09:10"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.check_time"


def test_a_person_without_a_schedule_answers_204(api):
    created = api.post("/api/people", {"nickname": "花子", "phone": "090-1234-5678"}).json()
    assert created["schedule"] is None
    assert api.get(f"/api/people/{created['id']}/schedule").status_code == 204


def test_a_program_posts_with_its_token_and_no_csrf_cookie(issued):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/api/people",
        {"nickname": "はなこ", "phone": "090-1234-5678"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {issued.token}",
    )
    assert response.status_code == 201
