"""The tenant admin's LINE page (/settings/line/): connect the official account from
the page alone, against the simulator, with each step's result in Japanese.

LINE reaches anpi through the live server: the webhook test is a real signed
POST from the simulator to anpi's webhook, as it is from LINE in production.
"""

from __future__ import annotations

import pytest

from anpi.tenants.models import AuditEntry, LineChannel

SECRET = "0123456789abcdef0123456789abcdef"
TOKEN = "long-lived-token-of-the-account"


@pytest.fixture
def line_account(sim, live_server, settings, transactional_db):
    """A LINE official account on the simulator, not yet connected to anpi."""
    settings.BASE_URL = live_server.url
    settings.ANPI_LINE_API_HOST = sim.url
    return sim.control.add_channel(
        SECRET, TOKEN, display_name="みまもりNPO公式", basic_id="@123abcde"
    )


def connect(client, user, secret=SECRET, token=TOKEN, **headers):
    client.force_login(user)
    return client.post(
        "/settings/line/", {"channel_secret": secret, "access_token": token}, **headers
    )


def steps(page) -> dict[str, tuple[bool, str]]:
    return {s.key: (s.ok, s.message) for s in page.context["outcome"].steps}


@pytest.mark.parametrize("kind", ["npo", "municipal"])
def test_a_tenant_admin_connects_the_account_and_every_step_succeeds(
    client, tenant, tenant_admin, line_account, sim, live_server, kind
):
    tenant.kind = kind
    tenant.save(update_fields=["kind"])
    page = connect(client, tenant_admin)

    assert page.status_code == 200
    assert [k for k, (ok, _) in steps(page).items() if ok] == [
        "token",
        "webhook_url",
        "webhook_test",
        "webhook_active",
        "rich_menu",
    ]
    body = page.content.decode()
    assert "アクセストークンを確認しました：みまもりNPO公式（@123abcde）" in body
    assert "LINE から anpi に届き、署名も正しいことを確認しました" in body
    channel = LineChannel.objects.get(tenant=tenant)
    assert channel.bot_user_id == line_account["botUserId"]
    assert (channel.basic_id, channel.name) == ("@123abcde", "みまもりNPO公式")
    assert channel.api_host == sim.url
    assert channel.channel_secret == SECRET and SECRET not in channel.secret_encrypted
    assert channel.access_token == TOKEN and TOKEN not in channel.token_encrypted
    assert channel.webhook_verified_at is not None
    [on_sim] = sim.control.channels()
    assert on_sim["webhookUrl"] == live_server.url + channel.webhook_path()
    assert SECRET not in body and TOKEN not in body
    actions = list(AuditEntry.objects.filter(tenant=tenant).values_list("action", flat=True))
    assert actions == ["channel.create", "channel.webhook_test", "richmenu.create"]
    # Whoever adds the account sees the 「げんきです」 menu under the chat.
    user = sim.control.add_user("はなこ")
    sim.control.follow(user, channel.bot_user_id)
    shown = sim.control.rich_menu(user)
    assert shown["linked"] == "default"
    assert shown["richMenu"]["richMenuId"] == LineChannel.objects.get(tenant=tenant).rich_menu_id


def test_the_page_shows_the_add_friend_link_and_its_qr_code(client, tenant_admin, line_account):
    connect(client, tenant_admin)
    page = client.get("/settings/line/").content.decode()
    assert 'href="https://line.me/R/ti/p/@123abcde"' in page
    assert "<svg" in page
    qr = client.get("/settings/line/friend-qr.svg")
    assert qr["Content-Type"] == "image/svg+xml" and qr.content.startswith(b"<svg")


def test_a_wrong_access_token_is_named_and_nothing_is_saved(client, tenant, tenant_admin, line_account):
    page = connect(client, tenant_admin, token="not-the-token")
    assert steps(page) == {"token": (False, "アクセストークンが正しくありません。")}
    assert not LineChannel.objects.filter(tenant=tenant).exists()


