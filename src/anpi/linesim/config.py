"""Settings of one simulator process."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

#: Requests per second per channel, as LINE documents them (LINE.md). Endpoints that
#: LINE does not publish a figure for get a generous 2,000/s.
DEFAULT_RATE_LIMITS: dict[str, int] = {
    "push": 2000,
    "multicast": 200,
    "reply": 2000,
    "profile": 2000,
    "quota": 2000,
    "group": 2000,
    "loading": 100,
    "leave": 2000,
}

#: Messages included per month by plan; ``None`` means no hard cap. The standard plan
#: includes 30,000 and then allows paid extra messages, so it never runs out.
PLAN_MONTHLY_LIMITS: dict[str, int | None] = {
    "free": 200,
    "light": 5000,
    "standard": None,
    "unlimited": None,
}
PLAN_INCLUDED: dict[str, int | None] = {
    "free": 200,
    "light": 5000,
    "standard": 30000,
    "unlimited": None,
}


@dataclass
class SimConfig:
    """How the simulated LINE platform behaves.

    ``clock`` returns the simulator's own time in epoch seconds; tests replace it to
    expire reply tokens or retry keys without sleeping.

    ``shown_clock``, when set, is the time the phone page shows (its status bar
    and message times) as ``(epoch seconds now, speed)``: a demo that runs its
    own clock fast sets it, while the simulator keeps real time for LINE's own
    rules (a reply token lives a real minute).

    ``time_zone`` is where the simulated phones and LINE's account live (an IANA
    name). The phone page shows times in it whatever zone the browser runs in,
    and LINE counts the monthly message quota by its calendar month: LINE in
    Japan starts a new month at midnight Japan time, not UTC.
    """

    reply_token_ttl: float = 60.0
    retry_key_ttl: float = 24 * 3600.0
    rate_limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_RATE_LIMITS))
    group_postback_user_id: bool = True
    default_plan: str = "unlimited"
    clock: Callable[[], float] = time.time
    shown_clock: Callable[[], tuple[float, float]] | None = None
    webhook_timeout: float = 10.0
    #: How long a ``timeout`` fault holds the response (longer than a client timeout).
    timeout_fault_seconds: float = 30.0
    time_zone: str = "Asia/Tokyo"

    def __post_init__(self) -> None:
        # Fail at start-up on a misspelt zone, not at the first message counted.
        ZoneInfo(self.time_zone)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)  # ZoneInfo keeps one instance per name

    def now(self) -> float:
        return float(self.clock())

    def local(self, epoch: float) -> datetime:
        """``epoch`` seconds as a date and time in ``time_zone``."""
        return datetime.fromtimestamp(epoch, self.zone)

    def shown(self) -> dict[str, float | str]:
        """What the phone page needs to show time: ``real`` and ``shown`` epoch
        milliseconds at this moment, ``speed`` (shown seconds per real second)
        and ``timeZone`` to show them in."""
        real = self.now()
        shown, speed = self.shown_clock() if self.shown_clock else (real, 1.0)
        return {
            "real": real * 1000,
            "shown": shown * 1000,
            "speed": speed,
            "timeZone": self.time_zone,
        }
