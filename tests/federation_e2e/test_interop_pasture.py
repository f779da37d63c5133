"""fediverse-pasture's verify_actor probes an Impasto actor with its six test actors: the
unsigned ones (alice, dean) are refused (authorized fetch), the signing ones — with or
without preferredUsername, needing signed fetches of their own actor or not — fetch the
actor and are accepted at the inbox, and WebFinger round-trips."""

from __future__ import annotations

import json
import subprocess

import httpx
import pytest

from instance.actors.accounts import create_local_user
from tests.conftest import REPO_ROOT
from tests.federation_e2e.interop import interop_python
from tests.federation_e2e.test_two_instances import PASSWORD
from tests.rig.peers import third_party_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


@pytest.fixture
def pasture(tmp_path):
    python = interop_python("fediverse_pasture", "hypercorn")
    process = subprocess.Popen([python, str(REPO_ROOT / "tests/federation_e2e/pasture_server.py"),
                                str(third_party_port(1))],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
    try:
        yield f"http://127.0.0.1:{int(process.stdout.readline())}"
    finally:
        process.kill()
        process.wait()


async def test_verify_actor_accepts_impasto(peers, pasture):
    a, _ = peers
    async with a.open() as services:
        await create_local_user(services.urls, "pasture", PASSWORD)
    actor = f"{a.url}/users/pasture"
    response = httpx.get(pasture, params={"actor_uri": actor},
                         headers={"accept": "application/json"}, timeout=180)
    result = response.json()["result"]
    log = json.loads(response.json()["messages"])
    assert result["webfinger"] is True, log
    for name in ("alice", "dean"):  # unsigned: refused (authorized fetch is on)
        assert result[name] == {"get_actor": False, "post_inbox": False}, (name, log)
    for name in ("bob", "claire", "emily", "frank"):  # signed, with or without a username
        assert result[name] == {"get_actor": True, "post_inbox": True}, (name, log)
