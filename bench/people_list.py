"""The people list at N persons (`bench/run.py --only people`): a staff page,
measured through Django's test client in this process (no simulator needed).

Seeds one tenant with N persons, most of them with a roster name and reading,
a phone, and three past checks each (answered, answered, then open or
answered), 1% of them with an open staff task, the way a year-old municipal
tenant looks. Then times whole page requests (view, both queries, template):

- ``people_list_page_ms``: the first page, sorted by name (the default);
- ``people_list_search_ms``: a search by reading in hiragana;
- ``people_list_filtered_ms``: light = yellow, sorted by state (every row's
  light computed);
- ``people_list_last_page_ms``: the last page sorted by last answer.

Each figure is the median of ``REPEAT`` requests after one warm-up.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

REPEAT = 5
SEED_BATCH = 5000
FAMILY = ["ヤマダ", "スズキ", "タナカ", "サトウ", "ワタナベ", "イトウ", "ナカムラ", "コバヤシ"]
GIVEN = ["ハナコ", "タロウ", "ヨシコ", "イチロウ", "カズコ", "ミチコ", "ヒロシ", "キヨシ"]


def _seed(n: int) -> Any:
    from django.contrib.auth.models import User
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from anpi.engine.models import Check, Task
    from anpi.people.models import Person
    from anpi.tenants.models import Membership, Tenant

    tenant = Tenant.objects.create(name="people-list", slug="people-list")
    user = User.objects.create_user("bench-operator")
    Membership.objects.create(tenant=tenant, user=user, role="operator")
    device = TOTPDevice.objects.create(user=user, name="totp", confirmed=True)
    now = datetime.now(UTC).replace(microsecond=0)
    for start in range(0, n, SEED_BATCH):
        people = Person.objects.bulk_create(
            [
                Person(
                    tenant=tenant,
                    nickname=f"p{i}",
                    full_name=f"山田 {i}",
                    name_kana=f"{FAMILY[i % 8]} {GIVEN[(i // 8) % 8]}",
                    phone=f"+8190{i:08d}",
                    status="active",
                    schedule_kind="interval",
                    interval_days=1 + i % 3,
                    check_time=now.time(),
                    schedule_anchor=now.date(),
                    consent_at=now,
                )
                for i in range(start, min(n, start + SEED_BATCH))
            ]
        )
        checks = []
        for person in people:
            for days in (3, 2, 1):
                answered = days > 1 or person.pk % 4 != 0
                due = now - timedelta(days=days)
                checks.append(
                    Check(
                        tenant=tenant,
                        person=person,
                        due_at=due,
                        state="answered" if answered else "open",
                        policy=[],
                        created_at=due,
                        answered_at=due + timedelta(minutes=5) if answered else None,
                        next_action_at=None if answered else now + timedelta(hours=1),
                    )
                )
        made = Check.objects.bulk_create(checks)
        Task.objects.bulk_create(
            [
                Task(
                    tenant=tenant,
                    person_id=check.person_id,
                    check_run=check,
                    kind="call_person",
                    deadline=now + timedelta(hours=2),
                    created_at=now,
                )
                for check in made
                if check.state == "open" and check.person_id % 100 == 0
            ]
        )
    from django.db import connection

    if connection.vendor == "postgresql":
        # What autovacuum does soon after a bulk load in production: without
        # statistics the planner takes 20,000 rows for one.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return user, device


def _timed(get: Callable[[], Any]) -> float:
    get()  # warm-up: templates, translations, the database's page cache
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = get()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return round(statistics.median(times), 1)


def measure(n: int, figure: Callable[[float, str, int], dict[str, Any]]) -> dict[str, Any]:
    """Seed N persons and time the people list's pages; returns the figures."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY

    user, device = _seed(n)
    client = Client()
    client.force_login(user, "django.contrib.auth.backends.ModelBackend")
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    last_page = (n + 49) // 50
    asks = {
        "people_list_page_ms": {},
        "people_list_search_ms": {"q": "やまだ はなこ"},
        "people_list_filtered_ms": {"light": "yellow", "sort": "state"},
        "people_list_last_page_ms": {"sort": "last_answer", "page": str(last_page)},
    }
    return {
        key: figure(_timed(lambda params=params: client.get("/people/", params)), "ms", n)
        for key, params in asks.items()
    }
