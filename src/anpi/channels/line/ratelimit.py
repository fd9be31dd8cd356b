"""Client-side pacing per channel, below LINE's per-channel rate limits.

LINE answers 429 when a channel goes over its limit (LINE.md: push and reply
2,000 requests/s, multicast 200/s). Pacing ourselves keeps 429s rare; the
shared back-off in the database (LineChannel.throttled_until) handles the rest,
across processes. This is wall-clock pacing of real HTTP calls, not engine time.
"""

from __future__ import annotations

import threading
import time

LIMITS_PER_SECOND = {"push": 2000.0, "reply": 2000.0, "multicast": 200.0}


class TokenBucket:
    def __init__(self, rate: float, burst: float | None = None) -> None:
        self.rate = rate
        self.capacity = burst if burst is not None else max(1.0, rate / 10)
        self.tokens = self.capacity
        self.updated = time.monotonic()
        self.lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping if needed. Returns the seconds waited."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
            self.updated = now
            self.tokens -= 1
            wait = -self.tokens / self.rate if self.tokens < 0 else 0.0
        if wait:
            time.sleep(wait)
        return wait


_buckets: dict[tuple[str, str], TokenBucket] = {}
_lock = threading.Lock()


def bucket(channel_key: str, method: str) -> TokenBucket:
    key = (channel_key, method)
    with _lock:
        if key not in _buckets:
            _buckets[key] = TokenBucket(LIMITS_PER_SECOND.get(method, 100.0))
        return _buckets[key]