def test_a_wrong_channel_secret_is_named_by_lines_webhook_test(
    client, tenant, tenant_admin, line_account
):
    page = connect(client, tenant_admin, secret="f" * 32)
    ok, message = steps(page)["webhook_test"]
    assert not ok and message == "チャネルシークレットが正しくありません。"
    channel = LineChannel.objects.get(tenant=tenant)
    assert channel.webhook_verified_at is None
    assert "channel.webhook_test" in AuditEntry.objects.values_list("action", flat=True)


def test_a_wrong_new_secret_gives_way_to_the_previous_one(client, tenant, tenant_admin, line_account):
    connect(client, tenant_admin)
    page = connect(client, tenant_admin, secret="f" * 32, token="")
    ok, message = steps(page)["webhook_test"]
    assert not ok and "以前のチャネルシークレットをそのまま使います" in message
    assert LineChannel.objects.get(tenant=tenant).channel_secret == SECRET
    assert AuditEntry.objects.filter(action="channel.secret_restored").count() == 1


def test_a_connected_account_is_checked_again_with_the_stored_credentials(
    client, tenant_admin, line_account
):
    connect(client, tenant_admin)
    page = connect(client, tenant_admin, secret="", token="")
    assert all(ok for ok, _ in steps(page).values())


def test_the_first_connection_needs_both_values(client, tenant, tenant_admin, line_account):
    client.force_login(tenant_admin)
    page = client.post("/settings/line/", {"channel_secret": SECRET, "access_token": ""})
    assert "入力してください。" in page.content.decode()
    assert not LineChannel.objects.filter(tenant=tenant).exists()


def test_use_webhook_switched_off_in_the_console_is_pointed_out(
    client, tenant_admin, line_account, sim
):
    assert connect(client, tenant_admin).status_code == 200  # all well, verified
    sim.control.update_channel(line_account["botUserId"], webhook_active=False)
    page = connect(client, tenant_admin)
    ok, message = steps(page)["webhook_active"]
    assert not ok and "「Webhookの利用」をオンにして" in message
    # The status above the results no longer says the webhook works.
    assert LineChannel.objects.get().webhook_verified_at is None
    status = page.content.decode().split('id="webhook-state">')[1].split("</dd>")[0]
    assert "確認済み" not in status


def test_a_token_of_another_account_is_refused_once_people_use_this_one(
    client, tenant, tenant_admin, line_account, sim
):
    from anpi.people.models import Person

    connect(client, tenant_admin)
    channel = LineChannel.objects.get(tenant=tenant)
    Person.objects.create(tenant=tenant, channel=channel, line_user_id="U" + "1" * 32)
    sim.control.add_channel("other-secret", "other-token", basic_id="@999zzzzz")
    page = connect(client, tenant_admin, secret="other-secret", token="other-token")
    ok, message = steps(page)["save"]
    assert not ok and "@999zzzzz" in message
    channel.refresh_from_db()
    assert channel.bot_user_id == line_account["botUserId"]


def test_the_results_are_in_english_for_an_english_browser(client, tenant_admin, line_account):
    page = connect(client, tenant_admin, token="wrong", HTTP_ACCEPT_LANGUAGE="en")
    assert "The access token is not correct." in page.content.decode()


def test_a_follow_after_connecting_reaches_anpi_and_gets_the_greeting(
    client, tenant_admin, line_account, sim, clock
):
    from anpi.engine.worker import run_until_idle

    connect(client, tenant_admin)
    user = sim.control.add_user("山田花子")
    assert sim.control.follow(user, line_account["botUserId"])["webhook"]["status"] == 200
    run_until_idle(clock)
    texts = [m.get("text") or m.get("altText") for m in sim.control.messages(user)]
    assert "せっていを してください" in texts


def test_an_operator_cannot_open_the_line_page(client, operator):
    client.force_login(operator)
    assert client.get("/settings/line/").status_code == 403


def test_the_old_municipal_channel_page_leads_to_the_line_page(client, tenant_admin):
    client.force_login(tenant_admin)
    assert client.get("/m/channel/")["Location"] == "/settings/line/"
