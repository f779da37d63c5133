"""The receiving instance's PostgreSQL stops in the middle of a fan-out and comes back:
while it is away the receiver answers 503 with Retry-After (never a 500), the sender keeps
the delivery scheduled, and once the database is back the same running server (no
restart) takes the work exactly once."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from instance.actions import social, works
from instance.actors.accounts import create_local_user
from instance.actors.remote import resolve_acct
from instance.storage.models import Account, Follow, Job, Work
from tests.rig.peers import make_peer, serving

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
PASSWORD = "correct horse battery"


async def test_receiver_database_restart_loses_nothing(tmp_path, private_postgres_server):
    a = make_peer("a", tmp_path)
    b = make_peer("b", tmp_path, private_postgres_server.url)
    with serving(a, b):
        async with a.open() as services:
            await create_local_user(services.urls, "alice", PASSWORD)
        async with b.open() as services:
            await create_local_user(services.urls, "bob", PASSWORD)
            bob = await Account.get(username="bob", domain=None)
            alice = await resolve_acct(services, "alice", a.domain)
            assert alice is not None
            await social.follow(services, bob, alice)
        await b.run_jobs()
        await a.run_jobs()
        await b.run_jobs()  # Follow → A, Accept → B
        async with a.open():
            assert await Follow.filter(target__username="alice", state="accepted").count() == 1

        private_postgres_server.stop()
        async with httpx.AsyncClient(timeout=30) as http:
            api = await http.get(f"{b.url}/api/v1/timelines/public")
            page = await http.get(f"{b.url}/@bob")
        for answer in (api, page):
            assert answer.status_code == 503, answer.text
            assert answer.headers["Retry-After"] == "30"
            assert "database is unavailable" in answer.text
        assert "database is unavailable" in api.json()["error"]

        async with a.open() as services:
            before = await Job.filter(kind="outbox.deliver").count()
            alice = await Account.get(username="alice", domain=None)
            work = await works.create_work(services, alice, title="Tide", content_source="Ink")
            work_ap_id = work.ap_id
        await a.run_jobs()
        async with a.open():
            deliveries = Job.filter(kind="outbox.deliver").order_by("id")
            assert await deliveries.count() == before + 1
            delivery = await deliveries.offset(before).first()
            assert delivery is not None
            assert delivery.state != "done" and delivery.attempts == 1
            assert "503" in delivery.last_error
            await Job.filter(id=delivery.id).update(next_attempt_at=datetime.now(UTC))

        private_postgres_server.start()
        await a.run_jobs()
        async with a.open():
            assert (await Job.get(id=delivery.id)).state == "done"
        await b.run_jobs()
        await a.run_jobs()  # a second pass must not deliver or store it again
        await b.run_jobs()
        async with b.open():
            assert await Work.filter(ap_id=work_ap_id).count() == 1
        assert b.process is not None and b.process.poll() is None  # never restarted
        async with httpx.AsyncClient(timeout=30) as http:
            assert (await http.get(f"{b.url}/@bob")).status_code == 200
