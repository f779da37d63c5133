"""Pathological JSON over real HTTP: the inbox (before any signature work), the client
API and OAuth answer 400 with a reason for every shape of federation/safe_json's table,
never a 500, and store nothing."""

from __future__ import annotations

import httpx
import pytest

from instance.actors.accounts import create_local_user
from instance.api.oauth.tokens import issue_token
from instance.storage.models import InboxItem, Job, OAuthApplication, Work
from tests.federation.test_safe_json import HOSTILE
from tests.federation_e2e.test_two_instances import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]

BODIES = {name: data for name, (data, _reason) in HOSTILE.items() if data}


async def _counts(peer) -> tuple[int, int, int]:
    async with peer.open():
        return (await InboxItem.all().count(), await Job.filter(kind="inbox.process").count(),
                await Work.all().count())


async def test_inbox_refuses_hostile_json_before_signatures(peers):
    _, b = peers
    before = await _counts(b)
    with httpx.Client(timeout=30) as http:
        for path in ("/inbox", "/actor/inbox"):
            for name, data in BODIES.items():
                # a Signature header that would fail: the JSON must be judged first
                answer = http.post(f"{b.url}{path}", content=data, headers={
                    "Content-Type": "application/activity+json",
                    "Signature": 'keyId="http://127.0.0.1:1/k",headers="date",signature="AA=="'})
                assert answer.status_code == 400, (name, answer.status_code, answer.text)
                assert "JSON" in answer.text, (name, answer.text)
    assert await _counts(b) == before


async def test_client_api_and_oauth_refuse_hostile_json(peers):
    _, b = peers
    async with b.open() as services:
        user = await create_local_user(services.urls, "jsonpoker", PASSWORD)
        app = await OAuthApplication.create(name="poker", client_id="poker-id",
                                            client_secret="s", scopes="read write")
        token, _ = await issue_token(app, user, ["read", "write"])
    before = await _counts(b)
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with httpx.Client(timeout=30) as http:
        for method, path, headers in (
            ("POST", "/api/v1/apps", {"Content-Type": "application/json"}),
            ("POST", "/oauth/token", {"Content-Type": "application/json"}),
            ("POST", "/oauth/revoke", {"Content-Type": "application/json"}),
            ("POST", "/api/v1/statuses", auth),
            ("PATCH", "/api/v1/accounts/update_credentials", auth),
        ):
            for name, data in BODIES.items():
                answer = http.request(method, f"{b.url}{path}", content=data, headers=headers)
                assert answer.status_code == 400, (path, name, answer.status_code, answer.text)
                assert "JSON" in answer.json()["error"], (path, name, answer.text)
        ok = http.post(f"{b.url}/api/v1/statuses", json={"status": "plain JSON still works"},
                       headers=auth)
        assert ok.status_code == 200, ok.text
    after = await _counts(b)
    assert after[:2] == before[:2] and after[2] == before[2] + 1
