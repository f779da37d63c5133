"""When to retry a delivery, when to pause a host, when to give up on it — Mastodon's
rules as pure functions (state in, decision out); the job system stores the state.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date
from typing import Protocol

MAX_ATTEMPTS = 17  # 1 attempt + 16 retries, about two days in all
BREAKER_THRESHOLD = 10  # consecutive failures that open the circuit
BREAKER_COOL_OFF = 60.0  # seconds before one trial request is let through
UNAVAILABLE_AFTER_DAYS = 7  # distinct days with failures before a host is skipped
_NO_RETRY_4XX_EXCEPT = frozenset({401, 408, 429})


class Rng(Protocol):
    def random(self) -> float: ...


def retry_delay(count: int, rng: Rng | None = None) -> float:
    """Seconds before retry number `count` (0 for the first retry):
    count⁴ + 15 + rand(0.5·count⁴) — 15 s, 16 s, 31 s, 96 s, 4.5 min … 14.1 h."""
    base = count**4
    return base + 15 + (rng or random).random() * 0.5 * base


def next_retry_delay(attempts_made: int, rng: Rng | None = None) -> float | None:
    """Delay before the next attempt after `attempts_made` failed ones; None = give up."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    return retry_delay(attempts_made - 1, rng)


def is_success(status: int) -> bool:
    return 200 <= status < 300


def is_retryable(status: int | None) -> bool:
    """Retry network errors (None), 3xx, 5xx except 501, and 401/408/429; not other 4xx."""
    if status is None:
        return True
    if is_success(status) or status == 501:
        return False
    if 400 <= status < 500:
        return status in _NO_RETRY_4XX_EXCEPT
    return True


# ---- circuit breaker (Mastodon uses Stoplight: 10 failures, 60 s cool-off) ----------


@dataclass(frozen=True)
class BreakerState:
    failures: int = 0
    opened_at: float | None = None  # when the circuit last opened


def breaker_status(state: BreakerState, now: float) -> str:
    """"closed" (send), "open" (wait) or "half-open" (one trial send allowed)."""
    if state.opened_at is None:
        return "closed"
    return "open" if now < state.opened_at + BREAKER_COOL_OFF else "half-open"


def breaker_allows(state: BreakerState, now: float) -> bool:
    return breaker_status(state, now) != "open"


def breaker_retry_after(state: BreakerState, now: float) -> float:
    """Seconds until the circuit lets a trial request through (0 when it already does)."""
    if state.opened_at is None:
        return 0.0
    return max(0.0, state.opened_at + BREAKER_COOL_OFF - now)


def breaker_record(state: BreakerState, success: bool, now: float) -> BreakerState:
    """New state after a delivery: success closes; the threshold-th failure (or any
    failure of the half-open trial) opens it again from `now`."""
    if success:
        return BreakerState()
    failures = state.failures + 1
    if failures >= BREAKER_THRESHOLD:
        return replace(state, failures=failures, opened_at=now)
    return replace(state, failures=failures)


# ---- host availability (Mastodon's DeliveryFailureTracker) --------------------------


@dataclass(frozen=True)
class HostHealth:
    failure_days: frozenset[date] = frozenset()

    @property
    def unavailable(self) -> bool:
        """Skip the host: it failed on 7 distinct days and has not succeeded since."""
        return len(self.failure_days) >= UNAVAILABLE_AFTER_DAYS


def record_host_failure(health: HostHealth, day: date) -> HostHealth:
    return HostHealth(health.failure_days | {day})


def record_host_success(health: HostHealth) -> HostHealth:
    """One success makes the host available again and forgets its failures. Call it also
    when a signed activity arrives from the host (Mastodon does), or a skipped host
    could never come back."""
    return HostHealth()


@dataclass(frozen=True)
class Decision:
    action: str  # "send", "skip" (host unavailable) or "wait" (circuit open)
    retry_after: float = 0.0


def decide(health: HostHealth, breaker: BreakerState, now: float) -> Decision:
    """Whether to send to a host now."""
    if health.unavailable:
        return Decision("skip")
    if not breaker_allows(breaker, now):
        return Decision("wait", breaker_retry_after(breaker, now))
    return Decision("send")
