"""Fault injection: rules that make the simulated platform fail on purpose.

A rule matches an endpoint (``push``, ``multicast``, ``reply``, ``webhook``, any other
endpoint name used in the request log, or ``*``). Rules are tried in order; each
matching rule draws from one seeded RNG so that a run with the same seed and the same
sequence of requests replays exactly. The first rule that fires decides the fault.
"""

from __future__ import annotations

import math
import random
import threading
from dataclasses import dataclass
from typing import Any


@dataclass
class FaultRule:
    endpoint: str = "*"
    status: int | None = None
    probability: float = 1.0
    count: int | None = None
    after_accept: bool = False
    delay_ms: int = 0
    timeout: bool = False
    fired: int = 0

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FaultRule:
        """A rule from the control API's JSON; ValueError says what is wrong with it."""
        if not isinstance(data, dict):
            raise ValueError("a rule must be a JSON object")
        status = _whole(data, "status", 200, 599)
        rule = cls(
            endpoint=str(data.get("endpoint") or "*")[:100],
            status=status,
            probability=_fraction(data, "probability"),
            count=_whole(data, "count", 0, 10**12),
            after_accept=bool(data.get("afterAccept", False)),
            delay_ms=_whole(data, "delayMs", 0, MAX_DELAY_MS) or 0,
            timeout=bool(data.get("timeout", False)),
        )
        if rule.status is None and not rule.delay_ms and not rule.timeout:
            raise ValueError("a rule needs a status, delayMs or timeout")
        return rule

    def to_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "status": self.status,
            "probability": self.probability,
            "count": self.count,
            "afterAccept": self.after_accept,
            "delayMs": self.delay_ms,
            "timeout": self.timeout,
            "fired": self.fired,
        }


#: A delay longer than any client would wait is a mistake in the test, not a fault.
MAX_DELAY_MS = 120_000


def _whole(data: dict[str, Any], key: str, low: int, high: int) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{key} must be a whole number between {low} and {high}")
    return value


def _fraction(data: dict[str, Any], key: str) -> float:
    value = data.get(key)
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{key} must be a number between 0 and 1")
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError("probability must be between 0 and 1")
    return float(value)


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        with self._lock:
            self.rules: list[FaultRule] = []
            self.seed: int | None = None
            self._rng = random.Random(0)

    def configure(self, seed: int | None, rules: list[FaultRule]) -> None:
        with self._lock:
            self.seed = seed
            self._rng = random.Random(seed)
            self.rules = rules

    def pick(self, endpoint: str) -> FaultRule | None:
        """The rule that fires for this request, if any (counts it as fired)."""
        with self._lock:
            for rule in self.rules:
                if rule.endpoint not in ("*", endpoint):
                    continue
                if rule.count is not None and rule.fired >= rule.count:
                    continue
                if rule.probability < 1.0 and self._rng.random() >= rule.probability:
                    continue
                rule.fired += 1
                return rule
            return None

    def to_json(self) -> dict[str, Any]:
        with self._lock:
            return {"seed": self.seed, "rules": [r.to_json() for r in self.rules]}


def fault_body(status: int) -> dict[str, Any]:
    if status == 429:
        return {"message": "The API rate limit has been exceeded. Try again later."}
    if status >= 500:
        return {"message": "Internal server error"}
    return {"message": f"Simulated fault (status {status})"}
