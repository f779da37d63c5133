"""The federation client against a real HTTP server on 127.0.0.1: SSRF guard, size
limit, redirects, content type, signed GET and POST verified by our own verifier."""

from __future__ import annotations

import asyncio
import functools
import json

import pytest

from federation.client import FederationClient, FetchError, Signer
from federation.guard import AddressGuard, is_forbidden_address
from federation.signatures import PublicKeyInfo, verify_request
from tests.rig.loopback import LoopbackServer, Request, Response, loopback_server

ACTOR = {"@context": "https://www.w3.org/ns/activitystreams", "id": "x", "type": "Person"}


def route(server: LoopbackServer, request: Request) -> Response:
    """The documents, sizes, redirects and content types the client is tried against."""
    method, target = request["method"], request["target"]
    ap = {"Content-Type": "application/activity+json"}
    if target.startswith("/actor"):
        return Response(200, ap, json.dumps(ACTOR).encode())
    if target == "/inbox" and method == "POST":
        return Response(202)
    if target == "/big":
        return Response(200, ap, b"x" * 5000)
    if target == "/big-chunked":
        return Response(200, ap, b"a" * 10_000, chunked=True)
    if target.startswith("/redirect/"):
        hops = int(target.rsplit("/", 1)[1])
        location = "/actor" if hops == 0 else f"/redirect/{hops - 1}"
        return Response(302, {"Location": location})
    if target == "/redirect-elsewhere":
        return Response(302, {"Location": f"http://127.0.0.2:{server.port}/actor"})
    if target == "/html":
        return Response(200, {"Content-Type": "text/html"}, b"<html></html>")
    return Response(404, body=b"not found")


@pytest.fixture
async def server():
    async with loopback_server() as srv:
        srv.handler = functools.partial(route, srv)
        yield srv


@pytest.fixture
async def client(server):
    """A client that may reach exactly the test server's port."""
    async with FederationClient("impasto.test", version="9.9",
                                allow_private_addresses=[f"127.0.0.1:{server.port}"],
                                max_response_bytes=4000) as c:
        yield c


@pytest.fixture
async def guarded():
    async with FederationClient("impasto.test") as c:
        yield c


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "100.64.0.1",
     "0.0.0.0", "224.0.0.1", "240.0.0.1", "255.255.255.255", "::1", "::", "fe80::1",
     "fc00::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "2002:7f00:1::1",
     "64:ff9b::a00:1", "2001:db8::1"],
)
def test_forbidden_addresses(address):
    ip = __import__("ipaddress").ip_address(address)
    assert is_forbidden_address(address) and not AddressGuard().permits(ip, 8101)
    entry = f"[{ip}]:8101" if ip.version == 6 else f"{ip}:8101"
    assert AddressGuard([entry]).permits(ip, 8101)  # exactly that port
    assert not AddressGuard([entry]).permits(ip, 8102) and not AddressGuard([entry]).permits(ip)


@pytest.mark.parametrize("address", ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111",
                                     "::ffff:1.1.1.1", "64:ff9b::101:101"])
def test_public_addresses(address):
    assert not is_forbidden_address(address)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:{port}/actor", "http://10.0.0.1:{port}/actor",
     "http://169.254.169.254/latest/meta-data", "http://[::1]:{port}/actor",
     "http://[::ffff:127.0.0.1]:{port}/actor", "http://localhost:{port}/actor"],
)
async def test_guard_refuses_private_targets(guarded, server, url):
    with pytest.raises(FetchError) as info:
        await guarded.fetch_json(url.format(port=server.port))
    assert "refusing" in info.value.reason
    assert server.requests == []  # never connected


async def test_flag_allows_loopback(client, server):
    doc = await client.fetch_json(server.base + "/actor")
    assert doc == ACTOR
    request = server.requests[0]
    assert request["headers"]["User-Agent"] == "Impasto/9.9 (+https://impasto.test/)"
    assert request["headers"]["Accept"].startswith("application/activity+json")


async def test_allowed_networks_exception(server):
    async with FederationClient("impasto.test", allowed_networks=["127.0.0.1/32"]) as c:
        assert await c.fetch_json(server.base + "/actor") == ACTOR


async def test_size_limit_declared_length(client, server):
    with pytest.raises(FetchError) as info:
        await client.fetch_json(server.base + "/big")
    assert "too large" in info.value.reason


async def test_size_limit_while_streaming(client, server):
    with pytest.raises(FetchError) as info:
        await client.fetch_json(server.base + "/big-chunked")
    assert "larger than" in info.value.reason


async def test_one_request_may_bring_its_own_bound(client, server):
    """Images share the one client but not its 2 MB document bound: a request can widen
    or narrow it, declared and streamed alike."""
    assert len((await client.get(server.base + "/big", max_bytes=6000)).body) == 5000
    assert len((await client.get(server.base + "/big-chunked", max_bytes=20_000)).body) == 10_000
    with pytest.raises(FetchError) as info:
        await client.get(server.base + "/actor", max_bytes=10)
    assert "too large (82 bytes)" in info.value.reason


