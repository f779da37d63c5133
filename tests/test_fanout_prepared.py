"""A fan-out reads its activity and its sender once per process, not once per inbox:
every delivery still carries the same signed body, and an activity deleted before its
deliveries ran is not delivered. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from instance.actions import works
from instance.actors.accounts import create_local_user
from instance.storage.models import Account, Follow, Job, OutboxActivity
from outbox import prepared
from tests.rig.jobs import run_jobs_until_idle
from tests.rig.loopback import Response, loopback_server
from tests.test_inbox_caches import Queries


@pytest.fixture(autouse=True)
def fresh():
    prepared.forget()
    yield
    prepared.forget()


async def publish(services, base: str, port: int, followers: int) -> None:
    user = await create_local_user(services.urls, "pia", "correct horse battery")
    pia = await Account.get(id=user.account_id)
    for n in range(followers):
        fan = await Account.create(ap_id=f"{base}/u/{n}", username=f"u{n}", domain=f"127.0.0.1:{port}",
                                   inbox_url=f"{base}/inbox/{n}")
        await Follow.create(follower=fan, target=pia, state="accepted")
    await works.create_work(services, pia, title="T", content_source="c")


async def test_a_fanout_reads_its_activity_and_sender_once(services):
    async with loopback_server(lambda request: Response(202)) as peer:
        await publish(services, peer.base, peer.port, followers=6)
        with Queries() as queries:
            await run_jobs_until_idle(services, concurrency=1)
        bodies = {r["body"] for r in peer.requests if r["method"] == "POST"}
        posts = [r for r in peer.requests if r["method"] == "POST"]
    assert len(posts) == 6 and len(bodies) == 1  # one body, six inboxes
    assert await Job.filter(kind="outbox.deliver", state="done").count() == 6
    assert len(queries.touching("outbox_activities")) == 1
    assert len([q for q in queries.touching('"accounts"') if "SELECT" in q.upper()]) <= 1


async def test_a_deleted_activity_is_not_delivered(services):
    async with loopback_server(lambda request: Response(202)) as peer:
        await publish(services, peer.base, peer.port, followers=2)
        await OutboxActivity.all().delete()
        await run_jobs_until_idle(services, concurrency=1)
        posts = [r for r in peer.requests if r["method"] == "POST"]
    assert posts == []
