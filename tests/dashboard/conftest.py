"""Fixtures for the staff dashboard: a worker with a fake LINE, and checks that
reached the call step through the engine (not hand-made rows)."""

from __future__ import annotations

from datetime import timedelta

import pytest


class FakeTransport:
    """Accepts every message, like a healthy LINE platform."""

    kind = "line"

    def __init__(self) -> None:
        self.sent = []

    def send(self, delivery):
        from anpi.channels.base import SendResult

        self.sent.append(delivery)
        return SendResult("sent")


@pytest.fixture
def run(clock):
    """Run the worker until idle at the clock's current time."""
    from anpi.engine.worker import run_until_idle

    transport = FakeTransport()

    def run_worker():
        return run_until_idle(clock, transport_for=lambda row: transport)

    run_worker.transport = transport
    return run_worker


@pytest.fixture
def reach_call_step(clock, run):
    """Move time through the default ladder until the staff call task opens.

    09:00 the check goes out, +24h it is re-sent, +3h a call task opens (deadline +2h).
    """

    first_check = clock.now() + timedelta(hours=1)  # the clock starts at 08:00 JST

    def reach():
        clock.set(first_check)
        run()
        clock.advance(hours=24)
        run()
        clock.advance(hours=3)
        run()

    return reach


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def colleague(tenant):
    from django.contrib.auth.models import User

    from anpi.tenants.models import Membership

    user = User.objects.create_user("colleague", password="x", last_name="佐藤")
    Membership.objects.create(tenant=tenant, user=user, role="operator")
    return user
