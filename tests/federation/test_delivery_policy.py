"""Mastodon's retry schedule, status classes, circuit breaker and unavailability."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest

from federation import delivery_policy as dp


class FixedRng:
    def __init__(self, value: float) -> None:
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize(
    ("count", "low"),
    [(0, 15), (1, 16), (2, 31), (3, 96), (4, 271), (15, 50640)],
)
def test_retry_delay_schedule(count, low):
    assert dp.retry_delay(count, FixedRng(0.0)) == low
    assert dp.retry_delay(count, FixedRng(0.999999)) == pytest.approx(low + 0.5 * count**4, 1e-5)


def test_retry_delay_total_is_about_two_days():
    total_min = sum(dp.retry_delay(c, FixedRng(0.0)) for c in range(dp.MAX_ATTEMPTS - 1))
    total_max = sum(dp.retry_delay(c, FixedRng(1.0)) for c in range(dp.MAX_ATTEMPTS - 1))
    assert 2.0 < total_min / 86400 < 2.1 and total_max / 86400 < 3.1
    rng = random.Random(1)
    assert 15 <= dp.retry_delay(0, rng) and 96 <= dp.retry_delay(3, rng) <= 136.5


def test_next_retry_delay_gives_up_after_17_attempts():
    assert dp.MAX_ATTEMPTS == 17
    assert dp.next_retry_delay(1, FixedRng(0.0)) == 15
    assert dp.next_retry_delay(16, FixedRng(0.0)) == 50640
    assert dp.next_retry_delay(17) is None


@pytest.mark.parametrize("status", [None, 500, 502, 503, 504, 401, 408, 429, 301, 302])
def test_retryable(status):
    assert dp.is_retryable(status)


@pytest.mark.parametrize("status", [200, 202, 204, 400, 403, 404, 410, 413, 422, 501])
def test_not_retryable(status):
    assert not dp.is_retryable(status)


def test_circuit_breaker_opens_after_ten_failures_and_cools_off():
    state = dp.BreakerState()
    for i in range(9):
        state = dp.breaker_record(state, False, now=100 + i)
        assert dp.breaker_allows(state, 110)
    state = dp.breaker_record(state, False, now=110)
    assert dp.breaker_status(state, 110) == "open"
    assert not dp.breaker_allows(state, 169.9)
    assert dp.breaker_retry_after(state, 130) == 40
    assert dp.breaker_status(state, 170) == "half-open"
    reopened = dp.breaker_record(state, False, now=171)  # the trial failed
    assert not dp.breaker_allows(reopened, 200) and dp.breaker_allows(reopened, 231)
    assert dp.breaker_record(reopened, True, now=232) == dp.BreakerState()


def test_host_unavailable_after_seven_distinct_days():
    health = dp.HostHealth()
    day = date(2025, 1, 1)
    for _ in range(3):  # many failures on one day count once
        health = dp.record_host_failure(health, day)
    for i in range(1, 6):
        health = dp.record_host_failure(health, day + timedelta(days=i))
    assert not health.unavailable
    assert dp.decide(health, dp.BreakerState(), 0).action == "send"
    health = dp.record_host_failure(health, day + timedelta(days=9))
    assert health.unavailable
    assert dp.decide(health, dp.BreakerState(), 0).action == "skip"
    assert not dp.record_host_success(health).unavailable


def test_decide_waits_while_breaker_open():
    breaker = dp.BreakerState(failures=10, opened_at=1000)
    decision = dp.decide(dp.HostHealth(), breaker, 1010)
    assert decision.action == "wait" and decision.retry_after == 50
