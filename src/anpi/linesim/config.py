"""Settings of one simulator process."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

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

    def now(self) -> float:
        return float(self.clock())

    def shown(self) -> dict[str, float]:
        """What the phone page needs to show time: ``real`` and ``shown`` epoch
        milliseconds at this moment, and ``speed`` (shown seconds per real second)."""
        real = self.now()
        shown, speed = self.shown_clock() if self.shown_clock else (real, 1.0)
        return {"real": real * 1000, "shown": shown * 1000, "speed": speed}
