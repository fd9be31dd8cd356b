"""The escalation ladder, for any valid policy and any answer time (hypothesis).

Each example makes a policy from the engine's own actions with random delays
and deadlines (it must pass ``validate_policy``), a person (with or without
LINE, with a LINE, an e-mail and a phone-only contact) checked every 1–3 days,
and an answer at a random moment, or none. The fixed clock then jumps from
one due moment to the next for three days, the real worker running at each
(``run_until_idle`` with a recording transport), and the invariants of
docs/engine.md ("The six invariants") must hold:

1. each schedule occurrence yields exactly one check;
2. every open check has a future next action or an open task with a deadline;
3. no message is delivered twice and none is left undelivered;
5. after the answer commits, no step of the person's checks fires;
6. each step that fired left its side effects exactly once (counted per
   firing from the check's own step counter and version).

Examples share the test's database transaction: each runs inside a savepoint
that is rolled back, so every example starts from an empty ladder.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.conftest import START
from tests.engine.conftest import RecordingTransport
from tests.reliability import invariants

from anpi.engine import merge
from anpi.engine.answer import answer_ok
from anpi.engine.models import Check, EscalationPolicy, Outbox, Task, TimelineEntry
from anpi.engine.policies import validate_policy
from anpi.engine.worker import run_until_idle
from anpi.people.models import Person

pytestmark = pytest.mark.django_db

HOUR = 3600
DAYS = 3
END = START + timedelta(days=DAYS)
CONTACTS = [
    {"name": "たろう", "relation": "長男", "line_user_id": "U" + "c" * 32},
    {"name": "はなえ", "relation": "長女", "email": "hanae@example.jp"},
    {"name": "大家さん", "relation": "大家", "phone": "+81312345678"},
]
# The individual service's actions (the group services' need a LINE group).
MIDDLE_ACTIONS = ["resend", "last_notice", "call_task", "notify_contacts", "decide_task"]
PUSHES = {  # action → (outbox purpose, timeline kind)
    "send_check": ("check", "check_sent"),
    "resend": ("resend", "resent"),
    "last_notice": ("last_notice", "last_notice"),
}

afters = st.one_of(
    st.just(0),
    st.integers(1, 36).map(lambda h: h * HOUR),
    st.integers(1, 40 * HOUR),
)
# A task gives staff a few hours (a shorter one would only repeat the decision
# many more times over the run without testing anything new).
deadlines = st.one_of(st.integers(3, 30).map(lambda h: h * HOUR), st.integers(3 * HOUR, 30 * HOUR))


@st.composite
def policies(draw) -> list[dict]:
    def step(action: str) -> dict:
        params: dict = {}
        if action in ("call_task", "decide_task"):
            params["deadline"] = draw(deadlines)
        if action == "send_check":
            params["message"] = draw(st.sampled_from(["personal", "identical"]))
        return {"after": draw(afters), "action": action, "params": params}

    middle = draw(st.lists(st.sampled_from(MIDDLE_ACTIONS), max_size=4))
    last = draw(st.sampled_from(["decide_task", "close"]))
    return [step(action) for action in ["send_check", *middle, last]]


class _Rollback(Exception):
    pass


def fired_per_step(check: Check) -> list[int]:
    """How many times each step of the check's policy fired, from its counters:
    every firing is one compare-and-set (version + 1), every step but a
    repeating last one moves ``step`` on; an answer or resolution adds one."""
    policy = check.policy
    firings = check.version - (1 if check.state in ("answered", "resolved") else 0)
    counts = [0] * len(policy)
    for i in range(min(check.step, len(policy))):
        counts[i] = 1
    if check.step == len(policy) - 1 and policy[-1]["action"] != "close":
        counts[-1] = firings - check.step  # the decision repeats at each deadline
    assert sum(counts) == firings and min(counts) >= 0, f"check {check.pk}: counters disagree"
    return counts


def expected_effects(check: Check, person: Person, staff_email: bool) -> Counter:
    """What a check must have caused, given how often each of its steps fired."""
    want: Counter = Counter()
    decisions = 0
    for step, times in zip(check.policy, fired_per_step(check), strict=True):
        action = step["action"]
        for _ in range(times):
            if action == "send_check" and check.close_reason == "merged":
                # Folded into the person's ongoing check (engine.merge).
                want["timeline:check_merged"] += 1
                silent = TimelineEntry.objects.filter(
                    check_run=check, kind="check_merged", text=merge.MERGED_SILENT[1]
                ).exists()
                if silent:
                    continue
            if action in PUSHES:
                purpose, kind = PUSHES[action]
                if person.line_user_id:
                    want[f"outbox:{purpose}"] += 1
                else:  # no LINE: staff phone instead (never silence)
                    want["task:call_person"] += 1
                    want["timeline:task_opened"] += 1
                want[f"timeline:{kind}"] += 1
            elif action == "call_task":
                want["task:call_person"] += 1
                want["timeline:task_opened"] += 1
            elif action == "notify_contacts":
                want["outbox:notify_contact"] += 2  # LINE and e-mail
                want["task:call_contact"] += 1  # the phone-only contact
                want["timeline:task_opened"] += 1
                want["timeline:contact_notified"] += 3
            elif action == "decide_task":
                decisions += 1
                want["task:decide"] += 1
                want["timeline:task_opened"] += 1
                if decisions > 1 and staff_email:  # the previous decision expired
                    want["outbox:staff_alert"] += 1
            elif action == "close":
                want["timeline:closed"] += 1
    if check.state == "answered":
        want["timeline:answered"] += 1
        if want["outbox:notify_contact"]:
            # Whoever was alarmed hears the all-clear once, on the channel
            # alarmed: the LINE contact and the e-mail contact.
            want["outbox:all_clear"] += 2
            want["timeline:all_clear_sent"] += 2
    # Each task that expired says so once; a call nobody made e-mails staff once.
    for kind in Task.objects.filter(check_run=check, state="expired").values_list("kind", flat=True):
        want["timeline:task_expired"] += 1
        if kind in ("call_person", "call_contact") and staff_email:
            want["outbox:staff_alert"] += 1
    return want


def effects(check_id: int) -> Counter:
    counts: Counter = Counter()
    for purpose in Outbox.objects.filter(check_run_id=check_id).values_list("purpose", flat=True):
        counts[f"outbox:{purpose}"] += 1
    for kind in Task.objects.filter(check_run_id=check_id).values_list("kind", flat=True):
        counts[f"task:{kind}"] += 1
    entries = TimelineEntry.objects.filter(check_run_id=check_id).exclude(kind="delivered")
    for kind in entries.values_list("kind", flat=True):
        counts[f"timeline:{kind}"] += 1
    return counts


def state_of(person: Person) -> dict[int, tuple]:
    return {
        c.pk: (c.state, c.step, c.version, effects(c.pk))
        for c in Check.objects.filter(person=person)
    }


def next_moment(person: Person, now: datetime, answer_at: datetime | None) -> datetime:
    """The next moment anything is due: a step, a planned occurrence, the answer."""
    moments = [END]
    moments += Check.objects.filter(
        person=person, state="open", next_action_at__gt=now
    ).values_list("next_action_at", flat=True)
    next_check = Person.objects.values_list("next_check_at", flat=True).get(pk=person.pk)
    if next_check is not None and next_check > now:
        moments.append(next_check)
    if answer_at is not None and answer_at > now:
        moments.append(answer_at)
    return min(moments)


def assert_open_checks_wait_for_something(person: Person, now: datetime) -> None:
    for check in Check.objects.filter(person=person, state="open"):
        waits = check.next_action_at is not None and check.next_action_at > now
        holds = Task.objects.filter(check_run=check, state="open", deadline__gt=now).exists()
        assert waits or holds, f"I2: check {check.pk} waits for nothing at {now}"


def run_ladder(tenant, make_person, clock, policy, interval, has_line, answer_at, answer_first):
    EscalationPolicy.objects.create(tenant=tenant, name="generated", steps=policy, is_default=True)
    clock.set(START)
    fields = {} if has_line else {"line_user_id": ""}
    person = make_person(interval_days=interval, contacts=CONTACTS, **fields)
    transport = RecordingTransport()
    at_answer: dict[int, tuple] | None = None

    def answer() -> None:
        nonlocal at_answer
        answer_ok(person, clock)
        assert not Check.objects.filter(person=person, state="open").exists()
        # Staff have nothing left to do for this person: not for the checks the
        # answer closed, nor for checks closed earlier (a close step, a merge).
        assert not Task.objects.filter(person=person, state="open").exists()
        at_answer = state_of(person)

    while True:
        now = clock.now()
        due = answer_at is not None and at_answer is None and answer_at <= now
        if due and answer_first:
            answer()
        run_until_idle(clock, transport_for=lambda row: transport)
        if due and not answer_first:
            answer()
        assert_open_checks_wait_for_something(person, now)
        moment = next_moment(person, now, answer_at if at_answer is None else None)
        if moment <= now or now >= END:
            break
        clock.set(moment)

    # 1. One check per occurrence.
    assert invariants.occurrences_exactly_once(START) == []
    # 5. Nothing of the checks the answer closed moved after it.
    if at_answer is not None:
        after = state_of(person)
        assert {pk: after[pk] for pk in at_answer} == at_answer
    # 6. Each step's side effects once per firing.
    staff_email = bool(person.tenant.staff_email)
    for check in Check.objects.filter(person=person):
        assert effects(check.pk) == expected_effects(check, person, staff_email), (
            f"check {check.pk} due {check.due_at}, policy {check.policy}"
        )
    # 3. Every message reached its chat once; none waits undelivered.
    rows = Outbox.objects.filter(person=person)
    assert set(rows.values_list("state", flat=True)) <= {"sent"}
    keys = Counter(d.retry_key for d, _ in transport.sent if d.retry_key)
    for row in rows.filter(transport="line"):
        assert keys[row.retry_key] == 1, f"{row} delivered {keys[row.retry_key]} times"
    assert len(transport.sent) == rows.count()


@settings(
    max_examples=30,
    deadline=None,
    # Function-scoped fixtures (tenant, clock, make_person) are set up once per
    # test; each example rolls its own rows back and resets the clock.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=policies(),
    interval=st.integers(1, 3),
    has_line=st.booleans(),
    answer_after=st.one_of(st.none(), st.integers(0, DAYS * 24 * 60)),
    answer_first=st.booleans(),
)
def test_any_valid_policy_keeps_the_invariants_whenever_the_person_answers(
    steps, interval, has_line, answer_after, answer_first, make_person, tenant, clock
):
    policy = validate_policy(steps)  # the generator only makes valid policies
    answer_at = None if answer_after is None else START + timedelta(minutes=answer_after)
    try:
        with transaction.atomic():
            run_ladder(
                tenant, make_person, clock, policy, interval, has_line, answer_at, answer_first
            )
            raise _Rollback
    except _Rollback:
        pass
