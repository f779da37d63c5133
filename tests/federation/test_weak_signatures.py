"""Weak signatures: a signature that leaves out what binds it to this request is refused
(401) whatever its key, in both schemes; the full shapes peers send still verify. The
rule is written in docs/federation.md ("What a signature must cover")."""

from __future__ import annotations

import pytest

from federation.signatures import SignatureError, sign_request, verify_request
from federation.signatures.common import host_of_url
from tests.federation.peers import BODY, INBOX, NOW, cavage_headers, rfc9421_headers
from tests.federation.test_signatures_cavage import resolver_for

KEY = "https://mastodon.test/users/alice#main-key"
GET_URL = INBOX.rsplit("/", 1)[0] + "/users/bob"

CAVAGE_POST = {
    ("host", "date", "digest"): "(request-target)",
    ("(request-target)", "date", "digest"): "Host",
    ("(request-target)", "host", "digest"): "Date",
    ("(request-target)", "host", "date"): "Digest",
    ("date", "digest"): "(request-target)",
    ("digest",): "(request-target)",
    ("date",): "(request-target)",
}
CAVAGE_GET = {
    ("host", "date", "accept"): "(request-target)",
    ("(request-target)", "date", "accept"): "Host",
    ("(request-target)", "host", "accept"): "Date",
}
RFC9421_POST = {
    ("@target-uri", "content-digest"): "@method",
    ("@method", "content-digest"): "@target-uri",
    ("@method", "@path", "content-digest"): "@target-uri or @authority",
    ("@method", "@authority", "content-digest"): "@target-uri or @authority",
    ("@method", "@target-uri"): "content-digest",
    ("@method", "@authority", "@path"): "content-digest",
}


async def _refused(headers, pub, *, method="POST", url=INBOX) -> str:
    with pytest.raises(SignatureError) as info:
        await verify_request(method, url, headers, BODY if method == "POST" else b"",
                             resolver_for(pub), now=NOW)
    assert info.value.status == 401
    return info.value.reason


@pytest.mark.parametrize("covered", list(CAVAGE_POST))
async def test_cavage_post_must_cover_target_host_date_digest(rsa_key, covered):
    key, _, pub = rsa_key
    reason = await _refused(cavage_headers(key, KEY, covered=covered), pub)
    assert CAVAGE_POST[covered] in reason


@pytest.mark.parametrize("covered", list(CAVAGE_GET))
async def test_cavage_get_must_cover_target_host_date(rsa_key, covered):
    key, _, pub = rsa_key
    headers = cavage_headers(key, KEY, method="GET", path="/users/bob", covered=covered)
    reason = await _refused(headers, pub, method="GET", url=GET_URL)
    assert CAVAGE_GET[covered] in reason


@pytest.mark.parametrize("covered", list(RFC9421_POST))
async def test_rfc9421_post_must_cover_method_target_authority_digest(rsa_key, covered):
    key, _, pub = rsa_key
    reason = await _refused(rfc9421_headers(key, KEY, components=covered), pub)
    assert RFC9421_POST[covered] in reason


TARGET = ("@method", "@target-uri")
AUTHORITY = ("@method", "@authority", "@path")


async def test_the_minimal_strong_shapes_verify(rsa_key):
    key, _, pub = rsa_key
    strong = [
        ("POST", INBOX, cavage_headers(key, KEY, covered=("(request-target)", "host", "date", "digest"))),
        ("POST", INBOX, cavage_headers(key, KEY, algorithm="hs2019", created=NOW - 5,
                                       covered=("(request-target)", "host", "(created)", "digest"))),
        ("GET", GET_URL, cavage_headers(key, KEY, method="GET", path="/users/bob",
                                        covered=("(request-target)", "host", "date"))),
        ("POST", INBOX, rfc9421_headers(key, KEY, components=TARGET + ("content-digest",))),
        ("POST", INBOX, rfc9421_headers(key, KEY, components=AUTHORITY + ("content-digest",))),
        ("GET", GET_URL, rfc9421_headers(key, KEY, method="GET", url=GET_URL, components=TARGET)),
    ]
    for method, url, headers in strong:
        body = BODY if method == "POST" else b""
        assert await verify_request(method, url, headers, body, resolver_for(pub), now=NOW)


@pytest.mark.parametrize("scheme", ["draft-cavage", "rfc9421"])
@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_our_own_signatures_satisfy_the_rule(rsa_key, scheme, method):
    _, private, pub = rsa_key
    url = INBOX if method == "POST" else GET_URL + "?page=2"
    body = BODY if method == "POST" else b""
    headers = sign_request(method, url, {}, body, KEY, private, scheme=scheme, now=NOW)
    assert host_of_url(url) in headers.get("Host", host_of_url(url))
    assert await verify_request(method, url, headers, body, resolver_for(pub), now=NOW)
