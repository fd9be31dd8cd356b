"""Shared fixtures: a fixed clock, persona users and tenants, a real SMTP server.

Personas (healthchecks style): ``operator`` works for ``tenant``; ``stranger`` is
staff of ``other_tenant`` and must get 404 for anything of ``tenant``.

Staff personas have a confirmed TOTP device (``totp_code(user)`` gives its
current code), and ``client.force_login(user)`` also marks the session's second
factor verified, as a real sign-in with the code would. A test of what happens
*without* a second factor says so: ``client.force_login(user, verified=False)``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

JST = ZoneInfo("Asia/Tokyo")
START = datetime(2026, 12, 1, 8, 0, tzinfo=JST)


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language (Japanese), as a fresh process
    does: a request with the English cookie leaves English active in this
    thread, which would otherwise leak into the next test's gettext calls."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def sim_server():
    """The LINE simulator, one per test session, reset for each test."""
    from anpi.linesim.testing import SimulatorThread

    with SimulatorThread() as sim:
        yield sim


@pytest.fixture
def sim(sim_server):
    sim_server.control.reset()
    yield sim_server
    sim_server.control.clear_faults()


@pytest.fixture
def clock():
    from anpi.engine.clock import FixedClock, set_clock

    fixed = FixedClock(START)
    previous = set_clock(fixed)
    yield fixed
    set_clock(previous)


@pytest.fixture
def tenant(db):
    from anpi.tenants.models import Tenant

    return Tenant.objects.create(name="みまもりNPO", slug="npo", staff_email="staff@npo.example")


@pytest.fixture
def channel(tenant):
    from anpi.tenants.models import LineChannel

    ch = LineChannel(tenant=tenant, name="みまもりNPO公式", bot_user_id="U" + "b" * 32)
    ch.channel_secret = "test-channel-secret"
    ch.access_token = "test-access-token"
    ch.save()
    return ch


@pytest.fixture
def other_tenant(db):
    from anpi.tenants.models import Tenant

    return Tenant.objects.create(name="となり市社協", slug="other")


class StaffClient(Client):
    """Django's test client whose ``force_login`` passes the second factor too.

    ``verified=True`` (the default) stores the user's confirmed TOTP device in
    the session exactly as ``django_otp.login`` does after a right code; users
    without a device get one first. ``verified=False`` signs in with the
    password only."""

    def force_login(self, user, backend=None, *, verified: bool = True):
        super().force_login(user, backend or "django.contrib.auth.backends.ModelBackend")
        if verified:
            from django_otp import DEVICE_ID_SESSION_KEY

            session = self.session
            session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
            session.save()


@pytest.fixture
def client():
    return StaffClient()


def totp_device(user):
    """The user's confirmed TOTP device (made on first use)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="totp", confirmed=True)


def totp_code(user_or_device, at: float | None = None) -> str:
    """The current (or ``at``'s) 6-digit code of a user's TOTP device."""
    import time as real_time

    from django_otp.oath import TOTP

    device = user_or_device if hasattr(user_or_device, "bin_key") else totp_device(user_or_device)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else real_time.time()
    return f"{totp.token():0{device.digits}d}"


STAFF_PASSWORD = "correct horse battery"


def _user(username: str, tenant, role: str):
    from django.contrib.auth.models import User

    from anpi.tenants.models import Membership

    user = User.objects.create_user(username, password=STAFF_PASSWORD)
    Membership.objects.create(tenant=tenant, user=user, role=role)
    totp_device(user)
    return user


@pytest.fixture
def operator(tenant):
    return _user("operator", tenant, "operator")


@pytest.fixture
def stranger(other_tenant):
    return _user("stranger", other_tenant, "operator")


@pytest.fixture
def tenant_admin(tenant):
    return _user("admin", tenant, "admin")


@pytest.fixture
def watcher(tenant):
    """A 見守る人 with a login: works in LINE, has no dashboard."""
    return _user("watcher", tenant, "watcher")


@pytest.fixture
def stranger_admin(other_tenant):
    return _user("stranger-admin", other_tenant, "admin")


@pytest.fixture
def viewer(tenant):
    """A city official of a pilot (閲覧のみ): reads the report, sees no person."""
    return _user("viewer", tenant, "viewer")


