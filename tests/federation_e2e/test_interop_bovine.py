"""bovine-herd as a real peer: Impasto finds a bovine actor by WebFinger, fetches it
with a signed GET (bovine refuses unsigned ones), and delivers a Follow that bovine
accepts — which needs bovine to verify our draft-cavage signature, fetching our actor
through our authorized-fetch gate with its own signature."""

from __future__ import annotations

import subprocess

import pytest

from instance.accounts import create_local_user
from instance.actions import social
from instance.federation.actors import resolve_acct
from instance.storage.models import Account, Job
from tests.conftest import REPO_ROOT
from tests.federation_e2e.interop import interop_python
from tests.federation_e2e.test_two_instances import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


@pytest.fixture
def bovine(tmp_path):
    python = interop_python("bovine_herd", "bovine_store", "hypercorn")
    process = subprocess.Popen(
        [python, str(REPO_ROOT / "tests/federation_e2e/bovine_server.py"), "milou",
         str(REPO_ROOT / "federation/contexts/jsonld-contexts.json")],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        yield f"127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.kill()
        process.wait()


async def test_impasto_follows_a_bovine_actor(peers, bovine):
    a, _ = peers
    async with a.open() as services:
        user = await create_local_user(services.urls, "rex", PASSWORD)
        rex = await Account.get(id=user.account_id)
        milou = await resolve_acct(services, "milou", bovine)
        assert milou is not None, "WebFinger + signed actor fetch from bovine failed"
        assert milou.inbox_url and milou.public_key_pem.startswith("-----BEGIN")
        await social.follow(services, rex, milou)
    await a.run_jobs()
    async with a.open():
        job = (await Job.filter(kind="outbox.deliver").order_by("-id").first())
        assert job.payload["inbox"] == milou.inbox_url
        assert job.state == "done", job.last_error  # bovine verified our signature: 2xx
