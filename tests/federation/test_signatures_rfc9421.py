"""RFC 9421: Fedify's shapes (rsa-v1_5-sha256, ed25519), bovine's coverage, the RFC's
own test vector, and the refusals."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from federation.keys import ed25519_multibase, load_public_key
from federation.signatures import (
    PublicKeyInfo,
    SignatureError,
    rfc9421,
    sfv,
    sign_request,
    verify_request,
)
from tests.federation.peers import BODY, INBOX, NOW, rfc9421_headers

FEDIFY_RSA = "https://fedify.test/users/alice#main-key"
FEDIFY_ED = "https://fedify.test/users/alice#ed25519-key"


def fixed(key):
    async def resolve(key_id: str, refresh: bool):
        return PublicKeyInfo("https://fedify.test/users/alice", key)

    return resolve


async def verify(headers, key, *, method="POST", url=INBOX, body=BODY, now=NOW):
    return await verify_request(method, url, headers, body, fixed(key), now=now)


async def test_fedify_rsa(rsa_key):
    key, _, pub = rsa_key
    result = await verify(rfc9421_headers(key, FEDIFY_RSA), pub)
    assert (result.key_id, result.scheme) == (FEDIFY_RSA, "rfc9421")


async def test_fedify_ed25519_multibase_key():
    key = ed25519.Ed25519PrivateKey.generate()
    multibase = ed25519_multibase(key.public_key())
    result = await verify(rfc9421_headers(key, FEDIFY_ED), multibase)
    assert result.scheme == "rfc9421"


async def test_fedify_get(rsa_key):
    key, _, pub = rsa_key
    url = "https://impasto.test/users/bob"
    headers = rfc9421_headers(key, FEDIFY_RSA, method="GET", url=url,
                              components=("@method", "@target-uri", "host", "date"))
    assert await verify(headers, pub, method="GET", url=url, body=b"")


async def test_bovine_style_authority_path(rsa_key):
    key, _, pub = rsa_key
    headers = rfc9421_headers(key, FEDIFY_RSA, components=("@method", "@authority", "@path",
                                                           "content-digest"))
    assert await verify(headers, pub)


async def test_rfc9421_appendix_b26_ed25519_vector():
    """The RFC's own ed25519 example (B.2.6), checked at the signature-base level."""
    pem = ("-----BEGIN PUBLIC KEY-----\n"
           "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n"
           "-----END PUBLIC KEY-----\n")
    inputs = sfv.parse_dictionary('sig-b26=("date" "@method" "@path" "@authority" '
                                  '"content-type" "content-length");created=1618884473'
                                  ';keyid="test-key-ed25519"')
    headers = {"date": "Tue, 20 Apr 2021 02:07:55 GMT", "content-type": "application/json",
               "content-length": "18"}
    base = rfc9421.signature_base("POST", "https://example.com/foo?param=Value&Pet=dog",
                                  headers, inputs["sig-b26"])
    sig = base64.b64decode("wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu"
                           "4A0w6vuQv5lIp5WPpBKRCw==")
    prepared = rfc9421.Rfc9421Signature("test-key-ed25519", None, sig, base)
    assert prepared.verify(load_public_key(pem))


@pytest.mark.parametrize("scheme_key", ["rsa", "ed"])
async def test_our_rfc9421_signer_round_trip(rsa_key, ed_key, scheme_key):
    if scheme_key == "rsa":
        _, priv, pub = rsa_key
    else:
        key, priv = ed_key
        pub = ed25519_multibase(key.public_key())
    headers = sign_request("POST", INBOX + "?a=b", {}, BODY, FEDIFY_RSA, priv, scheme="rfc9421",
                           now=NOW)
    assert headers["Content-Digest"].startswith("sha-256=:")
    result = await verify(headers, pub, url=INBOX + "?a=b")
    assert result.scheme == "rfc9421"


async def test_our_signer_bovine_components(rsa_key):
    _, priv, pub = rsa_key
    url = "https://bovine.test/inbox?x=1"
    headers = rfc9421.sign("POST", url, {}, BODY, FEDIFY_RSA, priv, NOW,
                           components=rfc9421.AUTHORITY_PATH_COMPONENTS + ("content-digest",))
    covered = headers["Signature-Input"]
    assert '"@query"' in covered and "@target-uri" not in covered
    assert await verify(headers, pub, url=url)


