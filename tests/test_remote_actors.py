"""Resolving a signing key over real loopback HTTP keeps the actor we know whole: a
GoToSocial-shaped key URL (`…/main-key`, answering with a stub Person that holds only the
id and the key) must not blank the stored inbox, followers or name."""

from __future__ import annotations

import pytest

from federation.keys import generate_rsa_keypair
from instance.actors.remote import ActorError, resolve_key, store_actor
from instance.storage.models import Account
from tests.rig.loopback import loopback_server
from tests.rig.services import built_services


@pytest.fixture
async def peer():
    """Serves fixed JSON documents by path (`peer.documents`) on 127.0.0.1."""
    async with loopback_server() as server:
        yield server


@pytest.fixture
async def services(connected, tmp_path):
    async for built in built_services(connected, tmp_path):  # reaches its loopback servers
        yield built


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


async def test_a_key_of_another_host_listed_by_an_actor_is_not_resolved(services, peer):
    """The attack once accepted: an actor lists a key id on another host, whose document
    names the actor as owner. Neither the key nor the actor's claim to it is stored."""
    _, pem = generate_rsa_keypair()
    async with loopback_server() as keys:
        actor = f"{peer.base}/users/mal"
        key_id = f"{keys.base}/k/1"
        peer.documents = {"/users/mal": {"id": actor, "type": "Person", "inbox": f"{actor}/inbox",
                                         "publicKey": {"id": key_id, "owner": actor,
                                                       "publicKeyPem": pem}}}
        keys.documents = {"/k/1": {"id": key_id, "owner": actor, "publicKeyPem": pem}}
        assert await resolve_key(services, key_id, refresh=False) is None
        assert await resolve_key(services, key_id, refresh=True) is None
    assert not await Account.filter(public_key_id=key_id).exists()


async def test_an_actor_claiming_another_actors_key_is_refused(services, peer):
    _, bob_pem = generate_rsa_keypair()
    bob_id = f"{peer.base}/users/bob"
    bob_key = f"{bob_id}#main-key"
    await Account.create(ap_id=bob_id, username="bob", domain=f"127.0.0.1:{peer.port}",
                         inbox_url=f"{bob_id}/inbox", public_key_id=bob_key,
                         public_key_pem=bob_pem)
    mal_id = f"{peer.base}/users/mal"
    claim = {"id": mal_id, "type": "Person", "inbox": f"{mal_id}/inbox",
             "publicKey": {"id": bob_key, "owner": mal_id, "publicKeyPem": bob_pem}}
    with pytest.raises(ActorError, match="claims the key"):
        await store_actor(claim, mal_id)
    bob = await Account.get(ap_id=bob_id)
    assert bob.public_key_id == bob_key and bob.public_key_pem == bob_pem
    assert not await Account.filter(ap_id=mal_id).exists()
    # a key spelled from the claimant's own id moves to it (an actor re-created elsewhere)
    own = f"{mal_id}#main-key"
    await Account.filter(id=bob.id).update(public_key_id=own)
    stored = await store_actor(dict(claim, publicKey=dict(claim["publicKey"], id=own)), mal_id)
    assert stored.public_key_id == own
    assert (await Account.get(ap_id=bob_id)).public_key_id is None
