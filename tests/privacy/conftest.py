"""Fixtures for privacy tests: signed-in personas and a look at raw columns."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.fixture
def operator_client(client, operator):
    client.force_login(operator)
    return client


@pytest.fixture
def admin_client(client, tenant_admin):
    client.force_login(tenant_admin)
    return client


def raw_column(model, pk: int, column: str) -> str:
    """What the database holds in ``column`` of one row (no field decoding)."""
    meta = model._meta
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {qn(column)} FROM {qn(meta.db_table)} WHERE {qn(meta.pk.column)} = %s", [pk]
        )
        return cursor.fetchone()[0]


@pytest.fixture
def transport():
    from tests.engine.conftest import RecordingTransport

    return RecordingTransport()


@pytest.fixture
def work(clock, transport):
    """Run the worker until nothing more is due now (recording transport)."""
    from anpi.engine.worker import run_until_idle

    def run():
        return run_until_idle(clock, transport_for=lambda row: transport)

    return run


@pytest.fixture
def say(client, channel, clock):
    """The LINE user ``user`` types ``text`` now: a signed webhook to anpi."""
    import json

    from tests.traffic.conftest import sign, text_event

    channel.api_host = "http://127.0.0.1:9"
    channel.save(update_fields=["api_host"])

    def send(user: str, text: str):
        raw = json.dumps(
            {"destination": channel.bot_user_id, "events": [text_event(user, text, clock.now())]}
        ).encode()
        response = client.post(
            channel.webhook_path(),
            raw,
            content_type="application/json",
            HTTP_X_LINE_SIGNATURE=sign("test-channel-secret", raw),
        )
        assert response.status_code == 200
        return response

    return send


def texts_to(transport, user: str) -> list[str]:
    """The texts of the LINE messages delivered to ``user``."""
    out = []
    for delivery, outcome in transport.sent:
        if outcome == "sent" and (delivery.recipient == user or delivery.method == "reply"):
            messages = delivery.payload.get("messages") or []
            out += [m.get("text") or m.get("altText") or "" for m in messages]
    return out


def agree(person, *, health: bool = False, at=None):
    """Record the person's agreement as the settings form would."""
    from anpi.people.consent import record_person_consent, service_purposes

    purposes, recipients = service_purposes(person.tenant.kind, health=health)
    return record_person_consent(
        person, purposes, recipients, at or person.consent_at, via="settings_page"
    )[0]
