"""The inbox path's caches: domain policies and senders' keys are read once, not on every
request, and still change when they must — a suspension at once in the process that made
it and at the next refresh (or within the TTL) in any other; a rotated key after one
refetch. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from tortoise import Tortoise

from federation.keys import generate_rsa_keypair
from federation.signatures import SignatureError, sign_request, verify_request
from instance import site_settings
from instance.actors import key_cache
from instance.actors.remote import resolve_key
from instance.moderation import policy_cache
from instance.moderation.blocklist_formats import BlockEntry
from instance.moderation.domains import block_domain, unblock_domain
from instance.moderation.gate import url_is_suspended
from instance.storage.models import Account
from tests.rig.loopback import loopback_server
from tests.rig.queries import Queries

INBOX = "https://art.test/inbox"


@pytest.fixture(autouse=True)
def fresh_caches():
    policy_cache.forget()
    key_cache.clear()
    yield
    policy_cache.forget()
    key_cache.clear()


async def verify(services, body: bytes, key_id: str, private_pem: str):
    headers = sign_request("POST", INBOX, {"Content-Type": "application/activity+json"}, body,
                           key_id, private_pem)
    return await verify_request("POST", INBOX, headers, body,
                                lambda k, refresh: resolve_key(services, k, refresh))


async def test_a_known_sender_costs_no_policy_or_key_query(services):
    private_pem, public_pem = generate_rsa_keypair()
    actor = "https://peer.test/users/ana"
    await Account.create(ap_id=actor, username="ana", domain="peer.test", inbox_url=f"{actor}/inbox",
                         public_key_id=f"{actor}#main-key", public_key_pem=public_pem)
    await site_settings.refresh(services)
    assert not await url_is_suspended(services, actor)
    await verify(services, b"{}", f"{actor}#main-key", private_pem)

    with Queries() as queries:
        assert not await url_is_suspended(services, actor)
        verified = await verify(services, b"{}", f"{actor}#main-key", private_pem)
        control = len(queries.sql)
        await Account.filter(ap_id=actor).exists()  # the counter does count

    assert verified.owner == actor
    assert control == 0 and len(queries.touching("accounts")) == 1


async def test_a_suspension_takes_effect_at_once_in_this_process(services):
    assert not await url_is_suspended(services, "https://bad.test/users/x")  # cached: allowed
    await block_domain(BlockEntry(domain="bad.test", severity="suspend"))
    assert await url_is_suspended(services, "https://sub.bad.test/users/x")
    await unblock_domain("bad.test")
    assert not await url_is_suspended(services, "https://sub.bad.test/users/x")


async def test_a_suspension_made_elsewhere_is_seen_at_the_next_refresh(services):
    await site_settings.refresh(services)
    assert not await url_is_suspended(services, "https://bad.test/users/x")  # cached: allowed
    # Another process: writes the row and bumps the stamp; this process's copy is untouched.
    await Tortoise.get_connection("default").execute_query(
        "INSERT INTO domain_policies (domain, severity, reject_media, reject_reports, "
        "public_comment, private_comment, obfuscate, allow, source, created_at, updated_at) "
        "VALUES ('bad.test', 'suspend', false, false, '', '', false, false, '', "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")
    await site_settings.bump_stamp(None, site_settings.POLICY_STAMP)
    assert not await url_is_suspended(services, "https://bad.test/users/x")  # not yet seen

    await site_settings.refresh(services)  # what every request and job claim does first

    assert await url_is_suspended(services, "https://bad.test/users/x")


async def test_a_policy_written_by_hand_is_seen_within_the_ttl(services, monkeypatch):
    assert not await url_is_suspended(services, "https://bad.test/users/x")
    await Tortoise.get_connection("default").execute_query(
        "INSERT INTO domain_policies (domain, severity, reject_media, reject_reports, "
        "public_comment, private_comment, obfuscate, allow, source, created_at, updated_at) "
        "VALUES ('bad.test', 'suspend', false, false, '', '', false, false, '', "
        "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)")  # no stamp bumped, no listener
    assert not await url_is_suspended(services, "https://bad.test/users/x")
    started = policy_cache.time.monotonic()
    monkeypatch.setattr(policy_cache, "_clock", lambda: started + policy_cache.TTL + 1)
    assert await url_is_suspended(services, "https://bad.test/users/x")


async def test_a_policy_created_through_the_model_bumps_the_stamp(services):
    from instance.storage.models import DomainPolicy

    await site_settings.refresh(services)
    before = site_settings.seen_stamp(site_settings.POLICY_STAMP)
    assert not await url_is_suspended(services, "https://bad.test/users/x")
    policy = await DomainPolicy.create(domain="bad.test", severity="suspend")
    assert await url_is_suspended(services, "https://bad.test/users/x")  # this process
    await site_settings.refresh(services)
    assert site_settings.seen_stamp(site_settings.POLICY_STAMP) != before  # every other
    await policy.delete()
    assert not await url_is_suspended(services, "https://bad.test/users/x")


async def test_a_rotated_key_is_accepted_after_one_refetch(services):
    old_private, old_public = generate_rsa_keypair()
    new_private, new_public = generate_rsa_keypair()
    async with loopback_server() as peer:
        actor = f"{peer.base}/users/ana"
        key_id = f"{actor}#main-key"
        await Account.create(ap_id=actor, username="ana", domain=f"127.0.0.1:{peer.port}",
                             inbox_url=f"{actor}/inbox", public_key_id=key_id,
                             public_key_pem=old_public)
        assert (await verify(services, b"{}", key_id, old_private)).owner == actor  # cached now
        peer.documents = {"/users/ana": {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": actor, "type": "Person", "preferredUsername": "ana", "inbox": f"{actor}/inbox",
            "publicKey": {"id": key_id, "owner": actor, "publicKeyPem": new_public}}}

        assert (await verify(services, b"{}", key_id, new_private)).owner == actor
        assert (await verify(services, b"{}", key_id, new_private)).owner == actor
        fetches = [p for p in peer.paths if p == "/users/ana"]
        assert len(fetches) == 1  # one refetch, then the new key from the cache
        with pytest.raises(SignatureError):  # the old key is gone everywhere
            await verify(services, b"{}", key_id, old_private)
    assert (await Account.get(ap_id=actor)).public_key_pem == new_public


def test_the_key_cache_is_bounded(monkeypatch):
    from federation.signatures import PublicKeyInfo

    monkeypatch.setattr(key_cache, "MAX_ENTRIES", 3)
    for n in range(5):
        key_cache.put(f"https://p.test/{n}#k", PublicKeyInfo(f"https://p.test/{n}", "pem"))
    assert key_cache.get("https://p.test/0#k") is None and key_cache.get("https://p.test/1#k") is None
    assert key_cache.get("https://p.test/4#k") is not None
    key_cache.put("https://p.test/5#k", PublicKeyInfo("https://p.test/5", "pem"))
    assert key_cache.get("https://p.test/4#k") is not None  # recently used: kept
    assert key_cache.get("https://p.test/2#k") is None  # least recently used: dropped


async def test_inbox_posts_read_the_stamps_at_most_once_per_window(services):
    await site_settings.refresh(services)
    before = site_settings.seen_stamp(site_settings.POLICY_STAMP)
    await site_settings.bump_stamp(None, site_settings.POLICY_STAMP)  # another process
    await site_settings.refresh(services, max_age=60)  # what POST …/inbox does
    assert site_settings.seen_stamp(site_settings.POLICY_STAMP) == before  # within the window
    await site_settings.refresh(services)  # any other request
    assert site_settings.seen_stamp(site_settings.POLICY_STAMP) != before


async def test_many_asking_at_once_read_the_policies_once(services):
    import asyncio

    await block_domain(BlockEntry(domain="bad.test", severity="suspend"))
    policy_cache.forget()
    urls = [f"https://{'bad' if n % 2 else 'good'}.test/users/{n}" for n in range(50)]
    with Queries() as queries:
        verdicts = await asyncio.gather(*(url_is_suspended(services, url) for url in urls))
    assert verdicts == [n % 2 == 1 for n in range(50)]
    assert len(queries.touching("domain_policies")) == 1
