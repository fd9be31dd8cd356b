"""One simulated month of one scenario (with or without the features), through
the real engine and the LINE simulator. bench/simulate.py starts one process
per scenario and merges their figures; this module is what each one runs.

In one process: the LINE simulator (``SimulatorThread``), anpi's web app
(the demo's in-process server, receiving the simulator's signed webhooks), an
SMTP sink (aiosmtpd) and the engine's jobs (``worker.run_until_idle``) on a
``FixedClock`` that this driver moves forward. The simulator reads the same
clock (event timestamps, reply-token expiry), as LINE and anpi share real time.

The driver plays the people and the staff (bench/population.py):

1. Set-up: each resident follows the channel in the simulator (the follow
   webhook makes their anpi person), registers (as the settings page would,
   like ``tests/conftest.py``'s ``Line.register``: a daily check at their time)
   and has one confirmed contact. With the features the channel gets the
   「げんきです」 rich menu (``individual.richmenu.do_setup_rich_menu``).
2. Time moves from event to event, rounded up to ``tick`` minutes: the next
   of the driver's own events (a tap, a staff action, a pause being set) and
   the engine's (a person due for planning, a check's next step, an outbox row).
   At each stop the driver fires its due events, runs the worker until idle,
   then reads what reached each phone and schedules the answers.
3. A resident answers each check, re-send or last notice at the next moment
   they read LINE plus a delay (the OK button, ``control.tap``) — unless no
   check of theirs is open any more. With the features, habit tappers tap the
   rich menu's 「げんきです」 when they get up; known absences (nights away,
   hospital) get a ``people.Pause`` the evening before (``set_pause``).
4. Staff handle every task: a phone call (``record_task_outcome``: safe if the
   call reaches the resident, else unreachable, and the ladder goes on), a
   decision (``engine.decisions.record_decision``: ``away`` until the end of
   a known absence — the existing action that creates a Pause in both
   scenarios — else ``safe``).
"""

from __future__ import annotations

import heapq
import itertools
import secrets
import sys
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from population import JST, Resident, draw_population

ROOT = Path(__file__).resolve().parents[1]
PERSON_PUSHES = ("check", "resend", "last_notice")


