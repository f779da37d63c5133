"""Delivery jobs against real loopback inboxes: success, retry on 5xx/429 and network
errors, no retry on other 4xx, unavailable hosts skipped, slow or dead hosts failing on
their own while live ones get their delivery."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta

import pytest

from instance.actions import works
from instance.actors.accounts import create_local_user
from instance.storage.models import Account, Follow, InstanceInfo, Job
from tests.rig.jobs import run_jobs_until_idle
from tests.rig.loopback import OPEN_ENDPOINTS
from tests.rig.peers import free_port
from tests.rig.processes import REPO_ROOT
from tests.rig.services import built_services

pytestmark = pytest.mark.slow


def start_receiver(delay: float, status: int, refuse_rfc9421: bool = False) -> tuple[subprocess.Popen, int]:
    env = {**os.environ, "RECEIVER_REFUSE_RFC9421": "1" if refuse_rfc9421 else "0"}
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "tests/federation_e2e/receiver.py"), str(delay), str(status)],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    return process, int(process.stdout.readline())


@pytest.fixture
def receivers():
    started: list[subprocess.Popen] = []

    def start(delay: float = 0.0, status: int = 202, refuse_rfc9421: bool = False):
        process, port = start_receiver(delay, status, refuse_rfc9421)
        started.append(process)
        OPEN_ENDPOINTS.add(("127.0.0.1", port))  # the services may reach exactly this port
        ports.append(port)
        return process, port

    ports: list[int] = []
    yield start
    for process in started:
        process.kill()
        process.wait()
    OPEN_ENDPOINTS.difference_update(("127.0.0.1", port) for port in ports)


@pytest.fixture
async def services(connected, tmp_path):
    async for built in built_services(connected, tmp_path,
                                      FEDERATION_REQUEST_TIMEOUT="1"):
        yield built


async def publish_to(services, ports: list[int]) -> None:
    user = await create_local_user(services.urls, "pia", "correct horse battery")
    pia = await Account.get(id=user.account_id)
    for n, port in enumerate(ports):
        fan = await Account.create(ap_id=f"http://127.0.0.1:{port}/u/{n}", username=f"u{n}",
                                   domain=f"127.0.0.1:{port}",
                                   inbox_url=f"http://127.0.0.1:{port}/inbox")
        await Follow.create(follower=fan, target=pia, state="accepted")
    await works.create_work(services, pia, title="T", content_source="c")


async def run(services) -> None:
    await run_jobs_until_idle(services, concurrency=8)


async def job_for(port: int) -> Job:
    jobs = await Job.filter(kind="outbox.deliver")
    return next(j for j in jobs if f":{port}/" in j.payload["inbox"])


async def test_statuses_decide_retry_or_give_up(services, receivers):
    live, live_port = receivers()
    _, busy_port = receivers(status=503)
    _, limited_port = receivers(status=429)
    _, gone_port = receivers(status=404)
    _, slow_port = receivers(delay=5)
    dead_port = free_port()  # nothing listens there
    services.http.guard.allow(f"127.0.0.1:{dead_port}")
    await publish_to(services, [live_port, busy_port, limited_port, gone_port, slow_port, dead_port])
    await run(services)
    assert live.stdout.readline().startswith("POST /inbox signed")
    assert (await job_for(live_port)).state == "done"
    for port in (busy_port, limited_port, slow_port, dead_port):
        job = await job_for(port)
        assert job.state == "queued" and job.attempts == 1, (port, job.last_error)
        assert job.next_attempt_at > datetime.now(UTC) + timedelta(seconds=10)
        assert job.max_attempts == 17
    assert (await job_for(gone_port)).state == "failed"
    today = date.today().isoformat()
    busy = await InstanceInfo.get(domain=f"127.0.0.1:{busy_port}")
    assert busy.failure_days == [today] and not busy.unavailable


async def test_host_failing_seven_days_is_skipped_until_it_succeeds(services, receivers):
    skipped, port = receivers()
    days = [(date.today() - timedelta(days=n)).isoformat() for n in range(7)]
    await InstanceInfo.create(domain=f"127.0.0.1:{port}", failure_days=days, unavailable=True)
    await publish_to(services, [port])
    await run(services)
    assert (await job_for(port)).state == "done"  # dropped without a request
    assert await InstanceInfo.get(domain=f"127.0.0.1:{port}").values_list("unavailable", flat=True)
    skipped.kill()
    assert skipped.stdout.read() == ""


async def test_failing_host_holds_two_slots_and_waits_cost_no_attempts(connected, tmp_path, receivers):
    """All six deliveries to the failing host are claimed at once (lane room for eight):
    two take its shared slots and hold them for the whole 2 s timeout, the other four
    find none and are put back for 5 s or more. (With room for four, the last two were
    claimed only after the first deferrals; under load that came after the slots were
    free again, and they were tried: a flaky count.)"""
    async for services in built_services(connected, tmp_path, FEDERATION_REQUEST_TIMEOUT="2"):
        await _six_to_a_failing_host(services, receivers)


async def _six_to_a_failing_host(services, receivers) -> None:
    _, held_port = receivers(delay=30)  # answers too late for the 2 s timeout
    live, live_port = receivers()
    user = await create_local_user(services.urls, "quin", "correct horse battery")
    quin = await Account.get(id=user.account_id)
    for n in range(6):
        fan = await Account.create(ap_id=f"http://127.0.0.1:{held_port}/u/{n}", username=f"h{n}",
                                   domain=f"127.0.0.1:{held_port}",
                                   inbox_url=f"http://127.0.0.1:{held_port}/inbox/{n}")
        await Follow.create(follower=fan, target=quin, state="accepted")
    fan = await Account.create(ap_id=f"http://127.0.0.1:{live_port}/u/x", username="live",
                               domain=f"127.0.0.1:{live_port}",
                               inbox_url=f"http://127.0.0.1:{live_port}/inbox")
    await Follow.create(follower=fan, target=quin, state="accepted")
    await InstanceInfo.create(domain=f"127.0.0.1:{held_port}", breaker_failures=1)  # failed before
    await works.create_work(services, quin, title="T", content_source="c")
    await run_jobs_until_idle(services, concurrency=16)
    assert live.stdout.readline().startswith("POST /inbox signed")
    held = [j for j in await Job.filter(kind="outbox.deliver") if f":{held_port}/" in j.payload["inbox"]]
    tried = [j for j in held if j.attempts == 1]
    deferred = [j for j in held if j.attempts == 0]
    assert len(tried) == 2 and len(deferred) == 4  # only two slots went to the failing host
    assert all(j.state == "queued" for j in held)


async def test_open_circuit_defers_without_spending_attempts(services, receivers):
    import time

    quiet, port = receivers()
    await InstanceInfo.create(domain=f"127.0.0.1:{port}", breaker_failures=10,
                              breaker_opened_at=time.time())
    await publish_to(services, [port])
    await run(services)
    job = await job_for(port)
    assert job.state == "queued" and job.attempts == 0 and "circuit open" in job.last_error
    quiet.kill()
    assert quiet.stdout.read() == ""


async def test_rfc9421_first_and_draft_cavage_again_where_it_is_refused(connected, tmp_path, receivers):
    """Double-knocking: RFC 9421 first; a peer that answers 401 gets the same delivery
    signed draft-cavage at once, and only draft-cavage from then on (remembered in the
    database: every worker knocks once)."""
    modern, modern_port = receivers()
    old, old_port = receivers(refuse_rfc9421=True)
    async for services in built_services(connected, tmp_path,
                                         FEDERATION_SIGNATURE_SCHEME="rfc9421"):
        await publish_to(services, [modern_port, old_port])
        await run(services)
        assert modern.stdout.readline() == "POST /inbox signed rfc9421\n"
        assert [old.stdout.readline() for _ in range(2)] == [
            "POST /inbox signed rfc9421\n", "POST /inbox signed\n"]
        assert {j.state for j in await Job.filter(kind="outbox.deliver")} == {"done"}
        assert await InstanceInfo.filter(domain=f"127.0.0.1:{old_port}", cavage_only=True).exists()
        pia = await Account.get(username="pia", domain=None)
        await works.create_work(services, pia, title="Again", content_source="c")
        await run(services)
        assert modern.stdout.readline() == "POST /inbox signed rfc9421\n"
        assert old.stdout.readline() == "POST /inbox signed\n"  # remembered: one knock


async def test_a_failing_host_seen_by_one_worker_is_backed_off_by_another(services, connected, tmp_path):
    """The breaker lives in the database: failures counted by this process's worker open
    the circuit for a separate `impasto worker` process, which defers without a request."""
    from federation.delivery_policy import BREAKER_THRESHOLD
    from tests.rig.processes import impasto_env, run_cli

    dead = free_port()  # nothing listens: every delivery fails at once
    OPEN_ENDPOINTS.add(("127.0.0.1", dead))  # reachable for the guard; refused by the kernel
    # One failure short of opening, as if earlier deliveries had failed.
    await InstanceInfo.create(domain=f"127.0.0.1:{dead}", breaker_failures=BREAKER_THRESHOLD - 1)
    await publish_to(services, [dead])
    await run(services)
    info = await InstanceInfo.get(domain=f"127.0.0.1:{dead}")
    assert info.breaker_failures == BREAKER_THRESHOLD and info.breaker_opened_at is not None

    pia = await Account.get(username="pia", domain=None)
    await works.create_work(services, pia, title="After", content_source="c")
    env = impasto_env(connected, tmp_path, FEDERATION_ALLOW_PRIVATE_ADDRESSES=f"127.0.0.1:{dead}")
    result = run_cli(["worker", "--until-idle"], env, timeout=120)
    OPEN_ENDPOINTS.discard(("127.0.0.1", dead))
    assert result.returncode == 0, result.stderr
    latest = (await Job.filter(kind="outbox.deliver").order_by("-id").first())
    assert latest.attempts == 0 and "circuit open" in latest.last_error


async def test_a_failing_hosts_slots_are_shared_by_every_worker(services, receivers):
    """The two slots of a failing host are rows in the database: while another worker
    process holds both, this one defers without a request (and without an attempt); a
    slot whose lease ended (its worker died) is taken over."""
    import asyncio
    import time

    from outbox import host_slots
    from outbox.delivery import PER_HOST

    quiet, port = receivers()
    host = f"127.0.0.1:{port}"
    taken = await asyncio.gather(*(host_slots.acquire(host, PER_HOST, f"other:{n}", 60)
                                   for n in range(4)))  # another worker, four sends at once
    assert sorted(s for s in taken if s is not None) == [0, 1] and taken.count(None) == 2
    await InstanceInfo.create(domain=host, breaker_failures=1)  # failing, breaker closed
    await publish_to(services, [port])
    await run(services)
    job = await job_for(port)
    assert job.state == "queued" and job.attempts == 0 and "in flight" in job.last_error

    await host_slots.release(host, 0, "someone else")  # only the holder gives a slot back
    assert await host_slots.acquire(host, PER_HOST, "me", 60) is None
    await host_slots.release(host, 0, f"other:{taken.index(0)}")  # whoever won slot 0
    assert await host_slots.acquire(host, PER_HOST, "me", 60) == 0
    later = time.time() + 120  # both leases have ended: the holders died mid-request
    assert await host_slots.acquire(host, PER_HOST, "next", 60, now=later) == 0
    assert await host_slots.acquire(host, PER_HOST, "next", 60, now=later) == 1

    from instance.storage.models import HostSlot

    await HostSlot.all().delete()  # every slot free again: the delivery is sent
    await Job.filter(id=job.id).update(next_attempt_at=datetime.now(UTC))
    await run(services)
    assert quiet.stdout.readline().startswith("POST /inbox")
    assert await HostSlot.all().count() == 0  # given back after the send
