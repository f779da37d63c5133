"""Streaming with many idle clients: database queries per second while nothing happens, and
the latency from a post to every client receiving it — LISTEN/NOTIFY against polling.

    IMPASTO_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB nice .venv/bin/python bench/streaming.py \
        [--clients 500] [--idle 30] [--posts 3] [--sqlite]

One `impasto run` (no worker) on one CPU; C clients hold the Mastodon user stream
(/api/v1/streaming/user, Server-Sent Events) open from the other CPU, spread over a few
viewers who follow one artist. When all are connected and a few seconds have passed, the
idle window reads pg_stat_database for the throwaway database (xact_commit: the ORM's
queries run one per transaction; tup_returned: rows read) and the server's CPU time. Then
the artist posts through the API, one post at a time, and each client's arrival time of the
`update` event is taken against the moment before the POST was sent (same clock).

The reference, in the same run on the same database server, is `[api] streaming_wakeups =
"poll"` (what every stream did before LISTEN/NOTIFY): each row prints the figure beside it
as a ratio. `--sqlite` adds SQLite (which always polls; no pg_stat there, so only the
server's CPU and the latency). A throwaway PostgreSQL database is created and dropped per
mode. A backend's statistics reach pg_stat_database within a second while it is busy but
up to 10 s after it goes idle, so the window opens 12 s after the last client connected.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.rig import (  # noqa: E402
    PASSWORD,
    cpu_seconds,
    env_for,
    free_port,
    place,
    start_server,
    with_postgres,
)
from instance.storage import db  # noqa: E402

SETTLE_SECONDS = 12.0  # > PostgreSQL 15's 10 s flush of an idle backend's statistics


@dataclass
class Figures:
    queries_per_second: float | None  # pg_stat_database xact_commit over the idle window
    rows_per_second: float | None  # tup_returned over the idle window
    idle_cpu_percent: float  # the server process's CPU while idle
    latencies_ms: list[float]

    def latency(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def populate(url: str, port: int, viewers: int) -> tuple[str, list[str]]:
    """An artist and `viewers` accounts following them; their bearer tokens."""
    from instance.actors.accounts import create_local_user
    from instance.api.oauth.tokens import digest, issue_token
    from instance.storage.models import Account, Follow, OAuthApplication
    from instance.urls import LocalUrls

    await db.migrate(url)
    await db.connect(url)
    try:
        urls = LocalUrls(f"http://127.0.0.1:{port}")
        app = await OAuthApplication.create(name="bench", client_id="bench", client_secret=digest("x"),
                                            scopes="read write")
        artist = await create_local_user(urls, "artist", PASSWORD)
        artist_token, _ = await issue_token(app, artist, ["read", "write"])
        tokens = []
        for n in range(viewers):
            user = await create_local_user(urls, f"viewer{n}", PASSWORD)
            await Follow.create(follower=await Account.get(id=user.account_id),
                                target_id=artist.account_id, state="accepted")
            tokens.append((await issue_token(app, user, ["read"]))[0])
        return artist_token, tokens
    finally:
        await db.disconnect()


class Client:
    """One SSE connection read by hand (a status line, headers, then event lines): httpx
    for 500 streams would cost the load generator more than the server."""

    def __init__(self, port: int, token: str) -> None:
        self.port, self.token = port, token
        self.arrivals: dict[str, float] = {}
        self.opened = asyncio.Event()
        self.got = asyncio.Event()

    async def run(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(f"GET /api/v1/streaming/user HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                     f"Authorization: Bearer {self.token}\r\nAccept: text/event-stream\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 200 " not in head.split(b"\r\n", 1)[0]:
            raise RuntimeError(f"stream refused: {head[:200]!r}")
        event = ""
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                if b":)" in line:
                    self.opened.set()
                elif line.startswith(b"event: "):
                    event = line[7:].strip().decode()
                elif line.startswith(b"data: ") and event == "update":
                    self.arrivals[json.loads(line[6:])["id"]] = time.time()
                    self.got.set()
        finally:
            writer.close()


async def db_counters(url: str) -> tuple[int, int]:
    import asyncpg

    name = url.rsplit("/", 1)[1].split("?", 1)[0]
    conn = await asyncpg.connect("postgresql://" + url.split("://", 1)[1].rsplit("/", 1)[0] + "/postgres")
    try:
        row = await conn.fetchrow("SELECT xact_commit, tup_returned FROM pg_stat_database WHERE datname = $1",
                                  name)
        return int(row["xact_commit"]), int(row["tup_returned"])
    finally:
        await conn.close()


async def post(port: int, token: str, text: str) -> tuple[str, float]:
    import httpx

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as http:
        sent = time.time()
        answer = await http.post("/api/v1/statuses", data={"status": text},
                                 headers={"Authorization": f"Bearer {token}"})
        if answer.status_code != 200:
            raise RuntimeError(f"post refused: {answer.status_code} {answer.text[:200]}")
        return answer.json()["id"], sent


async def measure(url: str, mode: str, clients: int, viewers: int, idle: float, posts: int) -> Figures:
    port = free_port()
    artist_token, tokens = await populate(url, port, viewers)
    with tempfile.TemporaryDirectory() as folder:
        env = env_for(url, Path(folder), port)
        env.update(IMPASTO_API_STREAMING_WAKEUPS=mode, IMPASTO_API_RATE_LIMIT="100000000")
        server, _ = start_server([sys.executable, "-m", "instance.cli", "run", "--bind",
                                  f"127.0.0.1:{port}"], env)
        readers: list[asyncio.Task] = []
        try:
            streams = [Client(port, tokens[n % len(tokens)]) for n in range(clients)]
            for n in range(0, clients, 50):  # a few at a time: the listen backlog is finite
                readers += [asyncio.create_task(c.run()) for c in streams[n:n + 50]]
                await asyncio.wait_for(asyncio.gather(*(c.opened.wait() for c in streams[n:n + 50])), 120)
            await asyncio.sleep(SETTLE_SECONDS)  # let the first polls and wakeups pass
            postgres = db.is_postgres(url)
            before = await db_counters(url) if postgres else (0, 0)
            cpu_before, started = cpu_seconds(server.pid), time.perf_counter()
            await asyncio.sleep(idle)  # the idle window: nobody writes
            elapsed = time.perf_counter() - started
            cpu = cpu_seconds(server.pid) - cpu_before
            after = await db_counters(url) if postgres else (0, 0)
            latencies: list[float] = []
            for n in range(posts):
                for c in streams:
                    c.got.clear()
                status_id, sent = await post(port, artist_token, f"Study {n}")
                deadline = time.time() + 120
                while any(status_id not in c.arrivals for c in streams):
                    if time.time() > deadline:
                        missing = sum(status_id not in c.arrivals for c in streams)
                        raise RuntimeError(f"{missing} clients did not get the post")
                    await asyncio.sleep(0.05)  # the clients' readers fill arrivals
                latencies += [(c.arrivals[status_id] - sent) * 1000 for c in streams]
                await asyncio.sleep(2)  # back to idle between posts
            failed = [t for t in readers if t.done() and t.exception()]
            if failed:
                raise RuntimeError(f"a stream failed: {failed[0].exception()!r}")
            return Figures(
                (after[0] - before[0]) / elapsed if postgres else None,
                (after[1] - before[1]) / elapsed if postgres else None,
                100 * cpu / elapsed, latencies)
        finally:
            for task in readers:
                task.cancel()
            server.terminate()
            server.wait()


def row(label: str, got: Figures, ref: Figures | None) -> str:
    def ratio(a: float | None, b: float | None) -> str:
        return f"x{a / b:.3f}" if a is not None and b else "  -  "

    parts = [f"{label:<34}"]
    if got.queries_per_second is not None:
        parts.append(f"idle {got.queries_per_second:7.1f} queries/s"
                     + (f" ({ratio(got.queries_per_second, ref.queries_per_second)})" if ref else "")
                     + f", {got.rows_per_second:8.0f} rows/s")
    parts.append(f"idle server CPU {got.idle_cpu_percent:5.1f}%"
                 + (f" ({ratio(got.idle_cpu_percent, ref.idle_cpu_percent)})" if ref else ""))
    parts.append(f"post->client p50 {got.latency(0.5):6.0f} ms  p95 {got.latency(0.95):6.0f} ms  "
                 f"max {max(got.latencies_ms):6.0f} ms"
                 + (f" (p95 {ratio(got.latency(0.95), ref.latency(0.95))})" if ref else ""))
    return " | ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--viewers", type=int, default=10, help="accounts the clients are spread over")
    parser.add_argument("--idle", type=float, default=30.0, help="seconds of the idle window")
    parser.add_argument("--posts", type=int, default=3)
    parser.add_argument("--sqlite", action="store_true", help="also SQLite (polling only)")
    args = parser.parse_args()
    pg = os.environ.get("IMPASTO_BENCH_POSTGRES_URL") or os.environ.get("IMPASTO_TEST_POSTGRES_URL")
    if not pg:
        sys.exit("bench/streaming.py needs PostgreSQL: set IMPASTO_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB")
    placed = place(2)
    print(f"bench/streaming.py: {args.clients} idle user streams over {args.viewers} viewers, "
          f"{args.idle:.0f} s idle window, {args.posts} posts; {placed} "
          f"(PostgreSQL's own server not pinned)", flush=True)
    common = (args.clients, args.viewers, args.idle, args.posts)
    reference = asyncio.run(with_postgres(pg, measure, "poll", *common))
    print(row("postgresql poll (reference)", reference, None), flush=True)
    listened = asyncio.run(with_postgres(pg, measure, "notify", *common))
    print(row("postgresql LISTEN/NOTIFY", listened, reference), flush=True)
    if args.sqlite:
        with tempfile.TemporaryDirectory() as folder:
            lite = asyncio.run(measure(f"sqlite://{Path(folder) / 'bench.sqlite3'}", "poll", *common))
        print(row("sqlite poll", lite, reference), flush=True)
    print(f"latencies: all {args.clients * args.posts} arrivals of each row, from before the POST")


if __name__ == "__main__":
    main()