def progress(message: str) -> None:
    import time as wall

    print(f"[simulate {wall.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


@dataclass
class Scenario:
    """What one process simulates."""

    features: bool
    persons: int
    days: int
    seed: int
    database_url: str
    tick: timedelta = timedelta(minutes=5)
    miss_rate: float = 2.3
    habit_share: float = 0.3
    first_day: date = date(2026, 12, 1)

    @property
    def name(self) -> str:
        return "with_features" if self.features else "without_features"


@dataclass(order=True)
class Event:
    at: datetime
    serial: int
    kind: str = field(compare=False)
    resident: int = field(compare=False)
    data: Any = field(compare=False, default=None)


class Month:
    """The run: set-up (``populate``) and the loop (``run``); bench/month_tally.py
    counts the figures afterwards."""

    def __init__(self, scenario: Scenario) -> None:
        from anpi.engine.clock import FixedClock

        self.sc = scenario
        self.residents = draw_population(
            scenario.seed,
            scenario.persons,
            scenario.first_day,
            scenario.days,
            scenario.miss_rate,
            scenario.habit_share,
        )
        start = datetime.combine(scenario.first_day - timedelta(days=1), time(18, 0), JST)
        self.clock = FixedClock(start)
        self.end = datetime.combine(
            scenario.first_day + timedelta(days=scenario.days), time(0), JST
        )
        self.events: list[Event] = []
        self.serial = itertools.count()
        self.counts: dict[str, int] = {}
        self.answer_pending: set[int] = set()
        self.tasks_seen = 0
        self.deliveries_seen = 0
        self.by_uid: dict[str, Resident] = {}
        self.person_id: dict[int, int] = {}
        self.uid: dict[int, str] = {}
        self.index_of: dict[int, int] = {}
        self.contact_uid: dict[int, str] = {}

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def schedule(self, at: datetime, kind: str, resident: int, data: Any = None) -> None:
        heapq.heappush(
            self.events, Event(at.astimezone(UTC), next(self.serial), kind, resident, data)
        )

    # set-up --------------------------------------------------------------------------------
    def populate(self, control: Any, web_url: str, sim_url: str) -> None:
        from django.contrib.auth.models import User

        from anpi.demo.seed import wire_channel
        from anpi.engine.plan import following_occurrence
        from anpi.engine.worker import run_until_idle
        from anpi.people.models import Contact, Person
        from anpi.tenants.actors import Actor
        from anpi.tenants.models import Tenant

        tenant = Tenant.objects.create(
            name="シミュレーションNPO", slug="simulate", staff_email="staff@simulate.invalid"
        )
        self.tenant = tenant
        self.staff = User.objects.create_user("simstaff", password=secrets.token_urlsafe(12))
        self.channel = wire_channel(
            control, tenant, web_url, sim_url, "みまもり（シミュレーション）"
        )
        if self.sc.features:
            from anpi.individual.richmenu import do_setup_rich_menu

            do_setup_rich_menu(self.channel, Actor.system("simulate"), self.clock.now())
        bot = self.channel.bot_user_id
        now = self.clock.now()
        for r in self.residents:
            uid = control.add_user(f"住民{r.index}")
            control.follow(uid, bot)
            contact_uid = ""
            if r.contact_on_line:
                contact_uid = control.add_user(f"家族{r.index}")
                control.follow(contact_uid, bot)
            if r.index % 50 == 49:
                run_until_idle(self.clock, max_passes=1000)
            self.uid[r.index], self.by_uid[uid] = uid, r
            self.contact_uid[r.index] = contact_uid
        run_until_idle(self.clock, max_passes=1000)
        for r in self.residents:
            person = Person.objects.get(channel=self.channel, line_user_id=self.uid[r.index])
            person.nickname = f"住民{r.index}"
            person.phone = "+819012345678"
            person.check_time = r.check_time
            person.schedule_anchor = self.sc.first_day
            person.status = Person.Status.ACTIVE
            person.consent_at = now
            person.next_check_at = following_occurrence(person, now)
            person.save()
            self.person_id[r.index] = person.pk
            self.index_of[person.pk] = r.index
            Contact.objects.create(
                tenant=tenant,
                person=person,
                name=f"家族{r.index}",
                relation="長男",
                line_user_id=self.contact_uid[r.index],
                email="" if r.contact_on_line else f"family{r.index}@example.org",
                confirmed_at=now,
            )
        self._plan_people_events()

    def _plan_people_events(self) -> None:
        first, days = self.sc.first_day, self.sc.days
        for r in self.residents:
            if not self.sc.features:
                continue
            if r.habit_tapper:
                for offset in range(days):
                    up = r.up_at(first + timedelta(days=offset))
                    if up is not None:
                        self.schedule(up, "menu", r.index)
            for episode in r.episodes:
                if episode.pausable:
                    evening = datetime.combine(episode.start - timedelta(days=1), time(20), JST)
                    self.schedule(max(evening, self.clock.now()), "pause", r.index, episode)

    # the people and the staff --------------------------------------------------------------
    def fire(self, event: Event, control: Any) -> None:
        r = self.residents[event.resident]
        if event.kind == "menu":
            control.tap_rich_menu(self.uid[r.index], 0)
            self.count("rich-menu taps")
        elif event.kind == "answer":
            self.answer_pending.discard(r.index)
            if self._has_sent_open_check(r):
                from anpi.engine.messages import OK_LABEL

                control.tap(self.uid[r.index], OK_LABEL)
                self.count("OK taps on a message")
        elif event.kind == "pause":
            set_pause(self.person_id[r.index], event.data, self.clock)
            self.count(f"pauses set ({event.data.cause})")
        elif event.kind == "staff":
            self._staff(event.data, r)

    def _has_sent_open_check(self, r: Resident) -> bool:
        from anpi.engine.models import Check

        return Check.objects.filter(
            person_id=self.person_id[r.index], state=Check.State.OPEN, step__gt=0
        ).exists()

    def notice_deliveries(self, control: Any) -> None:
        """Schedule each resident's answer to what just reached their phone."""
        fresh = control.call("GET", "/_sim/deliveries", query={"offset": self.deliveries_seen})
        self.deliveries_seen += len(fresh)
        for d in fresh:
            r = self.by_uid.get(d["recipient"])
            if r is None or d["via"] == "reply" or r.index in self.answer_pending:
                continue
            at = datetime.fromisoformat(d["at"].replace("Z", "+00:00"))
            self.answer_pending.add(r.index)
            self.schedule(r.next_reading(at) + r.answer_delay(), "answer", r.index)

    def notice_tasks(self) -> None:
        """Staff pick up each new task after a while (calls 15–90 min, decisions 30–180)."""
        from anpi.engine.models import Task

        fresh = Task.objects.filter(tenant=self.tenant, pk__gt=self.tasks_seen).order_by("pk")
        for task in fresh.values("pk", "kind", "person_id"):
            self.tasks_seen = task["pk"]
            r = self.residents[self.index_of[task["person_id"]]]
            low, high = (30, 180) if task["kind"] in ("decide", "visit") else (15, 90)
            delay = timedelta(minutes=r.rng.randint(low, high))
            self.schedule(self.clock.now() + delay, "staff", r.index, task["pk"])

    def _staff(self, task_id: int, r: Resident) -> None:
        from anpi.engine.decisions import record_decision
        from anpi.engine.models import Task
        from anpi.engine.tasks import TaskClosed, record_task_outcome

        task = Task.objects.get(pk=task_id)
        if task.state != Task.State.OPEN:
            return
        now = self.clock.now()
        try:
            if task.kind in (Task.Kind.DECIDE, Task.Kind.VISIT):
                episode = r.episode_on(now.astimezone(JST).date())
                if episode is not None and episode.pausable:
                    record_decision(
                        task_id, "away", self.clock, user=self.staff, away_until=episode.end
                    )
                    self.count("staff decisions: away")
                else:
                    record_decision(task_id, "safe", self.clock, user=self.staff)
                    self.count("staff decisions: safe")
            else:
                reached = r.reached_by_phone(now)
                outcome = "safe" if reached else "unreachable"
                record_task_outcome(task_id, outcome, self.clock, user=self.staff)
                self.count(f"staff calls: {outcome}")
        except TaskClosed:
            pass

    # the loop ------------------------------------------------------------------------------
    def engine_next(self) -> datetime | None:
        from django.db.models import Min

        from anpi.engine.models import Check, Outbox
        from anpi.engine.plan import PLAN_HORIZON
        from anpi.people.models import Person

        due = [
            Person.objects.filter(tenant=self.tenant, status="active").aggregate(
                m=Min("next_check_at")
            )["m"],
            Check.objects.filter(tenant=self.tenant, state="open").aggregate(
                m=Min("next_action_at")
            )["m"],
            Outbox.objects.filter(tenant=self.tenant, state="pending").aggregate(
                m=Min("next_attempt_at")
            )["m"],
        ]
        if due[0] is not None:
            due[0] -= PLAN_HORIZON
        times = [d for d in due if d is not None]
        return min(times) if times else None

    def run(self, control: Any) -> None:
        from anpi.engine.worker import run_until_idle

        tick = self.sc.tick
        epoch = datetime(2000, 1, 1, tzinfo=UTC)
        last = self.clock.now()
        shown = last.astimezone(JST).date()
        while True:
            candidates = [e for e in (self.engine_next(),) if e is not None]
            if self.events:
                candidates.append(self.events[0].at)
            if not candidates:
                break
            at = min(candidates)
            # Round up to the tick, and always move on by at least one tick.
            at = epoch + -((epoch - at) // tick) * tick
            at = max(at, last + tick)
            if at >= self.end:
                break
            self.clock.set(at)
            last = at
            while self.events and self.events[0].at <= at:
                self.fire(heapq.heappop(self.events), control)
            run_until_idle(self.clock, max_passes=1000)
            self.notice_deliveries(control)
            self.notice_tasks()
            day = at.astimezone(JST).date()
            if day != shown:
                shown = day
                progress(f"{self.sc.name}: {day} ({len(self.events)} events waiting)")
        self.clock.set(self.end)


def set_pause(person_id: int, episode: Any, clock: Any) -> None:
    """A pause for a known absence, set the evening before it starts.

    Stands in for the person's 「るす」 in chat (issue 12 item 4, built on
    another branch): a ``people.Pause`` row over the absence's dates, and the
    person's next planned occurrence moved past it with a compare-and-set on
    the value read, as ``engine.decisions`` does for staff's ``away``."""
    from django.db import transaction

    from anpi.engine.plan import following_occurrence
    from anpi.people.models import Pause, Person

    with transaction.atomic():
        person = Person.objects.select_related("tenant").get(pk=person_id)
        Pause.objects.create(
            tenant_id=person.tenant_id,
            person=person,
            starts_on=episode.start,
            ends_on=episode.end,
            reason="入院" if episode.cause == "hospital" else "外泊",
        )
        Person.objects.filter(pk=person.pk, next_check_at=person.next_check_at).update(
            next_check_at=following_occurrence(person, clock.now())
        )
