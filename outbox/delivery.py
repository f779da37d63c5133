"""The `outbox.deliver` job: sign and POST one activity to one inbox.

Mastodon's rules (federation.delivery_policy): about two days of retries, no retry on a
4xx other than 401/408/429, a per-host circuit breaker (kept in the host's InstanceInfo
row, so every worker process sees one breaker), and a host
that failed on 7 distinct days is skipped until a delivery to it succeeds. Every request
is bounded by the client's timeouts. Each job sits in its host's lane (outbox.fanout), so
a worker never gives one host more than half its slots; once a host has been failing at
most PER_HOST deliveries to it run at once across every worker process (leased rows,
outbox.host_slots; the others are put back without spending an attempt), so a dead host
holds two slots of the whole cluster for a few seconds and live hosts keep the rest.
Breaker waits do not spend attempts either: a day-long outage still gets Mastodon's two
days of retries. A healthy host's row is read once per HEALTHY_SECONDS per process, not once
per delivery (a fan-out to 1,000 inboxes on one host read it 1,000 times)."""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from tortoise.expressions import F

from federation.client import FetchError, Signer
from federation.delivery_policy import (
    BreakerState,
    Decision,
    HostHealth,
    breaker_record,
    decide,
    is_retryable,
    is_success,
    next_retry_delay,
)
from instance.jobs import Permanent, Retry
from instance.jobs.registry import JobContext
from instance.moderation.gate import domain_of, is_suspended
from instance.services import Services
from instance.single_flight import SingleFlight
from instance.storage import db
from instance.storage.models import InstanceInfo, Job
from outbox import host_slots
from outbox.prepared import Prepared, prepared

log = logging.getLogger("impasto.delivery")

PER_HOST = 2  # deliveries to a failing host at once, across every worker (outbox.host_slots)
HEALTHY_SECONDS = 2.0  # how long a healthy host's row is reused by this process
_HEALTHY_HOSTS = 4096  # bound of that cache

_healthy: dict[tuple[int, str], tuple[InstanceInfo, float]] = {}
_host_reads: SingleFlight[tuple[int, str], InstanceInfo | None] = SingleFlight()
_host_inserts: SingleFlight[tuple[int, str], InstanceInfo | None] = SingleFlight()


def _is_healthy(info: InstanceInfo) -> bool:
    return not (info.failure_days or info.unavailable or info.breaker_failures)


async def _host_info(host: str) -> InstanceInfo | None:
    """The host's delivery row. A healthy host's is reused for HEALTHY_SECONDS; a failing
    host's is read for every delivery (its breaker and shared slots need the live figures).
    A failure recorded by another process reaches this one within HEALTHY_SECONDS."""
    cached = _cached_row(host)
    if cached is not None:
        return cached
    key = (db.generation(), host)
    return await _host_reads.run(key, lambda: _read_host(key))


async def _read_host(key: tuple[int, str]) -> InstanceInfo | None:
    """One read of a host's row for every send waiting on it (a batch has 16 in flight)."""
    info = await InstanceInfo.get_or_none(domain=key[1])
    now = time.monotonic()
    if info is not None and _is_healthy(info):
        if len(_healthy) >= _HEALTHY_HOSTS:
            _healthy.clear()
        _healthy[key] = (info, now + HEALTHY_SECONDS)
    else:
        _healthy.pop(key, None)
    return info


def _cached_row(host: str) -> InstanceInfo | None:
    """The healthy host's row this process holds, if still fresh."""
    found = _healthy.get((db.generation(), host))
    return found[0] if found is not None and time.monotonic() < found[1] else None


async def _insert_host(key: tuple[int, str]) -> InstanceInfo | None:
    await InstanceInfo.bulk_create(
        [InstanceInfo(domain=key[1], last_success_at=datetime.now(UTC))], ignore_conflicts=True)
    return await _read_host(key)


def _forget_host(host: str) -> None:
    _healthy.pop((db.generation(), host), None)


async def _defer(ctx: JobContext, after: float, reason: str) -> None:
    """Put the job back without spending one of its 17 attempts (the host is busy or
    its circuit is open: nothing was tried)."""
    await Job.filter(id=ctx.job_id, attempts__gt=0).update(attempts=F("attempts") - 1)
    raise Retry(after + random.uniform(0, after / 2), reason)


def _health(info: InstanceInfo | None) -> HostHealth:
    if info is None:
        return HostHealth()
    days = frozenset(datetime.fromisoformat(d).date() for d in info.failure_days or [])
    return HostHealth(days)


def _breaker(info: InstanceInfo | None) -> BreakerState:
    if info is None:
        return BreakerState()
    return BreakerState(failures=info.breaker_failures, opened_at=info.breaker_opened_at)


