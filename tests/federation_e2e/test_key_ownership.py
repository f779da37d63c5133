"""Key ownership at a real inbox: a keyId on another origin than the activity's actor
is refused (403) before anything is fetched from it, even when the actor's document
lists that key."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from federation.keys import generate_rsa_keypair
from instance.storage.models import InboxItem
from tests.rig.loopback import loopback_server
from tests.rig.signing import signed_headers

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


async def test_a_key_on_another_host_cannot_sign_for_an_actor(peers):
    _, b = peers
    private, public = generate_rsa_keypair()
    async with loopback_server() as home, loopback_server() as keys:
        actor = f"{home.base}/users/mal"
        key_id = f"{keys.base}/k#main-key"
        home.documents = {"/users/mal": {
            "@context": "https://www.w3.org/ns/activitystreams", "id": actor, "type": "Person",
            "inbox": f"{actor}/inbox", "publicKey": {"id": key_id, "owner": actor,
                                                     "publicKeyPem": public}}}
        keys.documents = {"/k": {"id": f"{keys.base}/k", "type": "Person", "inbox": f"{keys.base}/i",
                                 "publicKey": {"id": key_id, "owner": actor, "publicKeyPem": public}}}
        activity = {"@context": "https://www.w3.org/ns/activitystreams", "type": "Like",
                    "id": f"{actor}#likes/{uuid.uuid4().hex}", "actor": actor,
                    "object": f"{b.url}/users/nobody/works/1"}
        body = json.dumps(activity).encode()
        inbox = f"{b.url}/inbox"
        signer = type("S", (), {"public_key_id": key_id, "private_key_pem": private})
        async with httpx.AsyncClient(timeout=30) as http:
            answer = await http.post(inbox, content=body, headers=signed_headers(inbox, body, signer))
        assert answer.status_code == 403 and "not on the origin" in answer.text
        assert keys.requests == [] and home.requests == []  # refused before any fetch
    async with b.open():
        assert not await InboxItem.filter(actor_id=actor).exists()
