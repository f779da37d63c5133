"""Limits that hold across processes: the counters are exact under concurrent hits, and
two real `impasto run` processes on one database give an API client one shared rate and
an attacker one shared allowance of failed logins."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from instance import counters
from instance.storage.models import RateCounter
from instance.web.throttle import Throttle
from tests.rig.processes import impasto_env, running_server
from tests.web.test_auth_pages import login, signup


async def test_concurrent_hits_are_counted_exactly(connected):
    hits = await asyncio.gather(*(counters.hit("k", 300, now=1000.0) for _ in range(40)))
    assert sorted(h.count for h in hits) == list(range(1, 41))
    assert {h.reset for h in hits} == {1200.0}  # windows aligned to the epoch
    assert (await counters.hit("k", 300, now=1200.0)).count == 1  # a new window
    assert await counters.recent("k", since=900) == [(900, 40), (1200, 1)]
    assert await counters.recent("k", since=901) == [(1200, 1)]

    assert await counters.prune(now=1200.0) == 1  # the ended window only
    assert await RateCounter.filter(key="k").count() == 1


async def test_a_kept_window_outlives_its_end_until_pruned(connected):
    await counters.hit("kept", 30, now=1000.0, keep=300)  # the window 990–1020
    assert await counters.prune(now=1319.0) == 0
    assert await counters.recent("kept", since=0) == [(990, 1)]
    assert await counters.prune(now=1320.0) == 1


async def test_a_hit_does_not_wait_for_the_wal_but_leaves_the_connection_durable(connected):
    """The count's own commit skips the WAL flush on PostgreSQL; nothing else may."""
    from tortoise import Tortoise

    assert (await counters.hit("lazy", 300)).count == 1
    connection = Tortoise.get_connection("default")
    if connection.capabilities.dialect != "postgres":
        return  # SQLite in WAL mode with synchronous=NORMAL has no per-commit fsync
    for _ in range(3):
        rows = await connection.execute_query_dict("SELECT current_setting('synchronous_commit') AS s")
        assert rows[0]["s"] == "on"
    assert (await counters.hit("lazy", 300)).count == 2


async def test_throttle_waits_after_the_limit_and_forgets_on_success(connected):
    throttle = Throttle("login", limit=3, window_seconds=300)
    for _ in range(3):
        assert await throttle.retry_after("ip:x", "user:a") == 0
        await throttle.failed("ip:x", "user:a")
    assert 0 < await throttle.retry_after("ip:x", "user:a") <= 300 + 30  # a step of slack
    assert await throttle.retry_after("ip:y", "user:a") > 0  # the username alone is enough
    await throttle.succeeded("user:a")
    assert await throttle.retry_after("ip:y", "user:a") == 0
    assert await throttle.retry_after("ip:x") > 0  # the address still waits


async def test_failures_that_straddle_a_window_boundary_still_add_up(connected):
    """Five failures across an epoch-aligned boundary (2 before 1200, 3 after) are five."""
    throttle = Throttle("login", limit=5, window_seconds=300)
    for now in (1198.0, 1199.0, 1200.0, 1201.0):
        await throttle.failed("user:b", now=now)
        assert await throttle.retry_after("user:b", now=now) == 0
    await throttle.failed("user:b", now=1202.0)
    # The oldest failures (the short window 1170–1200) count until 1500.
    assert await throttle.retry_after("user:b", now=1202.0) == 298.0
    assert await throttle.retry_after("user:b", now=1499.5) == 1.0
    assert await throttle.retry_after("user:b", now=1500.0) == 0  # three left
    await throttle.failed("user:b", now=1500.0)
    await throttle.failed("user:b", now=1501.0)
    assert await throttle.retry_after("user:b", now=1502.0) == 28.0  # 1200–1230 until 1530


@pytest.mark.slow
def test_two_processes_share_one_rate_and_one_login_allowance(database_url, tmp_path):
    env = impasto_env(database_url, tmp_path, API_RATE_LIMIT="6", REGISTRATION_MODE="open",
                      SERVER_RUN_WORKER="false")
    with running_server(env) as one, running_server(env) as two:
        with httpx.Client(base_url=one.url, timeout=60) as first, \
                httpx.Client(base_url=two.url, timeout=60) as second:
            answers = [(first if i % 2 else second).get("/api/v1/instance") for i in range(8)]
            counted: dict[str, int] = {}
            for answer in answers:  # counted per fixed window (Mastodon's kind)
                reset = answer.headers["X-RateLimit-Reset"]
                counted[reset] = n = counted.get(reset, 0) + 1
                assert answer.status_code == (200 if n <= 6 else 429)
                assert answer.headers["X-RateLimit-Remaining"] == str(max(0, 6 - n))

            assert signup(first, "lee").status_code in (302, 303)
            first.cookies.clear()
            for i in range(5):  # five failures, spread over both processes
                assert login(first if i % 2 else second, "lee", "wrong password!").status_code == 401
            for client in (first, second):
                refused = login(client, "lee")
                assert refused.status_code == 429, "the other process forgot the failures"
                assert "Try again" in refused.text or refused.headers.get("Retry-After")