async def _record(host: str, info: InstanceInfo | None, success: bool) -> None:
    """Write the outcome to the host's row: failure days and the breaker. The failure
    count is incremented in SQL, so two workers failing at once both count."""
    if success:
        if info is None and _cached_row(host) is None:
            # First contact. The sends under way were all screened before the row existed:
            # the first inserts it and caches it, the others wait for that or find it cached.
            key = (db.generation(), host)
            await _host_inserts.run(key, lambda: _insert_host(key))
        elif info is not None and not _is_healthy(info):
            await InstanceInfo.filter(id=info.id).update(
                failure_days=[], unavailable=False, last_success_at=datetime.now(UTC),
                breaker_failures=0, breaker_opened_at=None,
            )
            _forget_host(host)
        return
    _forget_host(host)
    if info is None:
        info, _ = await InstanceInfo.get_or_create(domain=host)
    today = datetime.now(UTC).date().isoformat()
    days = sorted(set(info.failure_days or []) | {today})
    health = _health(info)
    await InstanceInfo.filter(id=info.id).update(
        failure_days=days[-30:], unavailable=len(days) >= 7 or health.unavailable,
        breaker_failures=F("breaker_failures") + 1,
    )
    counted = await InstanceInfo.get(id=info.id).only("id", "breaker_failures")
    opened = breaker_record(BreakerState(failures=counted.breaker_failures - 1), False, time.time())
    if opened.opened_at is not None:
        await InstanceInfo.filter(id=info.id).update(breaker_opened_at=opened.opened_at)


KNOCK_AGAIN = frozenset({400, 401})


async def _post(services: Services, inbox: str, body: bytes, signer: Signer) -> int | None:
    try:
        response = await services.http.post(inbox, body, signer=signer)
    except FetchError as exc:
        log.info("delivery failed", extra={"inbox": inbox, "error": exc.reason})
        return exc.status
    return response.status


async def post_activity(services: Services, signer: Signer, inbox: str, body: bytes,
                        info: InstanceInfo | None) -> int | None:
    """POST and return the status (None on a network error or timeout). `info` is the
    host's row as just screened (None: no row yet). With `[federation] signature_scheme =
    "rfc9421"`, sign with RFC 9421 first and, if the server answers 400/401, at once again
    with draft-cavage — and from then on only draft-cavage to that host, for every worker
    (double-knocking, as Fedify does)."""
    cavage_only = info is not None and info.cavage_only
    if services.config.federation.signature_scheme != "rfc9421" or cavage_only:
        return await _post(services, inbox, body, signer)
    status = await _post(services, inbox, body, replace(signer, scheme="rfc9421"))
    if status not in KNOCK_AGAIN:
        return status
    status = await _post(services, inbox, body, signer)
    if status is not None and is_success(status):
        host = domain_of(inbox) or ""
        await InstanceInfo.update_or_create(defaults={"cavage_only": True}, domain=host)
        _forget_host(host)
    return status


@dataclass(frozen=True)
class Screened:
    """An inbox that may be sent to, with its host's row and what the policy says now."""

    host: str
    info: InstanceInfo | None
    decision: Decision

    @property
    def failing(self) -> bool:
        """The host failed lately: its sends go through its few shared slots."""
        return _breaker(self.info).failures > 0


async def screen(services: Services, inbox: str) -> Screened | None:
    """None when nothing goes to `inbox`: its domain is suspended, or its host has been
    unavailable for seven days (Mastodon drops those deliveries too)."""
    host = domain_of(inbox) or ""
    if await is_suspended(host, allowlist_mode=services.config.moderation.allowlist_mode):
        return None
    info = await _host_info(host)
    decision = decide(_health(info), _breaker(info), time.time())
    return None if decision.action == "skip" else Screened(host, info, decision)


async def send_and_record(services: Services, ready: Prepared, inbox: str,
                          screened: Screened) -> int | None:
    """POST the activity and write the outcome to the host's row; the status (None on a
    network error or timeout)."""
    status = await post_activity(services, ready.signer, inbox, ready.body, screened.info)
    await _record(screened.host, screened.info, status is not None and is_success(status))
    return status


async def deliver(ctx: JobContext, payload: dict) -> None:
    services = ctx.services
    inbox = payload["inbox"]
    screened = await screen(services, inbox)
    if screened is None:
        return
    ready = await prepared(payload["activity"])
    if ready is None:
        raise Permanent("the activity no longer exists")
    host, decision = screened.host, screened.decision
    if decision.action == "wait":
        await _defer(ctx, decision.retry_after + 1, f"circuit open for {host}")
    slot, holder = None, ""
    if screened.failing:  # one of its few shared slots, or wait
        holder = host_slots.new_holder()
        # A send may knock twice (RFC 9421, then draft-cavage): the lease outlasts both.
        lease = 2 * services.config.federation.request_timeout + 30
        slot = await host_slots.acquire(host, PER_HOST, holder, lease)
        if slot is None:
            await _defer(ctx, 5.0, f"{host} is failing and {PER_HOST} deliveries are in flight")
    try:
        status = await send_and_record(services, ready, inbox, screened)
    finally:
        if slot is not None:
            await host_slots.release(host, slot, holder)
    if status is not None and is_success(status):
        return
    reason = f"{inbox} answered {status}" if status else f"{inbox} unreachable"
    if not is_retryable(status):
        raise Permanent(reason)
    delay = next_retry_delay(ctx.attempt)
    if delay is None:
        raise Permanent(f"gave up: {reason}")
    raise Retry(delay, reason)
