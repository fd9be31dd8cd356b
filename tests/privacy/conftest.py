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