@pytest.fixture
def stranger_viewer(other_tenant):
    return _user("stranger-viewer", other_tenant, "viewer")


@pytest.fixture
def make_person(tenant, channel, clock):
    """An active, registered person checked daily at 09:00 JST (anchor: today)."""
    from anpi.people.models import Contact, Person

    counter = iter(range(1, 10_000))

    def make(nickname: str = "はなこ", *, phone: str = "+819012345678", contacts=(), **fields):
        n = next(counter)
        person = Person.objects.create(
            tenant=tenant,
            channel=channel,
            line_user_id=fields.pop("line_user_id", f"U{n:032x}"),
            nickname=nickname,
            phone=phone,
            status=fields.pop("status", Person.Status.ACTIVE),
            schedule_kind=fields.pop("schedule_kind", "interval"),
            interval_days=fields.pop("interval_days", 1),
            check_time=fields.pop("check_time", time(9, 0)),
            schedule_anchor=fields.pop("schedule_anchor", START.date()),
            consent_at=clock.now(),
            **fields,
        )
        if person.status == Person.Status.ACTIVE and "next_check_at" not in fields:
            from anpi.engine.plan import following_occurrence

            person.next_check_at = following_occurrence(person, clock.now())
            person.save(update_fields=["next_check_at"])
        for contact in contacts:
            Contact.objects.create(
                tenant=tenant, person=person, confirmed_at=clock.now(), **contact
            )
        return person

    return make


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd hook name
        from email import message_from_bytes, policy

        with self.lock:
            self.messages.append(
                (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=policy.default))
            )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) on a free port; Django's SMTP backend sends to it."""
    from aiosmtpd.controller import Controller

    mailbox = _Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    yield mailbox
    controller.stop()


@dataclass
class Line:
    """A tenant's LINE channel wired to the simulator, plus the worker to drive it."""

    sim: Any
    channel: Any
    clock: Any

    @property
    def control(self):
        return self.sim.control

    def work(self):
        from anpi.engine.worker import run_until_idle

        return run_until_idle(self.clock)

    def new_user(self, name: str, follow: bool = True, language: str | None = None) -> str:
        """A LINE user (``language``: their LINE app's, as the profile tells it;
        None: not shared) who, unless ``follow`` is False, friends the account."""
        user_id = self.control.add_user(name, language=language)
        if follow:
            answer = self.control.follow(user_id, self.channel.bot_user_id)
            assert answer["webhook"]["status"] == 200
            self.work()
        return user_id

    def texts(self, user_id: str) -> list[str]:
        return [m.get("text") or m.get("altText") for m in self.control.messages(user_id)]

    def register(self, user_id: str, nickname: str, at: time = time(9, 0), **fields: Any):
        """Finish registration as the settings page would (tests of the page itself
        live in tests/individual and test_registration.py)."""
        from anpi.engine.plan import following_occurrence
        from anpi.people.models import Person

        person = Person.objects.get(channel=self.channel, line_user_id=user_id)
        person.nickname = nickname
        person.check_time = at
        person.schedule_anchor = self.clock.now().date()
        person.status = Person.Status.ACTIVE
        person.consent_at = self.clock.now()
        person.phone = fields.pop("phone", "+819012345678")
        for key, value in fields.items():
            setattr(person, key, value)
        person.next_check_at = following_occurrence(person, self.clock.now())
        person.save()
        return person


def wire_channel(sim, live_server, tenant, name: str = "みまもりNPO公式"):
    """``tenant``'s new channel on the simulator, its webhook at the live server
    (the demo's own helper, so tests and demo wire channels one way)."""
    from anpi.demo.seed import wire_channel as wire

    return wire(sim.control, tenant, live_server.url, sim.url, name)


@pytest.fixture
def line(sim, live_server, transactional_db, tenant, clock):
    """``tenant``'s LINE channel wired to the simulator and the live webhook.

    The simulated LINE platform reads the test's clock, as LINE and anpi share
    real time in production: event timestamps and reply-token expiry follow it."""
    import time as real_time

    sim.config.clock = lambda: clock.now().timestamp()
    try:
        yield Line(sim, wire_channel(sim, live_server, tenant), clock)
    finally:
        sim.config.clock = real_time.time
