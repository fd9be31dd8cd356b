"""The tenant admin's settings page (/settings/): the phone number every alert to
contacts gives, the staff e-mail, the LINE plan the cost guard counts against,
and how long personal data is kept — Japanese errors, nothing half saved, every
change audited."""

from __future__ import annotations

from anpi.engine.contacts import alert_text
from anpi.engine.models import Check
from anpi.tenants.models import AuditEntry, Tenant


def valid(**changes):
    data = {
        "name": "みまもりNPO",
        "phone": "03-1234-5678",
        "staff_email": "staff@mimamori.example",
        "line_plan": "light",
        "line_monthly_limit": "",
        "identical_at_percent": "80",
        "menu_hint_days": "90",
        "erase_after_days": "90",
        "inbox_keep_days": "30",
    }
    data.update(changes)
    return data


def test_an_admin_sets_the_phone_that_every_contact_alert_gives(
    client, tenant_admin, tenant, make_person, clock
):
    client.force_login(tenant_admin)
    response = client.post("/settings/", valid(phone="０３（１２３４）５６７８"), follow=True)
    assert "保存しました" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.phone == "03-1234-5678"
    assert tenant.line_plan == "light" and tenant.staff_email == "staff@mimamori.example"

    person = make_person(
        contacts=[{"name": "たろう", "relation": "むすこ", "email": "t@example.jp"}]
    )
    check = Check.objects.create(
        tenant=tenant, person=person, due_at=clock.now(), policy=[], created_at=clock.now()
    )
    assert "みまもりNPOの電話: 03-1234-5678" in alert_text(check, person.contacts.get())


def test_the_change_is_audited_with_old_and_new_values(client, tenant_admin, tenant):
    client.force_login(tenant_admin)
    client.post("/settings/", valid(erase_after_days="60"))
    entry = AuditEntry.objects.get(action="tenant.settings")
    assert entry.detail["changes"]["erase_after_days"] == [90, 60]
    assert entry.detail["changes"]["phone"] == ["", "03-1234-5678"]


def test_a_wrong_phone_is_refused_in_japanese_and_nothing_is_saved(client, tenant_admin, tenant):
    client.force_login(tenant_admin)
    response = client.post("/settings/", valid(phone="12345", erase_after_days="60"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "電話番号は 03-1234-5678 のように入力してください" in html
    assert "まだ何も保存していません" in html
    assert Tenant.objects.get(pk=tenant.pk).erase_after_days == 90
    assert not AuditEntry.objects.filter(action="tenant.settings").exists()


def test_retention_days_out_of_range_are_refused(client, tenant_admin, tenant):
    client.force_login(tenant_admin)
    html = client.post("/settings/", valid(erase_after_days="3")).content.decode()
    assert "日数は 7〜3650 の範囲で入力してください" in html
    assert Tenant.objects.get(pk=tenant.pk).erase_after_days == 90


def test_a_custom_plan_needs_its_limit(client, tenant_admin, tenant):
    client.force_login(tenant_admin)
    html = client.post("/settings/", valid(line_plan="custom")).content.decode()
    assert "独自プランのときは月間上限を入力してください" in html
    client.post("/settings/", valid(line_plan="custom", line_monthly_limit="12000"))
    tenant.refresh_from_db()
    assert (tenant.line_plan, tenant.line_monthly_limit) == ("custom", 12000)


def test_operators_cannot_change_the_settings(client, operator, tenant):
    client.force_login(operator)
    assert client.post("/settings/", valid(phone="03-9999-9999")).status_code == 403
    assert Tenant.objects.get(pk=tenant.pk).phone == ""


def test_an_admin_sets_the_cost_guards_measures_and_a_bad_percentage_saves_nothing(
    client, tenant_admin, tenant
):
    client.force_login(tenant_admin)
    refused = client.post("/settings/", valid(identical_at_percent="120", menu_hint_days="30"))
    assert "0〜100 の範囲で入力してください" in refused.content.decode()
    tenant.refresh_from_db()
    assert (tenant.identical_at_percent, tenant.menu_hint_days) == (80, 90)  # the defaults
    client.post("/settings/", valid(identical_at_percent="0", menu_hint_days="30"))
    tenant.refresh_from_db()
    assert (tenant.identical_at_percent, tenant.menu_hint_days) == (0, 30)
    entry = AuditEntry.objects.filter(action="tenant.settings").latest("id")
    assert entry.detail["changes"]["identical_at_percent"] == [80, 0]


def test_the_audit_page_names_the_change_in_japanese(client, tenant_admin, tenant):
    client.force_login(tenant_admin)
    client.post("/settings/", valid(phone="03-1234-5678"))
    html = client.get("/audit/").content.decode()
    assert "団体の設定を変えた" in html
