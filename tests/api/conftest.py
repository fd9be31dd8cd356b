"""Fixtures for the JSON API: a live token of ``tenant`` and one of ``other_tenant``,
and an ``api`` client that sends a token as the bearer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client


@dataclass
class ApiClient:
    """Django's test client calling /api/ with ``Authorization: Bearer <token>``."""

    client: Client
    token: str

    def _headers(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"} if self.token else {}

    def get(self, path: str, **params: Any):
        return self.client.get(path, params, **self._headers())

    def post(self, path: str, body: Any = None):
        return self.client.post(
            path,
            body if body is not None else {},
            content_type="application/json",
            **self._headers(),
        )

    def put(self, path: str, body: Any):
        return self.client.put(path, body, content_type="application/json", **self._headers())


def make_token(tenant, user, name: str = "市の基幹システム"):
    from anpi.api import tokens
    from anpi.engine.clock import get_clock
    from anpi.tenants.actors import Actor

    return tokens.do_create_token(tenant, name, Actor.staff(user), get_clock().now())


@pytest.fixture
def issued(tenant, tenant_admin, clock):
    """A live token of ``tenant`` made by its admin (``.token`` is the secret string)."""
    return make_token(tenant, tenant_admin)


@pytest.fixture
def api(issued):
    return ApiClient(Client(), issued.token)


@pytest.fixture
def stranger_api(other_tenant, stranger_admin, clock):
    """The API as a program of ``other_tenant`` sees it."""
    return ApiClient(Client(), make_token(other_tenant, stranger_admin, "となりの連携").token)


@pytest.fixture
def anonymous_api():
    return ApiClient(Client(), "")


@pytest.fixture
def run(clock):
    """Run the worker until idle at the clock's time, LINE accepting everything."""
    from tests.dashboard.conftest import FakeTransport

    from anpi.engine.worker import run_until_idle

    transport = FakeTransport()
    return lambda: run_until_idle(clock, transport_for=lambda row: transport)


@pytest.fixture
def reach_call_step(clock, run):
    """Through the default ladder to the staff call: 09:00 check, +24h re-send,
    +3h a call task (the dashboard's fixture of the same name)."""
    from datetime import timedelta

    def reach():
        clock.set(clock.now() + timedelta(hours=1))
        run()
        clock.advance(hours=24)
        run()
        clock.advance(hours=3)
        run()

    return reach
