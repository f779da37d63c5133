"""draft-cavage: peers' header shapes verify; Mastodon's refusals are ours."""

from __future__ import annotations

import pytest

from federation.signatures import PublicKeyInfo, SignatureError, check_owner, verify_request
from federation.signatures.cavage import parse_signature_header
from tests.federation.peers import BODY, INBOX, NOW, cavage_headers, verify_cavage_independently

MASTODON_KEY = "https://mastodon.test/users/alice#main-key"
GTS_KEY = "https://gts.test/users/alice/main-key"
BOVINE_KEY = "https://bovine.test/endpoints/abc#serverKey"
ACTOR_URL = "https://impasto.test/users/bob"


def owner_of(key_id: str) -> str:
    """An actor on the key's own origin (a key never signs for another origin)."""
    return "/".join(key_id.split("/")[:3]) + "/users/alice"


def resolver_for(pub: str, owner: str | None = None):
    calls: list[tuple[str, bool]] = []

    async def resolve(key_id: str, refresh: bool):
        calls.append((key_id, refresh))
        return PublicKeyInfo(owner or owner_of(key_id), pub)

    resolve.calls = calls  # type: ignore[attr-defined]
    return resolve


async def verify(headers, pub, *, method="POST", url=INBOX, body=BODY, now=NOW):
    return await verify_request(method, url, headers, body, resolver_for(pub), now=now)


async def test_mastodon_post(rsa_key):
    key, _, pub = rsa_key
    result = await verify(cavage_headers(key, MASTODON_KEY), pub)
    assert (result.key_id, result.scheme) == (MASTODON_KEY, "draft-cavage")


@pytest.mark.parametrize("algorithm", ["hs2019", None])
async def test_gotosocial_post_hs2019_and_absent_algorithm(rsa_key, algorithm):
    key, _, pub = rsa_key
    headers = cavage_headers(
        key, GTS_KEY, algorithm=algorithm, covered=("(request-target)", "host", "date", "digest")
    )
    assert (await verify(headers, pub)).key_id == GTS_KEY


async def test_gotosocial_get(rsa_key):
    key, _, pub = rsa_key
    headers = cavage_headers(
        key, GTS_KEY, method="GET", path="/users/bob", algorithm="hs2019",
        covered=("(request-target)", "host", "date"),
    )
    result = await verify(headers, pub, method="GET", url=ACTOR_URL, body=b"")
    assert result.key_id == GTS_KEY


async def test_bovine_post_lowercase_digest(rsa_key):
    key, _, pub = rsa_key
    headers = cavage_headers(key, BOVINE_KEY, digest_name="sha-256")
    assert (await verify(headers, pub)).key_id == BOVINE_KEY


async def test_bovine_get_covers_accept(rsa_key):
    key, _, pub = rsa_key
    headers = cavage_headers(
        key, BOVINE_KEY, method="GET", path="/users/bob",
        covered=("(request-target)", "host", "date", "accept"),
    )
    result = await verify(headers, pub, method="GET", url=ACTOR_URL, body=b"")
    assert result.key_id == BOVINE_KEY


async def test_bare_actor_key_id(rsa_key):
    key, _, pub = rsa_key
    headers = cavage_headers(key, "https://pixelfed.test/users/alice")
    assert (await verify(headers, pub)).key_id == "https://pixelfed.test/users/alice"


async def test_hs2019_created_expires_pseudo_headers(rsa_key):
    key, _, pub = rsa_key
    headers = cavage_headers(
        key, GTS_KEY, algorithm="hs2019", created=NOW - 10, expires=NOW + 300,
        covered=("(request-target)", "(created)", "(expires)", "host", "digest"),
    )
    assert (await verify(headers, pub)).key_id == GTS_KEY


async def test_request_target_with_then_without_query(rsa_key):
    key, _, pub = rsa_key
    with_query = cavage_headers(key, MASTODON_KEY, path="/inbox?x=1")
    without = cavage_headers(key, MASTODON_KEY, path="/inbox")
    for headers in (with_query, without):
        assert await verify(headers, pub, url=INBOX + "?x=1")


async def test_headers_are_case_insensitive(rsa_key):
    key, _, pub = rsa_key
    headers = {k.upper(): v for k, v in cavage_headers(key, MASTODON_KEY).items()}
    assert await verify(headers, pub)


async def test_our_signature_verifies_independently(rsa_key):
    from federation.signatures import sign_request

    _, priv, pub = rsa_key
    headers = sign_request("POST", INBOX, {}, BODY, MASTODON_KEY, priv, now=NOW)
    assert headers["Date"] == "Tue, 14 Nov 2023 22:13:20 GMT"
    assert verify_cavage_independently(pub, "POST", "/inbox", headers)
    params = parse_signature_header(headers["Signature"])
    assert params["headers"] == "(request-target) host date digest content-type"
    assert params["algorithm"] == "rsa-sha256"
    get = sign_request("GET", "https://peer.test/users/a?page=1", {}, None, MASTODON_KEY, priv)
    covered = parse_signature_header(get["Signature"])["headers"]
    assert covered == "(request-target) host date accept"
    assert verify_cavage_independently(pub, "GET", "/users/a?page=1", get)


