"""Why a remote lookup failed, in words: the client tells each failure's kind (no such
host, no answer, too slow, a status, a private address, not JSON, too big, a bad URL) and
`instance.actors.lookup.words_for` turns it into a sentence for a person — never the
errno, the exception or the request line."""

from __future__ import annotations

import asyncio
import re

import pytest

from federation.client import FederationClient, FetchError
from instance.actors.lookup import subscribe_template, words_for
from tests.rig.loopback import Response, loopback_server

RAW = re.compile(r"Errno|Error|GET |http://|\[|\]")


async def failure(client: FederationClient, url: str, **kwargs) -> FetchError:
    with pytest.raises(FetchError) as info:
        await client.fetch_json(url, **kwargs)
    return info.value


async def test_each_failure_has_a_kind_and_a_sentence():
    loose = FederationClient("impasto.test", max_response_bytes=100)
    async with loopback_server() as server, loose as client, \
            FederationClient("impasto.test") as guarded:
        client.guard.allow(f"127.0.0.1:{server.port}")  # exactly the test's own servers
        server.handler = lambda request: {
            "/html": Response(200, {"Content-Type": "text/html"}, b"<p>hi</p>"),
            "/big": Response(200, {"Content-Type": "application/json"}, b"[" + b"1," * 100 + b"1]"),
            "/broken": Response(500, {"Content-Type": "application/json"}, b"{}"),
        }.get(request["target"], Response(404, body=b"not found"))
        dead = await asyncio.start_server(lambda r, w: None, "127.0.0.1", 0)
        dead_port = dead.sockets[0].getsockname()[1]
        client.guard.allow(f"127.0.0.1:{dead_port}")
        dead.close()
        await dead.wait_closed()
        cases = {
            "unknown-host": await failure(client, "http://no-such-server.invalid/x"),
            "unreachable": await failure(client, f"http://127.0.0.1:{dead_port}/x"),
            "status": await failure(client, server.url("/missing")),
            "forbidden-address": await failure(guarded, server.url("/missing")),
            "not-json": await failure(client, server.url("/html")),
            "too-large": await failure(client, server.url("/big"), activitypub=False),
            "invalid-url": await failure(client, "ftp://example.test/x"),
        }
        broken = await failure(client, server.url("/broken"), activitypub=False)
    for kind, error in cases.items():
        assert error.kind == kind, (kind, error.reason)
    sentences = {kind: words_for(error, "art.example", "@ana@art.example").message
                 for kind, error in cases.items()}
    assert sentences["unknown-host"].startswith("There is no server called art.example")
    assert sentences["unreachable"] == "art.example did not answer: it may be down. Try again later."
    assert sentences["status"] == "art.example has no account @ana@art.example. Check the spelling."
    assert "private network address" in sentences["forbidden-address"]
    assert "(it replied with an error, 500)" in words_for(broken, "art.example", "@ana").message
    for text in sentences.values():
        assert not RAW.search(text), text


async def test_a_server_that_never_answers_timed_out():
    async def silent(reader, writer):
        await reader.read()  # keeps the connection open, says nothing

    listener = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        async with FederationClient("impasto.test", allow_private_addresses=[f"127.0.0.1:{port}"],
                                    timeout=0.2, total_timeout=0.5) as client:
            error = await failure(client, f"http://127.0.0.1:{port}/x")
    finally:
        listener.close()
    assert error.kind == "timeout"
    assert words_for(error, "art.example", "@ana").message == \
        "art.example took too long to answer. Try again later."


def test_subscribe_template_is_read_only_when_usable():
    rel = "http://ostatus.org/schema/1.0/subscribe"
    good = {"links": [{"rel": "self", "href": "https://a.example/u/x"},
                      {"rel": rel, "template": "https://a.example/authorize_interaction?uri={uri}"}]}
    assert subscribe_template(good) == "https://a.example/authorize_interaction?uri={uri}"
    for template in ("javascript:alert(1)?{uri}", "https://a.example/follow", None):
        assert subscribe_template({"links": [{"rel": rel, "template": template}]}) is None
    assert subscribe_template({"links": "nonsense"}) is None
