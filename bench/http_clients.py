"""Which HTTP client should carry deliveries? The client's CPU per POST over TLS through
federation.http1 (what deliveries and Web Push use, via FederationClient.post_plain: the
SSRF guard and every bound included), aiohttp (what they used before, and what fetches
use), httpx over HTTP/1.1 and over HTTP/2, against one local server offering both.

    .venv/bin/python bench/http_clients.py [--requests N] [--concurrency C] [--rounds R]

The server (Hypercorn, TLS with a throwaway certificate, ALPN h2 and http/1.1, answering
202 as an inbox does) runs on one CPU, the clients on the other; each client sends the
same N unsigned POSTs of a 2 KB body (signing costs the same whichever client carries
it), R rounds alternated. Printed: CPU ms per request of each client and its ratio to
aiohttp's in the same round. Issue 20 asked for HTTP/2 "where the peer offers it"; this
is the measurement behind not doing it, and behind federation.http1
(docs/federation.md "Performance").
"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.rig.certificates import self_signed  # noqa: E402

BODY = b'{"type":"Create"}' * 120  # about 2 KB, like a Create of a work


def serve(port: int, cert: str, key: str) -> None:
    """The inbox: read the body, answer 202 with nothing."""
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 202,
                    "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    config = Config()
    config.bind = [f"127.0.0.1:{port}"]
    config.certfile, config.keyfile = cert, key
    config.alpn_protocols = ["h2", "http/1.1"]
    config.accesslog = config.errorlog = None
    config.keep_alive_max_requests = 10**9  # its default closes a connection after 1,000
    asyncio.run(hypercorn_serve(app, config))  # type: ignore[arg-type]


def cpu_seconds() -> float:
    times = os.times()
    return times.user + times.system


async def cpu_ms_per_post(post: Callable[[], Awaitable[int]], requests: int,
                          concurrency: int) -> float:
    """Client CPU ms per POST, `concurrency` at a time; connections open before the clock."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        async with gate:
            status = await post()
            assert status == 202, status

    await asyncio.gather(*(one() for _ in range(64)))
    before = cpu_seconds()
    await asyncio.gather(*(one() for _ in range(requests)))
    return 1000 * (cpu_seconds() - before) / requests


async def aiohttp_client(url: str, requests: int, concurrency: int, cafile: Path) -> tuple[float, str]:
    import aiohttp

    context = ssl.create_default_context(cafile=str(cafile))
    connector = aiohttp.TCPConnector(ssl=context, limit_per_host=4, keepalive_timeout=30)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def post() -> int:
            async with session.post(url, data=BODY) as response:
                await response.read()
                return response.status

        return await cpu_ms_per_post(post, requests, concurrency), "HTTP/1.1"


async def impasto_client(url: str, requests: int, concurrency: int, cafile: Path,
                         port: int) -> tuple[float, str]:
    from federation.client import FederationClient

    context = ssl.create_default_context(cafile=str(cafile))
    headers = {"Content-Type": "application/activity+json"}
    async with FederationClient("bench.test", allow_private_addresses=[f"127.0.0.1:{port}"],
                                verify=context) as client:

        async def post() -> int:
            return (await client.post_plain(url, BODY, headers)).status

        return await cpu_ms_per_post(post, requests, concurrency), "HTTP/1.1"


async def httpx_client(url: str, requests: int, concurrency: int, cafile: Path,
                       http2: bool) -> tuple[float, str]:
    import httpx

    context = ssl.create_default_context(cafile=str(cafile))
    async with httpx.AsyncClient(http2=http2, http1=not http2, verify=context,
                                 limits=httpx.Limits(max_connections=4)) as client:
        versions: set[str] = set()

        async def post() -> int:
            response = await client.post(url, content=BODY)
            versions.add(response.http_version)
            return response.status_code

        return await cpu_ms_per_post(post, requests, concurrency), "/".join(sorted(versions))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu, client_cpu = {cpus[-1]}, {cpus[0]}
    with tempfile.TemporaryDirectory() as folder:
        cert, key = self_signed(Path(folder), "inbox")
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port), str(cert), str(key)],
            preexec_fn=lambda: os.sched_setaffinity(0, server_cpu))
        try:
            for _ in range(100):  # until it listens (bounded: 10 s)
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", port)) == 0:
                        break
                time.sleep(0.1)
            os.sched_setaffinity(0, client_cpu)
            url = f"https://127.0.0.1:{port}/inbox"
            print(f"bench/http_clients.py: {args.requests} POSTs of {len(BODY)} bytes over TLS, "
                  f"concurrency {args.concurrency}, at most 4 connections; client on CPU "
                  f"{min(client_cpu)}, Hypercorn on CPU {min(server_cpu)}")
            results: dict[str, list[float]] = {}
            for _ in range(args.rounds):
                for label, run in (
                    ("aiohttp", lambda: aiohttp_client(url, args.requests, args.concurrency, cert)),
                    ("federation.http1", lambda: impasto_client(
                        url, args.requests, args.concurrency, cert, port)),
                    ("httpx http1", lambda: httpx_client(url, args.requests, args.concurrency, cert, False)),
                    ("httpx h2", lambda: httpx_client(url, args.requests, args.concurrency, cert, True)),
                ):
                    ms, version = asyncio.run(run())
                    results.setdefault(f"{label} ({version})", []).append(ms)
            reference = next(iter(results.values()))
            for label, values in results.items():
                ratios = [v / r for v, r in zip(values, reference, strict=True)]  # same round
                print(f"{label:<28} CPU per request {' / '.join(f'{v:.3f}' for v in sorted(values))}"
                      f" ms   x aiohttp's in the same round: {min(ratios):.2f}-{max(ratios):.2f}")
        finally:
            server.kill()
            server.wait()


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--serve":
        serve(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        main()
