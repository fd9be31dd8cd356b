"""Fixtures for the mobile settings and contact consent pages.

``newcomer`` has just friended the account (status registering, no schedule);
``form_data`` is a complete, valid settings form that tests tweak.
"""

from __future__ import annotations

import pytest

from .helpers import management


@pytest.fixture
def newcomer(tenant, channel, clock):
    from anpi.people.models import Person

    return Person.objects.create(
        tenant=tenant,
        channel=channel,
        line_user_id="U" + "1" * 32,
        display_name="山田花子",
    )


@pytest.fixture
def form_data() -> dict:
    return {
        "nickname": "はなこ",
        "phone": "090-1234-5678",
        "schedule_kind": "interval",
        "interval_days": "1",
        "check_time": "09:00",
        "agree": "on",
        **management(),
    }
