"""The keep-alive POST path (federation.http1) against a real socket server that answers
as each test scripts it: connections reused and dropped when they must be, answers
framed every way HTTP/1.1 allows, bounds and timeouts, the guard on every connection."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pytest

from federation.client import FederationClient, FetchError
from tests.rig.certificates import self_signed

ACCEPTED = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n"
HANG = b"hang"  # script answer: read the request, never answer
CLOSE = b""  # script answer: close the connection without answering


class AndClose(bytes):
    """A script answer after which the server closes the connection."""


@dataclass
class Seen:
    """What a connection of the scripted server received."""

    requests: list[bytes] = field(default_factory=list)  # head and body of each
    closed_by_client: bool = False


Script = Callable[[int, int, bytes], bytes]  # (connection no., request no. on it, request)


@dataclass
class Scripted:
    port: int
    connections: list[Seen]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/inbox"

    @property
    def requests(self) -> list[bytes]:
        return [r for c in self.connections for r in c.requests]


async def _read_request(reader: asyncio.StreamReader) -> bytes | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return head + await reader.readexactly(length)


@asynccontextmanager
async def scripted(script: Script, tls: ssl.SSLContext | None = None) -> AsyncIterator[Scripted]:
    connections: list[Seen] = []
    handlers: list[tuple[asyncio.Task, asyncio.StreamWriter]] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handlers.append((asyncio.current_task(), writer))  # type: ignore[arg-type]
        seen = Seen()
        connections.append(seen)
        number = len(connections) - 1
        try:
            while (request := await _read_request(reader)) is not None:
                seen.requests.append(request)
                answer = script(number, len(seen.requests) - 1, request)
                if answer == CLOSE:
                    return
                if answer == HANG:
                    seen.closed_by_client = await reader.read(1) == b""
                    return
                writer.write(answer)
                await writer.drain()
                if isinstance(answer, AndClose):
                    return
            seen.closed_by_client = True
        except ConnectionError:
            seen.closed_by_client = True
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    try:
        yield Scripted(port, connections)
    finally:
        server.close()
        for _, writer in handlers:  # each handler reads EOF and ends
            writer.close()
        if handlers:
            await asyncio.wait([task for task, _ in handlers], timeout=2)


def client_for(*ports: int, **options: object) -> FederationClient:
    return FederationClient("art.test", allow_private_addresses=[f"127.0.0.1:{p}" for p in ports],
                            **options)  # type: ignore[arg-type]


async def post(client: FederationClient, url: str, body: bytes = b"{}", **options: object):
    return await client.post_plain(url, body, {"Content-Type": "application/activity+json"},
                                   **options)  # type: ignore[arg-type]


async def settle(condition: Callable[[], bool]) -> None:
    """Let the server's side of a closed connection run (bounded: fails after 2 s)."""
    async with asyncio.timeout(2):
        while not condition():
            await asyncio.sleep(0)


async def test_one_connection_carries_every_request():
    answer = b"HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\nX-Seen: a\r\nx-seen: b\r\n\r\nok"
    async with scripted(lambda c, r, req: answer) as server, client_for(server.port) as client:
        for n in range(3):
            response = await post(client, f"{server.url}/{n}", b'{"n": %d}' % n)
            assert (response.status, response.body) == (202, b"ok")
            assert response.headers["x-seen"] == "a, b"
    assert len(server.connections) == 1
    first = server.requests[0]
    assert first.startswith(b"POST /inbox/0 HTTP/1.1\r\n")
    assert b"\r\nHost: 127.0.0.1:%d\r\n" % server.port in first
    assert b"\r\nContent-Length: 8\r\n" in first and first.endswith(b'\r\n\r\n{"n": 0}')
    assert b"User-Agent: Impasto/" in first


async def test_a_reused_connection_closed_unanswered_is_retried_once_on_a_new_one():
    # The peer's idle timeout closes the connection as the second request goes out.
    def script(connection: int, request: int, _: bytes) -> bytes:
        return CLOSE if (connection, request) == (0, 1) else ACCEPTED

    async with scripted(script) as server, client_for(server.port) as client:
        assert (await post(client, server.url)).status == 202
        assert (await post(client, server.url)).status == 202
    assert [len(c.requests) for c in server.connections] == [2, 1]


async def test_a_new_connection_closed_unanswered_fails_without_a_retry():
    async with scripted(lambda c, r, req: CLOSE) as server, client_for(server.port) as client:
        with pytest.raises(FetchError) as failed:
            await post(client, server.url)
    assert failed.value.kind == "unreachable"
    assert len(server.requests) == 1


