"""`impasto federation` commands as an admin runs them, against a running pair."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from instance.actors.accounts import create_local_user
from instance.jobs.queue import utcnow
from instance.storage.models import InstanceInfo, Job
from tests.federation_e2e.test_two_instances import PASSWORD
from tests.rig.processes import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


async def test_resolve_hosts_and_reset(peers):
    a, b = peers
    async with a.open() as services:
        await create_local_user(services.urls, "vera", PASSWORD)
    resolved = run_cli(["federation", "resolve", f"@vera@{a.domain}"], b.env)
    assert resolved.returncode == 0, resolved.stderr
    assert f"id:           {a.url}/users/vera" in resolved.stdout
    assert f"inbox:        {a.url}/users/vera/inbox" in resolved.stdout

    days = [(date.today() - timedelta(days=n)).isoformat() for n in range(7)]
    async with b.open():
        await InstanceInfo.create(domain="dead.example", failure_days=days, unavailable=True)
        job = await Job.create(kind="outbox.deliver", state="failed", attempts=17,
                               payload={"activity": 1, "inbox": "https://dead.example/inbox"},
                               next_attempt_at=utcnow())
    hosts = run_cli(["federation", "hosts"], b.env)
    line = next(row for row in hosts.stdout.splitlines() if row.startswith("dead.example"))
    assert line.split()[1:] == ["0", "1", "7", "unavailable"]
    reset = run_cli(["federation", "reset", "dead.example"], b.env)
    assert "1 failed deliveries queued once more" in reset.stdout
    async with b.open():
        again = await Job.get(id=job.id)
        assert again.state == "queued" and again.attempts == 0
        assert not (await InstanceInfo.get(domain="dead.example")).unavailable
    missing = run_cli(["federation", "resolve", f"@nobody@{a.domain}"], b.env)
    assert missing.returncode == 2 and "cannot resolve" in missing.stderr