async def refused(headers, key, **kw) -> str:
    with pytest.raises(SignatureError) as info:
        await verify(headers, key, **kw)
    assert info.value.status == 401
    return info.value.reason


async def test_tampered_body_refused(rsa_key):
    key, _, pub = rsa_key
    reason = await refused(rfc9421_headers(key, FEDIFY_RSA), pub, body=BODY + b" ")
    assert "Content-Digest" in reason


async def test_post_without_content_digest_refused(rsa_key):
    key, _, pub = rsa_key
    headers = rfc9421_headers(key, FEDIFY_RSA, components=("@method", "@target-uri", "date"))
    assert "content-digest" in await refused(headers, pub)


async def test_must_cover_method_and_target(rsa_key):
    key, _, pub = rsa_key
    no_method = rfc9421_headers(key, FEDIFY_RSA, components=("@target-uri", "content-digest"))
    assert "@method" in await refused(no_method, pub)
    no_target = rfc9421_headers(key, FEDIFY_RSA, components=("@method", "@path", "content-digest"))
    assert "@target-uri" in await refused(no_target, pub)


async def test_expired_and_future_refused(rsa_key):
    key, _, pub = rsa_key
    expired = rfc9421_headers(key, FEDIFY_RSA, created=NOW - 7200, expires=NOW - 3601)
    assert "window" in await refused(expired, pub)
    future = rfc9421_headers(key, FEDIFY_RSA, created=NOW + 3601)
    assert "window" in await refused(future, pub)
    stale = rfc9421_headers(key, FEDIFY_RSA, created=NOW - 66 * 60)
    assert "window" in await refused(stale, pub)


async def test_created_required(rsa_key):
    key, _, pub = rsa_key
    headers = rfc9421_headers(key, FEDIFY_RSA)
    headers["Signature-Input"] = headers["Signature-Input"].replace(f";created={NOW}", "")
    assert "created" in await refused(headers, pub)


async def test_exactly_one_signature(rsa_key):
    key, _, pub = rsa_key
    one = rfc9421_headers(key, FEDIFY_RSA)
    two = rfc9421_headers(key, FEDIFY_RSA, label="sig2")
    one["Signature-Input"] += ", " + two["Signature-Input"]
    one["Signature"] += ", " + two["Signature"]
    assert "one signature" in await refused(one, pub)


async def test_alg_must_match_key(rsa_key):
    key, _, pub = rsa_key
    headers = rfc9421_headers(key, FEDIFY_RSA)
    headers["Signature-Input"] = headers["Signature-Input"].replace("rsa-v1_5-sha256", "ed25519")
    await refused(headers, pub)  # the alg is signed too, and the key is RSA
    headers["Signature-Input"] = headers["Signature-Input"].replace('"ed25519"', '"hmac-sha256"')
    assert "algorithm" in await refused(headers, pub)


async def test_malformed_fields_refused(rsa_key):
    key, _, pub = rsa_key
    headers = rfc9421_headers(key, FEDIFY_RSA)
    headers["Signature"] = "sig1=:not base64!:"
    assert "malformed" in await refused(headers, pub)


def test_structured_field_round_trip():
    text = (
        'sig1=("@method" "@target-uri" "content-digest");created=1618884475'
        ';keyid="k\\"1";alg="ed25519"'
    )
    parsed = sfv.parse_dictionary(text)
    assert sfv.serialize_inner_list(parsed["sig1"]) == text.split("=", 1)[1]
    digests = sfv.parse_dictionary("sha-256=:AAAA:, sha-512=:AAA=:, flag, n=-5;q=?0, t=tok/en")
    assert digests["sha-256"].value == b"\0\0\0"
    assert digests["flag"].value is True
    assert digests["n"].value == -5 and digests["n"].params == {"q": False}
    assert digests["t"].value == "tok/en" and isinstance(digests["t"].value, sfv.Token)
    for bad in ['a=("x"', 'a="unterminated', "A=1", "a=1,", 'a=("x""y")']:
        with pytest.raises(sfv.StructuredFieldError):
            sfv.parse_dictionary(bad)
