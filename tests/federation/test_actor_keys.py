"""Finding the signing key in the documents peers serve at their key ids."""

from __future__ import annotations

from federation.actor_keys import find_key, key_fetch_url

ACTOR = "https://m.test/users/alice"
PEM = "-----BEGIN PUBLIC KEY-----\nMII...\n-----END PUBLIC KEY-----\n"


def actor(**extra):
    return {"id": ACTOR, "type": "Person",
            "publicKey": {"id": ACTOR + "#main-key", "owner": ACTOR, "publicKeyPem": PEM},
            **extra}


def test_key_fetch_url():
    assert key_fetch_url(ACTOR + "#main-key") == ACTOR
    assert key_fetch_url("https://gts.test/users/a/main-key") == "https://gts.test/users/a/main-key"
    assert key_fetch_url("https://b.test/x#serverKey") == "https://b.test/x"


def test_mastodon_actor_key():
    found = find_key(actor(), ACTOR + "#main-key", ACTOR)
    assert found and found.confirmed and found.info.owner == ACTOR and found.info.key == PEM


def test_bare_actor_url_key_id():
    found = find_key(actor(), ACTOR, ACTOR)
    assert found and found.info.key == PEM


def test_gotosocial_stub_at_main_key():
    stub = {"id": "https://gts.test/users/a", "type": "Person",
            "publicKey": {"id": "https://gts.test/users/a/main-key",
                          "owner": "https://gts.test/users/a", "publicKeyPem": PEM}}
    found = find_key(stub, "https://gts.test/users/a/main-key", "https://gts.test/users/a/main-key")
    assert found and found.confirmed and found.info.owner == "https://gts.test/users/a"


def test_fedify_multikey():
    doc = actor(assertionMethod=[{"id": ACTOR + "#ed25519-key", "type": "Multikey",
                                  "controller": ACTOR, "publicKeyMultibase": "z6MkTest"}])
    found = find_key(doc, ACTOR + "#ed25519-key", ACTOR)
    assert found and found.info.key == "z6MkTest"


def test_standalone_key_needs_owner_confirmation():
    doc = {"id": "https://m.test/keys/1", "owner": ACTOR, "publicKeyPem": PEM}
    found = find_key(doc, "https://m.test/keys/1", "https://m.test/keys/1")
    assert found and not found.confirmed and found.info.owner == ACTOR


def test_refusals():
    assert find_key(actor(), ACTOR + "#other-key", ACTOR) is None
    assert find_key(actor(), ACTOR + "#main-key", "https://evil.test/x") is None  # wrong origin
    foreign = actor(publicKey={"id": ACTOR + "#main-key", "owner": "https://m.test/users/bob",
                               "publicKeyPem": PEM})
    assert find_key(foreign, ACTOR + "#main-key", ACTOR) is None  # owner is someone else
    assert find_key("nope", ACTOR, ACTOR) is None


def test_a_key_is_only_found_on_its_actors_origin():
    elsewhere = "https://keys.example/k/1"
    listed = actor(publicKey={"id": elsewhere, "owner": ACTOR, "publicKeyPem": PEM})
    assert find_key(listed, elsewhere, ACTOR) is None  # the actor lists a key of another host
    assert find_key(listed, elsewhere, elsewhere) is None
    standalone = {"id": elsewhere, "owner": ACTOR, "publicKeyPem": PEM}
    assert find_key(standalone, elsewhere, elsewhere) is None  # names an owner elsewhere
    multikey = actor(assertionMethod=[{"id": "https://keys.example/mk", "controller": ACTOR,
                                       "publicKeyMultibase": "z6MkTest"}])
    assert find_key(multikey, "https://keys.example/mk", ACTOR) is None
