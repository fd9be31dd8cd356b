"""Hypothesis: random values in the person's settings form, the contact consent
page and the escalation-policy form never cause a 5xx and never half-save
(either the whole form is saved, or nothing of it is).

The webhook is fuzzed in tests/traffic/test_fuzz.py."""

from __future__ import annotations

import json
from itertools import count
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anpi.engine.models import EscalationPolicy
from anpi.individual.links import settings_token
from anpi.people.models import Contact, Person

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What a browser can send: any text without lone surrogates (they cannot be
# encoded), NUL and control characters included.
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
NUMBERISH = st.one_of(
    st.integers(-(2**40), 2**40).map(str), TEXT, st.sampled_from(["", "1", "7", "0", "１"])
)
MAYBE = lambda values: st.one_of(st.sampled_from(values), TEXT)  # noqa: E731


def _fields(prefix: str, strategies: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Each field present with a random value, or missing."""
    return st.fixed_dictionaries(
        {}, optional={f"{prefix}{k}": v for k, v in strategies.items()}
    )


SETTINGS_FORM = st.tuples(
    _fields(
        "",
        {
            "nickname": TEXT,
            "phone": MAYBE(["090-1234-5678", "+81 90 1234 5678", "0312345678"]),
            "schedule_kind": MAYBE(["interval", "weekdays"]),
            "interval_days": NUMBERISH,
            "weekdays": st.lists(MAYBE(["0", "1", "6", "7"]), max_size=8),
            "check_time": MAYBE(["09:00", "23:59", "24:00", "9時"]),
            "skip_holidays": MAYBE(["on"]),
            "agree": MAYBE(["on"]),
        },
    ),
    _fields(
        "contacts-",
        {
            "TOTAL_FORMS": NUMBERISH,
            "INITIAL_FORMS": NUMBERISH,
            "MIN_NUM_FORMS": NUMBERISH,
            "MAX_NUM_FORMS": NUMBERISH,
        },
    ),
    st.lists(
        _fields(
            "",
            {
                "name": TEXT,
                "relation": TEXT,
                "phone": MAYBE(["080-1111-2222"]),
                "email": MAYBE(["a@example.com"]),
                "contact_id": NUMBERISH,
                "DELETE": MAYBE(["on"]),
            },
        ),
        max_size=4,
    ),
)

_ids = count(1)
VALID = {
    "nickname": "はなこ",
    "phone": "090-1234-5678",
    "schedule_kind": "interval",
    "interval_days": "1",
    "check_time": "09:00",
    "agree": "on",
    "contacts-TOTAL_FORMS": "3",
    "contacts-INITIAL_FORMS": "0",
    "contacts-MIN_NUM_FORMS": "0",
    "contacts-MAX_NUM_FORMS": "3",
}
OUTCOMES: list[int] = []  # the statuses seen, for the check below


def _snapshot(person: Person) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    person.refresh_from_db()
    contacts = [model_to_dict(c) for c in Contact.objects.filter(person=person).order_by("pk")]
    return model_to_dict(person), contacts


@FUZZ
@given(data=SETTINGS_FORM, existing=st.booleans())
def test_random_settings_forms_never_fail_and_never_half_save(
    client, tenant, channel, clock, data, existing
):
    person = Person.objects.create(
        tenant=tenant, channel=channel, line_user_id=f"U{next(_ids):032x}", display_name="山田"
    )
    if existing:
        Contact.objects.create(tenant=tenant, person=person, name="さとう", relation="ともだち")
    fields, management, contacts = data
    # A valid form with random fields replaced or added, so that some examples
    # save and the rest fail on one field or a few.
    post = {**VALID, **fields, **management}
    for i, contact in enumerate(contacts):
        post.update({f"contacts-{i}-{k}": v for k, v in contact.items()})
    before = _snapshot(person)

    response = client.post(reverse("individual:settings", args=[settings_token(person)]), post)

    assert response.status_code < 500
    OUTCOMES.append(response.status_code)
    if response.status_code == 302:  # saved: the whole registration holds together
        person.refresh_from_db()
        assert response["Location"] == reverse("individual:settings-done")
        assert person.consent_at is not None and person.check_time is not None
        assert person.nickname.strip()
    else:  # refused: nothing of it was written
        assert _snapshot(person) == before


def test_the_settings_fuzzing_reached_both_saving_and_refusing():
    """Runs after the fuzz test above (file order): it must have exercised both
    branches, or its half-save check proved nothing."""
    if not OUTCOMES:
        pytest.skip("run together with the settings fuzz test")
    assert 302 in OUTCOMES and any(s != 302 for s in OUTCOMES), OUTCOMES


CONSENT_POST = _fields(
    "", {"answer": MAYBE(["accept", "decline"]), "csrfmiddlewaretoken": TEXT, "extra": TEXT}
)


@FUZZ
@given(post=CONSENT_POST, token=st.one_of(st.none(), st.text("abcdefXYZ0123-_", max_size=40)))
def test_random_answers_on_the_consent_page_never_fail_and_change_nothing_else(
    client, tenant, channel, clock, post, token
):
    person = Person.objects.create(
        tenant=tenant, channel=channel, line_user_id=f"U{next(_ids):032x}", nickname="はなこ"
    )
    contact = Contact.objects.create(
        tenant=tenant, person=person, name="さとう", relation="ともだち", token_issued_at=clock.now()
    )
    path_token = contact.token if token is None else token or "x"
    before = model_to_dict(contact)

    response = client.post(reverse("individual:contact-confirm", args=[path_token]), post)

    assert response.status_code < 500
    contact.refresh_from_db()
    answered = path_token == contact.token and post.get("answer") in ("accept", "decline")
    if answered:
        assert response.status_code == 302
        assert (contact.confirmed_at is None) != (contact.declined_at is None)
    else:
        assert model_to_dict(contact) == before


POLICY_STEPS = st.one_of(
    TEXT,
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(-(2**40), 2**40), TEXT),
        lambda inner: st.lists(inner, max_size=4)
        | st.dictionaries(MAYBE(["after", "action", "params"]), inner, max_size=4),
        max_leaves=10,
    ).map(lambda v: json.dumps(v, ensure_ascii=False)),
    st.lists(
        st.fixed_dictionaries(
            {
                "after": st.one_of(st.integers(-10, 10**9), TEXT),
                "action": MAYBE(["send_check", "remind", "call_task", "close", "alert_team"]),
            },
            optional={"params": st.dictionaries(TEXT, TEXT, max_size=2)},
        ),
        max_size=5,
    ).map(json.dumps),
)


@FUZZ
@given(name=TEXT, steps=POLICY_STEPS)
def test_random_policy_forms_never_fail_and_save_only_valid_policies(
    client, tenant_admin, tenant, name, steps
):
    client.force_login(tenant_admin)
    before = EscalationPolicy.objects.filter(tenant=tenant).count()

    response = client.post(reverse("municipal:policy-new"), {"name": name, "steps": steps})

    assert response.status_code < 500
    after = EscalationPolicy.objects.filter(tenant=tenant).count()
    if response.status_code == 302:
        assert after == before + 1
    else:
        assert response.status_code == 200
        assert after == before
