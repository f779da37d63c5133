"""The entry point: scheme detection, key-rotation re-fetch (exactly once), resolvers."""

from __future__ import annotations

import pytest

from federation.signatures import PublicKeyInfo, SignatureError, sign_request, verify_request
from tests.federation.peers import BODY, INBOX, NOW, cavage_headers, rfc9421_headers

KEY_ID = "https://peer.test/users/alice#main-key"
OWNER = "https://peer.test/users/alice"


class Resolver:
    """Answers with `first` when refresh=False and `refreshed` when refresh=True."""

    def __init__(self, first, refreshed):
        self.first, self.refreshed = first, refreshed
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id: str, refresh: bool):
        self.calls.append((key_id, refresh))
        key = self.refreshed if refresh else self.first
        return None if key is None else PublicKeyInfo(OWNER, key)


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
async def test_rotated_key_refetched_once(rsa_key, other_rsa_key, scheme):
    new_key, _, new_pub = rsa_key
    _, _, old_pub = other_rsa_key
    make = cavage_headers if scheme == "cavage" else rfc9421_headers
    resolver = Resolver(old_pub, new_pub)
    result = await verify_request("POST", INBOX, make(new_key, KEY_ID), BODY, resolver, now=NOW)
    assert result.owner == OWNER
    assert resolver.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_no_refetch_when_first_key_verifies(rsa_key):
    key, _, pub = rsa_key
    resolver = Resolver(pub, None)
    await verify_request("POST", INBOX, cavage_headers(key, KEY_ID), BODY, resolver, now=NOW)
    assert resolver.calls == [(KEY_ID, False)]


async def test_bad_signature_gives_up_after_one_refetch(rsa_key, other_rsa_key):
    key, _, _ = rsa_key
    _, _, wrong = other_rsa_key
    resolver = Resolver(wrong, wrong)
    with pytest.raises(SignatureError) as info:
        await verify_request("POST", INBOX, cavage_headers(key, KEY_ID), BODY, resolver, now=NOW)
    assert info.value.status == 401
    assert resolver.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_unknown_key_is_401(rsa_key):
    key, _, pub = rsa_key
    resolver = Resolver(None, None)
    with pytest.raises(SignatureError) as info:
        await verify_request("POST", INBOX, cavage_headers(key, KEY_ID), BODY, resolver, now=NOW)
    assert info.value.status == 401
    assert len(resolver.calls) == 2


async def test_unusable_key_text_is_a_failure_not_a_crash(rsa_key):
    key, _, _ = rsa_key
    with pytest.raises(SignatureError):
        await verify_request("POST", INBOX, cavage_headers(key, KEY_ID), BODY,
                             Resolver("not a key", "-----BEGIN nonsense"), now=NOW)


async def test_structural_failure_never_calls_resolver(rsa_key):
    key, _, pub = rsa_key
    resolver = Resolver(pub, pub)
    with pytest.raises(SignatureError):
        await verify_request("POST", INBOX, cavage_headers(key, KEY_ID), BODY + b"x", resolver,
                             now=NOW)
    assert resolver.calls == []


async def test_werkzeug_like_headers_and_datetime_now(rsa_key):
    from datetime import UTC, datetime

    _, priv, pub = rsa_key

    class MultiHeaders:  # like werkzeug's Headers: items() yields every field line
        def __init__(self, pairs):
            self.pairs = pairs

        def items(self):
            return iter(self.pairs)

    signed = sign_request("POST", INBOX, {}, BODY, KEY_ID, priv, now=NOW)
    headers = MultiHeaders(list(signed.items()) + [("X-Forwarded-For", "1.2.3.4")])
    now = datetime.fromtimestamp(NOW, UTC)
    assert await verify_request("POST", INBOX, headers, BODY, Resolver(pub, pub), now=now)


@pytest.mark.parametrize("scheme", ["cavage", "rfc9421"])
async def test_a_key_on_another_origin_than_its_owner_is_refused(rsa_key, scheme):
    """Whatever a resolver says, a key at one host never signs for an actor at another."""
    key, _, pub = rsa_key
    make = cavage_headers if scheme == "cavage" else rfc9421_headers
    foreign_key = "https://keys.example/k#main-key"

    async def resolver(key_id, refresh):
        return PublicKeyInfo(OWNER, pub)

    with pytest.raises(SignatureError) as info:
        await verify_request("POST", INBOX, make(key, foreign_key), BODY, resolver, now=NOW)
    assert info.value.status == 403 and "not on the origin" in info.value.reason


async def test_check_owner_ties_key_origin_to_actor(rsa_key):
    from federation.signatures import VerifiedSignature, check_owner

    info = PublicKeyInfo(OWNER, "pem")
    check_owner(VerifiedSignature(KEY_ID, "draft-cavage", info), OWNER)
    for key_id, actor in (("https://other.test/users/alice#main-key", OWNER),
                          (KEY_ID, "https://peer.test/users/bob")):
        with pytest.raises(SignatureError) as refused:
            check_owner(VerifiedSignature(key_id, "draft-cavage", info), actor)
        assert refused.value.status == 403
