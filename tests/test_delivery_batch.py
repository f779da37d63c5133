"""A send to many inboxes goes out in `outbox.deliver_batch` jobs, against real loopback
inboxes: every live inbox gets it once, a failing or dead host's inboxes become their own
`outbox.deliver` jobs, and a batch
that stops half-way keeps its progress, so running it again sends only what is left."""

from __future__ import annotations

import asyncio

import pytest

from instance.actions import works
from instance.actors.accounts import create_local_user
from instance.storage.models import Account, Follow, InstanceInfo, Job
from outbox import batch, fanout
from tests.rig.jobs import run_jobs_until_idle
from tests.rig.peers import free_port
from tests.rig.queries import Queries
from tests.test_actions_delivery import receivers, run, services  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow


async def followed_on(built, hosts: dict[int, int]) -> list[str]:
    """A local artist followed by `count` accounts with personal inboxes on each port;
    publishes a work to them and returns their inboxes."""
    user = await create_local_user(built.urls, "pia", "correct horse battery")
    pia = await Account.get(id=user.account_id)
    inboxes = []
    for port, count in hosts.items():
        for n in range(count):
            inbox = f"http://127.0.0.1:{port}/inbox/{n}"
            fan = await Account.create(ap_id=f"http://127.0.0.1:{port}/u/{n}", username=f"u{port}-{n}",
                                       domain=f"127.0.0.1:{port}", inbox_url=inbox)
            await Follow.create(follower=fan, target=pia, state="accepted")
            inboxes.append(inbox)
    await works.create_work(built, pia, title="Tide", content_source="for everyone")
    return inboxes


def received(process, port: int) -> list[str]:
    """Inboxes the receiver on `port` got a signed POST for (it is stopped to read them)."""
    process.kill()
    lines = process.stdout.read().splitlines()
    assert all(line.endswith(" signed") for line in lines), lines
    return [f"http://127.0.0.1:{port}{line.split()[1]}" for line in lines]


async def test_a_send_to_many_goes_out_in_batches(services, receivers, monkeypatch):  # noqa: F811
    monkeypatch.setattr(fanout, "BATCH_SIZE", 25)
    one, port_one = receivers()
    two, port_two = receivers()
    inboxes = await followed_on(services, {port_one: 20, port_two: 20})
    assert len(inboxes) >= fanout.BATCH_FROM
    batches = await Job.filter(kind="outbox.deliver_batch").order_by("id")
    assert [len(job.payload["inboxes"]) for job in batches] == [25, 15]
    assert not await Job.filter(kind="outbox.deliver").exists()

    with Queries() as queries:
        await run(services)
    got = received(one, port_one) + received(two, port_two)
    assert sorted(got) == sorted(inboxes)  # each once
    assert {job.state for job in await Job.filter(kind="outbox.deliver_batch")} == {"done"}
    assert not await Job.filter(kind="outbox.deliver").exists()
    # First contact with both hosts, 16 sends at once: one row each, its success noted,
    # inserted once (the other sends under way wait for it or find it cached).
    assert len([q for q in queries.touching('INTO "instances"') if "INSERT" in q]) == 2
    hosts = await InstanceInfo.filter(domain__startswith="127.0.0.1:").values_list(
        "domain", "last_success_at")
    assert sorted(domain for domain, _ in hosts) == sorted(f"127.0.0.1:{p}" for p in (port_one, port_two))
    assert all(seen is not None for _, seen in hosts)


async def test_failing_and_dead_hosts_become_delivery_jobs(services, receivers):  # noqa: F811
    live, live_port = receivers()
    busy, busy_port = receivers(status=503)
    dead_port = free_port()  # nothing listens there
    services.http.guard.allow(f"127.0.0.1:{dead_port}")
    inboxes = await followed_on(services, {live_port: 20, busy_port: 10, dead_port: 10})

    await run(services)
    assert sorted(received(live, live_port)) == sorted(i for i in inboxes if f":{live_port}/" in i)
    assert received(busy, busy_port), "the failing host was never tried"
    handed_on = {job.payload["inbox"]: job for job in await Job.filter(kind="outbox.deliver")}
    assert set(handed_on) == {i for i in inboxes if f":{live_port}/" not in i}
    assert all(job.state == "queued" and job.max_attempts == 17 for job in handed_on.values())
    assert all(job.lane == job.payload["inbox"].split("/")[2] for job in handed_on.values())
    assert (await Job.get(kind="outbox.deliver_batch")).state == "done"


async def test_a_batch_stopped_half_way_sends_only_what_is_left(services, receivers,  # noqa: F811
                                                                 monkeypatch):
    process, port = receivers()
    monkeypatch.setattr(batch, "FLUSH_EVERY", 4)
    monkeypatch.setattr(batch, "IN_FLIGHT", 1)  # one at a time, in order
    inboxes = await followed_on(services, {port: 40})
    send = batch._send

    async def send_or_stop(ctx, ready, inbox, failing):
        """The 21st inbox breaks the batch; the ones after it never get their turn."""
        index = inboxes.index(inbox)
        if index == 20:
            raise RuntimeError("the worker stops here")
        if index > 20:
            await asyncio.Event().wait()  # until the batch's end cancels it
        return await send(ctx, ready, inbox, failing)

    monkeypatch.setattr(batch, "_send", send_or_stop)
    await run(services)
    job = await Job.get(kind="outbox.deliver_batch")
    assert job.state == "queued" and job.attempts == 1 and "stops here" in job.last_error
    assert job.payload["inboxes"] == inboxes[20:], "the progress was not written"

    monkeypatch.setattr(batch, "_send", send)
    await run_jobs_until_idle(services, include_delayed=True)
    assert sorted(received(process, port)) == sorted(inboxes)  # each once
    assert (await Job.get(id=job.id)).state == "done"
