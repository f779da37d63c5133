"""Resolving a signing key over real loopback HTTP keeps the actor we know whole: a
GoToSocial-shaped key URL (`…/main-key`, answering with a stub Person that holds only the
id and the key) must not blank the stored inbox, followers or name."""

from __future__ import annotations

import asyncio
import json

import pytest

from federation.keys import generate_rsa_keypair
from instance.config import load_config
from instance.federation.actors import resolve_key
from instance.federation.instance_actor import forget_cache
from instance.services import build_services, close_services
from instance.storage.models import Account


class ActorServer:
    """Serves fixed JSON documents by path on 127.0.0.1 (HTTP/1.1, one per connection)."""

    def __init__(self) -> None:
        self.documents: dict[str, dict] = {}
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        path = head.decode("latin-1").split(" ", 2)[1]
        doc = self.documents.get(path)
        body = json.dumps(doc).encode() if doc else b"{}"
        status = "200 OK" if doc else "404 Not Found"
        writer.write(f"HTTP/1.1 {status}\r\nContent-Type: application/activity+json\r\n"
                     f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
        await writer.drain()
        writer.close()


@pytest.fixture
async def peer():
    server = ActorServer()
    listening = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    server.port = listening.sockets[0].getsockname()[1]
    async with listening:
        yield server


@pytest.fixture
async def services(connected, tmp_path):
    config = load_config(environ={
        "IMPASTO_INSTANCE_DOMAIN": "art.test", "IMPASTO_DATABASE_URL": connected,
        "IMPASTO_MEDIA_PATH": str(tmp_path / "media"),
        "IMPASTO_FEDERATION_ALLOW_PRIVATE_ADDRESSES": "true",
    })
    forget_cache()
    built = build_services(config)
    yield built
    await close_services(built)


def gotosocial_actor(base: str, pem: str) -> tuple[dict, dict]:
    """GoToSocial's shapes: the full actor, and the stub its key URL answers with."""
    actor = f"{base}/users/gwen"
    key = {"id": f"{actor}/main-key", "owner": actor, "publicKeyPem": pem}
    stub = {"@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": actor, "type": "Person", "preferredUsername": "gwen", "publicKey": key}
    full = {**stub, "name": "Gwen", "inbox": f"{actor}/inbox", "outbox": f"{actor}/outbox",
            "followers": f"{actor}/followers", "following": f"{actor}/following"}
    return full, stub


async def test_a_stub_behind_the_key_url_keeps_the_stored_actor_whole(services, peer):
    _, old_pem = generate_rsa_keypair()
    _, new_pem = generate_rsa_keypair()
    full, stub = gotosocial_actor(peer.base, new_pem)
    actor_id, key_id = full["id"], full["publicKey"]["id"]
    await Account.create(ap_id=actor_id, username="gwen", domain=f"127.0.0.1:{peer.port}",
                         display_name="Gwen", inbox_url=f"{actor_id}/inbox",
                         followers_url=f"{actor_id}/followers", public_key_id=key_id,
                         public_key_pem=old_pem)
    peer.documents = {"/users/gwen": full, "/users/gwen/main-key": stub}

    found = await resolve_key(services, key_id, refresh=True)  # the key rotated

    assert found is not None and found.owner == actor_id and found.key == new_pem
    stored = await Account.get(ap_id=actor_id)
    assert stored.public_key_pem == new_pem
    assert stored.inbox_url == f"{actor_id}/inbox" and stored.display_name == "Gwen"
    assert stored.followers_url == f"{actor_id}/followers"


async def test_an_unknown_gotosocial_key_stores_the_full_actor(services, peer):
    _, pem = generate_rsa_keypair()
    full, stub = gotosocial_actor(peer.base, pem)
    peer.documents = {"/users/gwen": full, "/users/gwen/main-key": stub}

    found = await resolve_key(services, full["publicKey"]["id"], refresh=False)

    assert found is not None and found.owner == full["id"]
    stored = await Account.get(ap_id=full["id"])
    assert stored.inbox_url == full["inbox"] and stored.public_key_id == full["publicKey"]["id"]
