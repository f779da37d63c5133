"""Peers that misbehave on the wire cost a delivery a bounded time and memory, never a
worker: one that accepts the connection and never answers, one that answers with an
endless body as fast as loopback allows (10 GB announced as chunks), and one that drips
a huge body a byte at a time. Each delivery ends as a scheduled retry naming why, and a
live peer in the same fan-out still gets its copy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from instance.actions import works
from instance.actors.accounts import create_local_user
from instance.storage.models import Account, Follow, Job
from tests.rig.jobs import run_jobs_until_idle
from tests.rig.loopback import OPEN_ENDPOINTS
from tests.rig.services import built_services

pytestmark = pytest.mark.slow

TEN_GB = 10 * 1024**3
MB = 1024 * 1024

Peer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def _read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next((int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    await reader.readexactly(length)


class Peers:
    """The three hostile loopback peers and a polite one; counts what each wrote."""

    def __init__(self) -> None:
        self.flooded = 0  # bytes the flooding peer managed to write before we hung up
        self.polite_posts = 0

    async def silent(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await reader.read()  # keeps the connection open and says nothing

    async def flood(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"%x\r\n" % MB + b"x" * MB + b"\r\n"
        try:
            while self.flooded < TEN_GB:
                writer.write(chunk)
                await writer.drain()
                self.flooded += MB
        except (ConnectionError, OSError):
            pass  # the client hung up: what this test wants

    async def drip(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: %d\r\n\r\n" % TEN_GB)
        try:
            while True:  # one byte at a time, each well inside any per-read timeout
                writer.write(b"x")
                await writer.drain()
                await asyncio.sleep(0.05)
        except (ConnectionError, OSError):
            pass

    async def polite(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        self.polite_posts += 1
        writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        await writer.drain()
        writer.close()


@asynccontextmanager
async def serving(handler: Peer) -> AsyncIterator[int]:
    tasks: set[asyncio.Task] = set()

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        tasks.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            await handler(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(tracked, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    OPEN_ENDPOINTS.add(("127.0.0.1", port))
    try:
        yield port
    finally:
        OPEN_ENDPOINTS.discard(("127.0.0.1", port))
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_hostile_peers_end_as_scheduled_retries_and_cost_live_ones_nothing(connected, tmp_path):
    peers = Peers()
    async with serving(peers.silent) as silent, serving(peers.flood) as flood, \
            serving(peers.drip) as drip, serving(peers.polite) as polite:
        async for services in built_services(connected, tmp_path, FEDERATION_REQUEST_TIMEOUT="1",
                                             FEDERATION_MAX_FETCH_BYTES="2000000"):
            user = await create_local_user(services.urls, "vera", "correct horse battery")
            vera = await Account.get(id=user.account_id)
            for port in (silent, flood, drip, polite):
                fan = await Account.create(
                    ap_id=f"http://127.0.0.1:{port}/u/fan", username=f"fan{port}",
                    domain=f"127.0.0.1:{port}", inbox_url=f"http://127.0.0.1:{port}/inbox")
                await Follow.create(follower=fan, target=vera, state="accepted")
            await works.create_work(services, vera, title="Harbour", content_source="c")
            await run_jobs_until_idle(services, concurrency=8)

            jobs = {int(j.payload["inbox"].split(":")[2].split("/")[0]): j
                    for j in await Job.filter(kind="outbox.deliver")}
            assert jobs[polite].state == "done" and peers.polite_posts == 1
            for port in (silent, flood, drip):
                job = jobs[port]
                assert job.state == "queued" and job.attempts == 1, (port, job.last_error)
                assert job.next_attempt_at > datetime.now(UTC)
                assert "unreachable" in (job.last_error or ""), job.last_error
    # The flood was cut at the response bound, not read to its end (nor held in memory).
    assert 0 < peers.flooded < 64 * MB, peers.flooded