# ---- refusals -----------------------------------------------------------------------


async def refused(headers, pub, status=401, **kw) -> SignatureError:
    with pytest.raises(SignatureError) as info:
        await verify(headers, pub, **kw)
    assert info.value.status == status
    return info.value


async def test_tampered_body_refused(rsa_key):
    key, _, pub = rsa_key
    forged = BODY.replace(b"Follow", b"Block")
    err = await refused(cavage_headers(key, MASTODON_KEY), pub, body=forged)
    assert "digest" in err.reason.lower()


async def test_tampered_body_with_matching_digest_refused(rsa_key):
    import base64
    import hashlib

    key, _, pub = rsa_key
    forged = BODY.replace(b"Follow", b"Block")
    headers = cavage_headers(key, MASTODON_KEY)
    headers["Digest"] = "SHA-256=" + base64.b64encode(hashlib.sha256(forged).digest()).decode()
    await refused(headers, pub, body=forged)


@pytest.mark.parametrize("offset", [61 * 60, -66 * 60, 2 * 3600, -24 * 3600])
async def test_date_outside_window_refused(rsa_key, offset):
    key, _, pub = rsa_key
    err = await refused(cavage_headers(key, MASTODON_KEY, date=NOW + offset), pub)
    assert "window" in err.reason


@pytest.mark.parametrize("offset", [59 * 60, -64 * 60])
async def test_date_inside_window_accepted(rsa_key, offset):
    key, _, pub = rsa_key
    assert await verify(cavage_headers(key, MASTODON_KEY, date=NOW + offset), pub)


async def test_expired_signature_refused(rsa_key):
    key, _, pub = rsa_key
    headers = cavage_headers(
        key, GTS_KEY, algorithm="hs2019", created=NOW - 7200, expires=NOW - 3601,
        covered=("(request-target)", "(created)", "(expires)", "host", "digest"),
    )
    assert "window" in (await refused(headers, pub)).reason


async def test_post_without_digest_refused(rsa_key):
    key, _, pub = rsa_key
    headers = cavage_headers(key, MASTODON_KEY, covered=("(request-target)", "host", "date"))
    assert "Digest" in (await refused(headers, pub)).reason


async def test_post_with_signed_but_absent_digest_refused(rsa_key):
    key, _, pub = rsa_key
    headers = cavage_headers(key, MASTODON_KEY)
    del headers["Digest"]
    assert "Digest header missing" in (await refused(headers, pub)).reason


async def test_only_sha256_digest_accepted(rsa_key):
    key, _, pub = rsa_key
    headers = cavage_headers(key, MASTODON_KEY, digest_name="SHA-512")
    assert "SHA-256" in (await refused(headers, pub)).reason


async def test_get_without_host_refused(rsa_key):
    key, _, pub = rsa_key
    headers = cavage_headers(key, MASTODON_KEY, method="GET", covered=("(request-target)", "date"))
    await refused(headers, pub, method="GET", body=b"")


async def test_must_cover_date_or_created(rsa_key):
    key, _, pub = rsa_key
    headers = cavage_headers(key, MASTODON_KEY, covered=("(request-target)", "host", "digest"))
    assert "Date" in (await refused(headers, pub)).reason


async def test_absent_headers_param_defaults(rsa_key):
    key, _, pub = rsa_key
    # rsa-sha256 without headers= means "date" only: not strong enough for Mastodon
    headers = cavage_headers(key, MASTODON_KEY, covered=("date",), send_headers_param=False)
    await refused(headers, pub)


@pytest.mark.parametrize("algorithm", ["hmac-sha256", "rsa-sha512", "ed25519"])
async def test_unsupported_algorithm_refused(rsa_key, algorithm):
    key, _, pub = rsa_key
    headers = cavage_headers(key, MASTODON_KEY, algorithm=algorithm)
    assert "algorithm" in (await refused(headers, pub)).reason


async def test_unsigned_and_malformed_refused(rsa_key):
    _, _, pub = rsa_key
    await refused({"Date": "x"}, pub)
    await refused({"Signature": 'keyId="k"'}, pub)
    await refused({"Signature": "garbage without equals"}, pub)


async def test_wrong_key_owner_is_403(rsa_key):
    key, _, pub = rsa_key
    result = await verify(cavage_headers(key, MASTODON_KEY), pub)
    check_owner(result, "https://mastodon.test/users/alice")
    check_owner(result.key_info, "https://mastodon.test/users/alice")
    with pytest.raises(SignatureError) as info:
        check_owner(result, "https://mastodon.test/users/mallory")
    assert info.value.status == 403
    with pytest.raises(SignatureError):
        check_owner(result, None)


def test_parse_signature_header_shapes():
    parsed = parse_signature_header(
        r'keyId="a\"b", algorithm="hs2019",created=123 , headers="(created) x",signature="QUJD=="'
    )
    assert parsed == {"keyid": 'a"b', "algorithm": "hs2019", "created": "123",
                      "headers": "(created) x", "signature": "QUJD=="}
    with pytest.raises(SignatureError):
        parse_signature_header('keyId="unterminated')
