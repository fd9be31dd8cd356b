"""The one clock that engine code reads.

Engine code never calls ``datetime.now`` or ``time.time``; it asks a clock.
- ``RealClock``: production.
- ``FixedClock``: tests move it forward explicitly instead of sleeping.
- ``AcceleratedClock``: demos, e.g. speed 1440 runs a day in a minute.
- ``FileClock``: virtual time shared by several processes (the reliability
  suite moves it by rewriting one file that every worker reads).

``clock_from_env()`` builds the clock named by ``ANPI_CLOCK`` (``real``,
``file:/path``, ``fixed:2026-12-01T09:00+09:00`` or ``accelerated:1440``);
the engine app installs it at start-up, so web and worker processes agree.

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


class FileClock:
    """Virtual time read from a file holding one ISO-8601 timestamp.

    Whoever drives the run (a test harness) rewrites the file atomically
    (write a temporary file, then rename); every process reading it sees the
    same time. The last good value is kept if the file is briefly unreadable.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._last: datetime | None = None

    def now(self) -> datetime:
        try:
            with open(self.path, encoding="ascii") as f:
                text = f.read().strip()
            value = datetime.fromisoformat(text)
            if value.tzinfo is None:
                raise ValueError("FileClock needs an aware timestamp")
            self._last = value.astimezone(UTC)
        except (OSError, ValueError):
            if self._last is None:
                raise
        assert self._last is not None
        return self._last

    @staticmethod
    def write(path: str, when: datetime) -> None:
        """Set the time of every FileClock reading ``path``."""
        import os

        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="ascii") as f:
            f.write(when.astimezone(UTC).isoformat())
        os.replace(tmp, path)

    def __repr__(self) -> str:
        return f"FileClock({self.path!r})"


def clock_from_env(value: str | None = None) -> Clock:
    """The clock named by ``ANPI_CLOCK`` (or ``value``); real time by default."""
    import os

    spec = (value if value is not None else os.environ.get("ANPI_CLOCK", "")).strip()
    kind, _, arg = spec.partition(":")
    if kind in ("", "real"):
        return RealClock()
    if kind == "file" and arg:
        return FileClock(arg)
    if kind == "fixed" and arg:
        return FixedClock(datetime.fromisoformat(arg))
    if kind == "accelerated":
        return AcceleratedClock(float(arg or "1440"))
    raise ValueError(f"ANPI_CLOCK: cannot make a clock of {spec!r}")


_clock: Clock = RealClock()


def get_clock() -> Clock:
    return _clock


def set_clock(clock: Clock) -> Clock:
    """Install ``clock`` process-wide and return the previous one."""
    global _clock
    previous, _clock = _clock, clock
    return previous