async def test_connection_close_is_honoured():
    answer = AndClose(b"HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    async with scripted(lambda c, r, req: answer) as server, client_for(server.port) as client:
        for _ in range(2):
            assert (await post(client, server.url)).status == 202
    assert [len(c.requests) for c in server.connections] == [1, 1]


@pytest.mark.parametrize(("answer", "body"), [
    (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
     b"hello world"),
    (b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 4\r\n\r\ndone", b"done"),
])
async def test_answers_framed_every_way(answer, body):
    async with scripted(lambda c, r, req: answer) as server, client_for(server.port) as client:
        response = await post(client, server.url)
        assert response.body == body and response.status in (200, 201)
        assert (await post(client, server.url)).body == body  # and the connection still serves
    assert len(server.connections) == 1


async def test_a_body_that_ends_with_the_connection():
    answer = AndClose(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end")
    async with scripted(lambda c, r, req: answer) as server, client_for(server.port) as client:
        response = await post(client, server.url)
    assert (response.status, response.body) == (200, b"until the end")


async def test_answers_over_the_bound_are_refused():
    big = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + b"x" * 5000
    flood = b"HTTP/1.1 200 OK\r\n" + b"X-Pad: " + b"y" * 70_000 + b"\r\n\r\n"
    answers = iter([big, flood])
    async with scripted(lambda c, r, req: next(answers)) as server, client_for(server.port) as client:
        with pytest.raises(FetchError) as body_over:
            await post(client, server.url, max_bytes=1000)
        with pytest.raises(FetchError) as head_over:
            await post(client, server.url, max_bytes=1000)
    assert body_over.value.kind == head_over.value.kind == "too-large"
    assert len(server.connections) == 2  # neither stream was kept


async def test_a_malformed_answer_is_an_error_and_drops_the_connection():
    answers = iter([b"HELLO THERE\r\n\r\n", ACCEPTED])
    async with scripted(lambda c, r, req: next(answers)) as server, client_for(server.port) as client:
        with pytest.raises(FetchError) as failed:
            await post(client, server.url)
        assert "malformed" in failed.value.reason
        assert (await post(client, server.url)).status == 202
    assert len(server.connections) == 2


async def test_a_silent_server_times_out_and_its_connection_is_closed():
    async with scripted(lambda c, r, req: HANG) as server, \
            client_for(server.port, timeout=0.3) as client:
        with pytest.raises(FetchError) as failed:
            await post(client, server.url)
        assert failed.value.kind == "timeout"
        await settle(lambda: server.connections[0].closed_by_client)


async def test_a_cancelled_request_never_lends_its_connection():
    answers = iter([HANG, ACCEPTED])
    async with scripted(lambda c, r, req: next(answers)) as server, client_for(server.port) as client:
        task = asyncio.create_task(post(client, server.url))
        await settle(lambda: len(server.requests) == 1)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert (await post(client, server.url)).status == 202
        await settle(lambda: server.connections[0].closed_by_client)
    assert [len(c.requests) for c in server.connections] == [1, 1]


@pytest.mark.parametrize("headers", [
    {"X-Evil": "a\r\nInjected: yes"}, {"X-Evil": "a\nb"}, {"Bad:Name": "v"}, {"X-Nul": "a\0b"},
])
async def test_headers_that_would_split_the_request_are_refused(headers):
    async with scripted(lambda c, r, req: ACCEPTED) as server, client_for(server.port) as client:
        with pytest.raises(FetchError):
            await client.post_plain(server.url, b"{}", headers)
    assert server.connections == []


async def test_every_new_connection_passes_the_guard():
    async with scripted(lambda c, r, req: ACCEPTED) as server, client_for() as client:
        with pytest.raises(FetchError) as refused:
            await post(client, server.url)
    assert refused.value.kind == "forbidden-address"
    assert server.connections == []


async def test_idle_connections_are_bounded():
    async with scripted(lambda c, r, req: ACCEPTED) as one, \
            scripted(lambda c, r, req: ACCEPTED) as two, \
            scripted(lambda c, r, req: ACCEPTED) as three, \
            client_for(one.port, two.port, three.port, max_connections=2) as client:
        for server in (one, two, three):
            assert (await post(client, server.url)).status == 202
        await settle(lambda: one.connections[0].closed_by_client)  # the oldest idle one
        assert not two.connections[0].closed_by_client
        assert not three.connections[0].closed_by_client


async def test_bytes_nobody_asked_for_retire_an_idle_connection():
    answer = ACCEPTED + b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"  # one answer too many
    async with scripted(lambda c, r, req: answer) as server, client_for(server.port) as client:
        assert (await post(client, server.url)).status == 202
        assert (await post(client, server.url)).status == 202
    assert len(server.connections) == 2


async def test_tls_verifies_the_peer_certificate(tmp_path):
    cert_file, key_file = self_signed(tmp_path, "peer")
    serving = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    serving.load_cert_chain(cert_file, key_file)
    trusting = ssl.create_default_context(cafile=str(cert_file))
    async with scripted(lambda c, r, req: ACCEPTED, tls=serving) as server:
        url = f"https://127.0.0.1:{server.port}/inbox"
        async with client_for(server.port, verify=trusting) as client:
            assert (await post(client, url)).status == 202
            assert (await post(client, url)).status == 202
        assert len(server.connections) == 1
        async with client_for(server.port) as client:  # the public roots do not know it
            with pytest.raises(FetchError) as refused:
                await post(client, url)
        assert refused.value.kind == "unreachable"
        assert "CERTIFICATE_VERIFY_FAILED" in refused.value.reason
