"""The simulated population of `make simulate` (bench/simulate.py): who they
are and what happens in their month. Pure Python, no Django: every draw comes
from one seeded ``random.Random``, so the same seed gives the same people and
the same events, in the run with the features and in the run without them.

The false-alarm base rate
-------------------------
Source: 長野県企業局「水道メーターを活用した高齢者見守りシステムの実証実験報告書
概要」(坂城町, 2017-09-01 – 2019-03-31, 40 elderly persons): 1,645 「異変メール」
(alarm mails), **2.3 per person per month**, of which 1,124 for no water used
(起床時間が遅い・入院・外泊等: late rising, hospital, nights away) and 521 for
water running too long (leaks, taps left open). We use the 2.3 as the rate of
*missed-answer episodes* per person-month (``DEFAULT_MISS_RATE``), as issue 12
asks; note that only 1,124/1,645 of the trial's alarms (≈ 1.57 per
person-month) were "no sign of life", so 2.3 is a pessimistic rate for anpi.
``--miss-rate 1.57`` runs the narrower reading.

The trial gives no split by cause. Our split of episodes (an assumption, fixed
before any run, ``CAUSES``): rising late 45 %, forgetting 30 %, nights away
20 %, hospital 5 %; and what each does:

| cause | days | LINE | a staff phone call |
|---|---|---|---|
| late | 1 | answers 3–10 h after the check time | reached |
| forget | 1 | ignores LINE that day; answers the next day | reached (at home) |
| away | 1–3 | ignores LINE those days | reached with probability 0.5 |
| hospital | 3–14 | ignores LINE those days | not reached; the contact knows |

Other assumptions (also fixed before any run): one check a day at a time drawn
from 07:00–10:00 (half-hour steps, the reference NPO's usual choice); on a
normal day the person is up 30–150 min before the check and answers a message
1–180 min after they see it (exponential, mean 20 min); 30 % tap 「げんきです」
in the rich menu on rising by habit (``DEFAULT_HABIT_SHARE``; no published
figure — ``--habit-share`` changes it); every person has one emergency contact,
every other one on LINE, the others by e-mail.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

JST = ZoneInfo("Asia/Tokyo")
DEFAULT_MISS_RATE = 2.3  # episodes per person-month (the Nagano trial, above)
DEFAULT_HABIT_SHARE = 0.3
MONTH_DAYS = 30
# cause: (share of episodes, shortest and longest run of days without an answer)
CAUSES: dict[str, tuple[float, int, int]] = {
    "late": (0.45, 1, 1),
    "forget": (0.30, 1, 1),
    "away": (0.20, 1, 3),
    "hospital": (0.05, 3, 14),
}
AWAY_PHONE_REACHED = 0.5
EVENING = time(22, 0)  # nobody reads LINE after this (they will in the morning)


@dataclass(frozen=True)
class Episode:
    """``days`` consecutive local dates from ``start`` without an answer in time."""

    cause: str
    start: date
    days: int
    late_by: timedelta = timedelta(0)  # "late": how long after the check time they rise

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def covers(self, day: date) -> bool:
        return self.start <= day <= self.end

    @property
    def pausable(self) -> bool:
        """Known absences: with the features, a pause covers them."""
        return self.cause in ("away", "hospital")


@dataclass
class Resident:
    """One watched person of the simulation and their month."""

    index: int
    check_time: time
    habit_tapper: bool
    contact_on_line: bool
    rise_before: timedelta  # how long before the check time they are up
    episodes: list[Episode] = field(default_factory=list)
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def episode_on(self, day: date) -> Episode | None:
        return next((e for e in self.episodes if e.covers(day)), None)

    def up_at(self, day: date) -> datetime | None:
        """When the person starts reading LINE on ``day`` (JST), or None if not
        that day (forgetting, away, in hospital)."""
        episode = self.episode_on(day)
        check = datetime.combine(day, self.check_time, JST)
        if episode is None:
            return check - self.rise_before
        if episode.cause == "late":
            return check + episode.late_by
        return None

    def next_reading(self, after: datetime) -> datetime:
        """The first moment at or after ``after`` when the person reads LINE."""
        day = after.astimezone(JST).date()
        for offset in range(60):
            when = day + timedelta(days=offset)
            up = self.up_at(when)
            if up is None:
                continue
            closes = datetime.combine(when, EVENING, JST)
            start = max(up, after)
            if start < closes:
                return start
        raise RuntimeError(f"resident {self.index} never reads LINE again")

    def answer_delay(self) -> timedelta:
        return timedelta(minutes=min(180.0, 1 + self.rng.expovariate(1 / 20)))

    def reached_by_phone(self, at: datetime) -> bool:
        """Whether a staff phone call at ``at`` reaches the person."""
        episode = self.episode_on(at.astimezone(JST).date())
        if episode is None or episode.cause in ("late", "forget"):
            return True
        if episode.cause == "away":
            return self.rng.random() < AWAY_PHONE_REACHED
        return False


def draw_population(
    seed: int,
    persons: int,
    first_day: date,
    days: int,
    miss_rate: float = DEFAULT_MISS_RATE,
    habit_share: float = DEFAULT_HABIT_SHARE,
) -> list[Resident]:
    """``persons`` residents with their episodes over ``days`` dates from
    ``first_day``. Episodes never overlap: a day inside an episode starts none,
    so a free day starts one with probability ``p = r / (1 - r (L - 1))``,
    where ``r = miss_rate / 30`` and ``L`` is the mean episode length; that
    makes ``r`` episodes per calendar day on average (the realised rate is in
    the results, ``episodes_per_person_month``). Each resident gets
    their own random stream for what happens during the run (answer delays,
    whether a call reaches them), derived from ``seed``, so both runs see the
    same draws in the same order as far as the same things happen."""
    rng = random.Random(seed)
    causes = list(CAUSES)
    weights = [CAUSES[c][0] for c in causes]
    mean_days = sum(share * (lo + hi) / 2 for share, lo, hi in CAUSES.values())
    r = miss_rate / MONTH_DAYS
    per_day = r / (1 - r * (mean_days - 1))
    residents = []
    for i in range(persons):
        slot = rng.randrange(7)  # 07:00, 07:30, … 10:00
        resident = Resident(
            index=i,
            check_time=time(7 + slot // 2, 30 * (slot % 2)),
            habit_tapper=rng.random() < habit_share,
            contact_on_line=i % 2 == 0,
            rise_before=timedelta(minutes=rng.randint(30, 150)),
            rng=random.Random(f"{seed}:{i}"),
        )
        day = 0
        while day < days:
            if rng.random() < per_day:
                cause = rng.choices(causes, weights)[0]
                _, shortest, longest = CAUSES[cause]
                length = rng.randint(shortest, longest)
                late_by = timedelta(minutes=rng.randint(180, 600) if cause == "late" else 0)
                resident.episodes.append(
                    Episode(cause, first_day + timedelta(days=day), length, late_by)
                )
                day += length
            else:
                day += 1
        residents.append(resident)
    return residents