async def test_redirects_followed_up_to_the_limit(client, server):
    assert await client.fetch_json(server.base + "/redirect/2") == ACTOR  # 3 redirects
    with pytest.raises(FetchError) as info:
        await client.fetch_json(server.base + "/redirect/3")  # 4 redirects
    assert "redirects" in info.value.reason


async def test_each_redirect_hop_is_guarded(server):
    async with FederationClient("impasto.test", allowed_networks=["127.0.0.1/32"]) as c:
        with pytest.raises(FetchError) as info:
            await c.fetch_json(server.base + "/redirect-elsewhere")
    assert "127.0.0.2" in info.value.reason
    assert len(server.requests) == 1


async def test_content_type_and_status_checks(client, server):
    with pytest.raises(FetchError) as info:
        await client.fetch_json(server.base + "/html")
    assert "not ActivityPub" in info.value.reason
    with pytest.raises(FetchError) as info:
        await client.fetch_json(server.base + "/missing")
    assert info.value.status == 404
    response = await client.get(server.base + "/html", accept="text/html")
    assert response.status == 200 and response.body == b"<html></html>"


async def test_bad_urls(client):
    for url in ("ftp://example.test/x", "not a url", "file:///etc/passwd"):
        with pytest.raises(FetchError):
            await client.fetch_json(url)


async def test_connection_refused_is_fetch_error(client, server):
    port = server.port
    dead = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
    dead_port = dead.sockets[0].getsockname()[1]
    dead.close()
    await dead.wait_closed()
    client.guard.allow(f"127.0.0.1:{dead_port}")  # the refusal must come from the socket
    with pytest.raises(FetchError) as info:
        await client.fetch_json(f"http://127.0.0.1:{dead_port}/actor")
    assert "not a public address" not in info.value.reason
    assert port == server.port


async def test_only_the_allowed_ports_of_a_private_host(server):
    """The SSRF guard stays on in tests: one allowed loopback port opens no other."""
    other = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    other_port = other.sockets[0].getsockname()[1]
    try:
        async with FederationClient(
                "impasto.test", allow_private_addresses=[f"127.0.0.1:{server.port}"]) as c:
            assert await c.fetch_json(server.base + "/actor") == ACTOR
            with pytest.raises(FetchError, match="not a public address"):
                await c.fetch_json(f"http://127.0.0.1:{other_port}/actor")
            with pytest.raises(FetchError, match="not a public address"):
                await c.fetch_json(f"http://localhost:{other_port}/actor")
        async with FederationClient(
                "impasto.test", allow_private_addresses=[f"localhost:{server.port}"]) as c:
            assert await c.fetch_json(f"http://localhost:{server.port}/actor") == ACTOR
    finally:
        other.close()
        await other.wait_closed()
    assert len([r for r in server.requests if r["target"] == "/actor"]) == 2


@pytest.mark.parametrize("entries", [True, "127.0.0.1:1", ["127.0.0.1"], ["127.0.0.1:0"],
                                     ["host:99999"], [":80"]])
def test_allow_list_entries_are_host_and_port(entries):
    with pytest.raises((TypeError, ValueError)):
        AddressGuard(entries)


def resolver(pub: str):
    async def resolve(key_id: str, refresh: bool):
        return PublicKeyInfo("https://impasto.test/actor", pub)

    return resolve


async def test_signed_get_verifies(client, server, rsa_key):
    _, priv, pub = rsa_key
    signer = Signer("https://impasto.test/actor#main-key", priv)
    await client.fetch_json(server.base + "/actor?page=1", signer=signer)
    req = server.requests[0]
    assert 'headers="(request-target) host date accept"' in req["headers"]["Signature"]
    result = await verify_request("GET", server.base + req["target"], req["headers"], b"",
                                  resolver(pub))
    assert result.key_id == signer.key_id


async def test_signed_redirect_is_re_signed(client, server, rsa_key):
    _, priv, pub = rsa_key
    await client.fetch_json(server.base + "/redirect/0",
                            signer=Signer("https://impasto.test/actor#main-key", priv))
    for req in server.requests:
        await verify_request("GET", server.base + req["target"], req["headers"], b"",
                             resolver(pub))


@pytest.mark.parametrize("scheme", ["draft-cavage", "rfc9421"])
async def test_signed_post_verifies(client, server, rsa_key, scheme):
    _, priv, pub = rsa_key
    body = json.dumps({"type": "Create", "actor": "https://impasto.test/actor"}).encode()
    signer = Signer("https://impasto.test/actor#main-key", priv, scheme=scheme)
    response = await client.post(server.base + "/inbox", body, signer=signer)
    assert response.status == 202
    req = server.requests[0]
    assert req["body"] == body
    assert req["headers"]["Content-Type"] == "application/activity+json"
    result = await verify_request("POST", server.base + "/inbox", req["headers"], req["body"],
                                  resolver(pub))
    assert result.scheme == scheme
