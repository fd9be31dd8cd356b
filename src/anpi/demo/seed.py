"""Demo data: a tenant wired to the simulator, a staff login, and people at
different stages of the ladder (answered, waiting, on the call queue, registering).

Seeding runs the real engine under a FixedClock that starts 28 hours ago and
moves forward to now, so every row, message and timeline entry is genuine.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.db import transaction

from anpi.engine.clock import FixedClock, set_clock
from anpi.engine.plan import following_occurrence
from anpi.engine.worker import run_until_idle
from anpi.individual.richmenu import RichMenuError, do_setup_rich_menu
from anpi.people.models import Contact, Person
from anpi.tenants.actors import Actor
from anpi.tenants.models import LineChannel, Membership, Tenant

# The demo login's TOTP key: fixed so that the banner and `anpi demo-otp` can
# print it. Demo only: it is written nowhere else, and `anpi demo-otp` refuses
# to run outside the demo (settings.ANPI_DEMO).
log = logging.getLogger(__name__)

DEMO_TOTP_KEY_HEX = b"anpi-demo-only-totp!".hex()


@dataclass
class DemoInfo:
    tenant: Tenant
    channel: LineChannel
    username: str
    password: str
    totp_secret: str = ""


def enrol_demo_totp(user: User) -> str:
    """Pre-enrol the demo login's TOTP device with the fixed demo key; returns
    the base32 secret (what an authenticator app wants)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from anpi.tenants.twofactor import base32_secret

    device, _ = TOTPDevice.objects.update_or_create(
        user=user, name="demo", defaults={"key": DEMO_TOTP_KEY_HEX, "confirmed": True}
    )
    return base32_secret(device)


def wire_channel(
    control, tenant: Tenant, web_url: str, sim_url: str, name: str, basic_id: str = ""
) -> LineChannel:
    """A new LINE channel of ``tenant`` on the simulator, its webhook pointing at ``web_url``."""
    channel = LineChannel(tenant=tenant, name=name, api_host=sim_url, basic_id=basic_id)
    channel.channel_secret = secrets.token_hex(16)
    channel.access_token = secrets.token_urlsafe(32)
    channel.save()
    created = control.add_channel(
        channel.channel_secret,
        channel.access_token,
        webhook_url=web_url + channel.webhook_path(),
        display_name=name,
        basic_id=basic_id or None,
    )
    channel.bot_user_id = created["botUserId"]
    channel.save(update_fields=["bot_user_id"])
    verify_webhook(channel, web_url + channel.webhook_path())
    return channel


def verify_webhook(channel: LineChannel, url: str) -> None:
    """Run LINE's webhook test against the running demo, as a tenant admin does
    on the LINE settings page, and keep its outcome: the page then says when
    the webhook was verified instead of 「未確認」. The test really goes through
    the simulator to anpi's webhook, so a demo whose web server does not answer
    stays unverified (and says so)."""
    from django.utils import timezone

    from anpi.channels.line import account
    from anpi.tenants.channel_setup import do_record_webhook_test

    try:
        result = account.test_webhook(channel.api_host, channel.access_token, url)
    except account.AccountError as error:
        log.warning("the demo's webhook test did not run: %s", error)
        return
    do_record_webhook_test(
        channel,
        url,
        success=result.success,
        status_code=result.status_code,
        reason=result.reason,
        actor=Actor.system("demo"),
        at=timezone.now(),
    )


def _register(person: Person, nickname: str, at: datetime, now: datetime, phone: str) -> Person:
    from zoneinfo import ZoneInfo

    local = at.astimezone(ZoneInfo(person.tenant.timezone))
    person.nickname = nickname
    person.phone = phone
    person.check_time = local.time().replace(second=0, microsecond=0)
    person.schedule_anchor = local.date()
    person.status = Person.Status.ACTIVE
    person.consent_at = now
    person.next_check_at = following_occurrence(person, now)
    person.save()
    return person


def seed_demo(control, web_url: str, sim_url: str, now: datetime) -> DemoInfo:
    """Create the demo tenant and walk its people through 28 hours of engine time."""
    from zoneinfo import ZoneInfo

    jst = ZoneInfo("Asia/Tokyo")
    with transaction.atomic():
        tenant = Tenant.objects.create(
            name="みまもりNPO（デモ）",
            slug="demo",
            staff_email="staff@demo.invalid",
            phone="03-1234-5678",  # every alert to contacts gives it (a made-up number)
        )
        password = secrets.token_urlsafe(9)
        user = User.objects.create_user("demo", password=password, first_name="デモ担当")
        Membership.objects.create(tenant=tenant, user=user, role="admin")
        totp_secret = enrol_demo_totp(user)
    channel = wire_channel(control, tenant, web_url, sim_url, "みまもりNPO公式", basic_id="@anpi-npo")
    # The 「げんきです」 button under the chat: tap it in the morning, no check at nine.
    try:
        do_setup_rich_menu(channel, Actor.system("demo"), now)
    except RichMenuError as error:  # e.g. no Japanese font: the demo runs without it
        log.warning("the demo has no rich menu: %s", error)

    clock = FixedClock(now - timedelta(hours=28, minutes=5))
    previous = set_clock(clock)
    try:

        def work() -> None:
            run_until_idle(clock)

        def friend(name: str) -> Person:
            user_id = control.add_user(name)
            control.follow(user_id, channel.bot_user_id)
            work()
            return Person.objects.get(channel=channel, line_user_id=user_id)

        ume = friend("松田うめ")
        _register(
            ume, "うめ", (now - timedelta(hours=28)).astimezone(jst), clock.now(), "+819011112222"
        )
        Contact.objects.create(
            tenant=tenant,
            person=ume,
            name="松田一郎",
            relation="長男",
            email="ichiro@example.jp",
            phone="+819033334444",
            confirmed_at=clock.now(),
        )
        clock.set(now - timedelta(hours=28) + timedelta(seconds=1))
        work()  # うめさん's check goes out; she will not answer
        clock.set(now - timedelta(hours=3))
        work()
        sakura = friend("佐藤さくら")
        _register(
            sakura,
            "さくら",
            (now - timedelta(hours=2)).astimezone(jst),
            clock.now(),
            "+819055556666",
        )
        takeshi = friend("田中たけし")
        _register(
            takeshi,
            "たけし",
            (now - timedelta(hours=1)).astimezone(jst),
            clock.now(),
            "+819077778888",
        )
        clock.set(now - timedelta(hours=2) + timedelta(seconds=1))
        work()
        control.tap(sakura.line_user_id, "げんきです")  # さくらさん answers at once
        work()
        clock.set(now - timedelta(hours=1) + timedelta(seconds=1))
        work()  # たけしさん's check goes out; うめさん is now on the call queue
        clock.set(now)
        work()
        friend("鈴木じろう")  # followed, has not finished the settings yet
    finally:
        set_clock(previous)
    return DemoInfo(
        tenant=tenant,
        channel=channel,
        username="demo",
        password=password,
        totp_secret=totp_secret,
    )
