"""Pacing below LINE's limits: a burst goes through, then requests are spaced."""

from anpi.channels.line.ratelimit import LIMITS_PER_SECOND, TokenBucket, bucket


def test_a_burst_within_capacity_does_not_wait():
    limiter = TokenBucket(rate=100, burst=5)
    assert sum(limiter.acquire() for _ in range(5)) == 0


def test_beyond_the_burst_requests_are_spaced_at_the_rate():
    limiter = TokenBucket(rate=1000, burst=1)
    limiter.acquire()
    waited = limiter.acquire()
    assert 0 < waited <= 0.002


def test_each_channel_and_method_has_its_own_bucket_at_lines_limits():
    assert bucket("a", "multicast").rate == LIMITS_PER_SECOND["multicast"] == 200
    assert bucket("a", "push") is not bucket("b", "push")
    assert bucket("a", "push") is bucket("a", "push")
