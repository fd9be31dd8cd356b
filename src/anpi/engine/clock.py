"""The one clock that engine code reads.

Engine code never calls ``datetime.now`` or ``time.time``; it asks a clock.
- ``RealClock``: production.
- ``FixedClock``: tests move it forward explicitly instead of sleeping.
- ``AcceleratedClock``: demos, e.g. speed 1440 runs a day in a minute.

``get_clock()`` returns the process-wide clock that views and workers use;
``set_clock()`` replaces it (test fixtures, ``anpi demo --speed``).
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class RealClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def __repr__(self) -> str:
        return "RealClock()"


class FixedClock:
    """A clock that only moves when told to. Thread-safe."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = start.astimezone(UTC)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        step = delta if delta is not None else timedelta(**kwargs)
        with self._lock:
            self._now += step
            return self._now

    def set(self, when: datetime) -> None:
        with self._lock:
            self._now = when.astimezone(UTC)

    def __repr__(self) -> str:
        return f"FixedClock({self._now.isoformat()})"


class AcceleratedClock:
    """Virtual time that runs ``speed`` times faster than real time from ``start``."""

    def __init__(self, speed: float, start: datetime | None = None) -> None:
        self.speed = speed
        self._real_start = time.monotonic()
        self._virtual_start = (start or datetime.now(UTC)).astimezone(UTC)

    def now(self) -> datetime:
        elapsed = time.monotonic() - self._real_start
        return self._virtual_start + timedelta(seconds=elapsed * self.speed)

    def real_seconds(self, virtual: timedelta) -> float:
        """How long a stretch of virtual time takes in real seconds (for sleeping)."""
        return virtual.total_seconds() / self.speed

    def __repr__(self) -> str:
        return f"AcceleratedClock(speed={self.speed})"


_clock: Clock = RealClock()


def get_clock() -> Clock:
    return _clock


def set_clock(clock: Clock) -> Clock:
    """Install ``clock`` process-wide and return the previous one."""
    global _clock
    previous, _clock = _clock, clock
    return previous
