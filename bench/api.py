"""Timeline latency of the client API with 100,000 statuses stored, on SQLite and,
when IMPASTO_TEST_POSTGRES_URL (or IMPASTO_BENCH_POSTGRES_URL) is set, on PostgreSQL;
and the server's resident memory after the run.

    .venv/bin/python bench/api.py [--statuses 100000] [--requests 400] [--runs 3]
                                  [--database sqlite|postgresql|both] [--explain]
                                  [--timeline home|list|account]

A real `impasto run` process, pinned to one CPU (this client on the other), serves
GET /api/v1/timelines/home?limit=40 to one keep-alive client; latency is measured at the
client (request sent → body read). Each home request is followed by a trivial
authenticated GET (the same token check, an empty list): its p95 is the in-run
reference, and p95 ÷ reference p95 the ratio, which says more than the wall clock on a
shared machine. The server's CPU ms per request (each kind alone, from /proc) is printed
beside the reference's. Each run restarts the server on the same data. The viewer follows
half of 100 artists; a quarter of the works carry a ready image; recent ones are tagged,
liked and bookmarked, and 2,000 reblogs are merged in, so every batch query of a page has
work to do. `--explain` prints EXPLAIN (ANALYZE, BUFFERS) of each query of one home page
as the server sends it (bench/explain_home.py). `--timeline list` reads a list of ten of the
followed artists instead, `--timeline account` one artist's statuses (with their reblogs).
Targets (issue 6, issue 20): p95 ≤ 30 ms in every run, RSS ≤ 200 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.rig import cpu_seconds  # noqa: E402
from instance.api.oauth.tokens import digest  # noqa: E402
from instance.storage import db  # noqa: E402
from tests.rig.processes import impasto_env, running_server  # noqa: E402

ARTISTS = 100
TOKEN = "bench-token-" + uuid.uuid4().hex


async def seed(url: str, statuses: int) -> dict[str, str]:
    """Store the data; the path of each timeline's first page."""
    from instance.storage.models import (
        Account,
        AccountList,
        Bookmark,
        Boost,
        Follow,
        Like,
        ListMember,
        MediaAttachment,
        OAuthApplication,
        OAuthToken,
        Tag,
        User,
        Work,
    )

    await db.migrate(url)
    await db.connect(url)
    try:
        base = "http://127.0.0.1:1"
        accounts = [
            Account(
                ap_id=f"{base}/users/a{n}",
                username=f"a{n}",
                url=f"{base}/@a{n}",
                display_name=f"Artist {n}",
                works_count=statuses // ARTISTS,
            )
            for n in range(ARTISTS + 1)
        ]
        await Account.bulk_create(accounts)
        accounts = await Account.all().order_by("id")
        viewer = accounts[0]
        user = await User.create(account=viewer, password_hash="x")
        await Follow.bulk_create(
            [
                Follow(follower_id=viewer.id, target_id=a.id, state="accepted")
                for a in accounts[1 : ARTISTS // 2 + 1]
            ]
        )
        listed = await AccountList.create(owner_id=viewer.id, title="Ten painters")
        await ListMember.bulk_create([ListMember(account_list_id=listed.id, account_id=a.id)
                                      for a in accounts[1:11]])
        tags = [await Tag.create(name=f"tag{n}") for n in range(20)]
        start = datetime.now(UTC) - timedelta(days=365)
        batch: list[Work] = []
        for n in range(statuses):
            author = accounts[1 + n % ARTISTS]
            batch.append(
                Work(
                    ap_id=f"{base}/users/{author.username}/works/{n}",
                    account_id=author.id,
                    title=f"Work {n}",
                    content=f"<p>Work number {n} with some words</p>",
                    content_source=f"Work number {n}",
                    published_at=start + timedelta(seconds=n * 300),
                    medium="oil",
                    tools=["brush"],
                    likes_count=n % 7,
                )
            )
            if len(batch) == 5000:
                await Work.bulk_create(batch)
                batch = []
        if batch:
            await Work.bulk_create(batch)
        work_ids = await Work.all().order_by("id").values_list("id", "account_id")
        media = []
        for wid, aid in work_ids[::4]:
            media.append(
                MediaAttachment(
                    account_id=aid,
                    work_id=wid,
                    state="ready",
                    description="alt text",
                    blurhash="LEHV6nWB2yk8",
                    provenance_verdict="none",
                    width=1600,
                    height=1200,
                    cloak_level="medium",
                    variants={
                        "display": {
                            "webp": f"ab/{wid}-display.webp",
                            "jpeg": f"ab/{wid}-display.jpg",
                            "width": 1600,
                            "height": 1200,
                        },
                        "thumb": {
                            "webp": f"ab/{wid}-thumb.webp",
                            "jpeg": f"ab/{wid}-thumb.jpg",
                            "width": 400,
                            "height": 300,
                        },
                    },
                )
            )
        for chunk in range(0, len(media), 5000):
            await MediaAttachment.bulk_create(media[chunk : chunk + 5000])
        for n, (wid, _aid) in enumerate(work_ids[-4000::10]):  # tags on recent works
            work = await Work.get(id=wid)
            await work.tags.add(tags[n % len(tags)])
        recent = [wid for wid, _ in work_ids[-2000:]]
        await Like.bulk_create([Like(account_id=viewer.id, work_id=w) for w in recent[::3]])
        await Bookmark.bulk_create([Bookmark(account_id=viewer.id, work_id=w) for w in recent[::5]])
        # followed artists reblog older works now and then: the home page merges them in
        await Boost.bulk_create(
            [
                Boost(
                    account_id=accounts[1 + n % (ARTISTS // 2)].id,
                    work_id=wid,
                    created_at=start + timedelta(seconds=(n * 97 % statuses) * 300 + 150),
                )
                for n, (wid, _aid) in enumerate(work_ids[::50])
            ]
        )
        app = await OAuthApplication.create(
            name="bench", client_id="bench", client_secret=digest("x"), scopes="read write follow"
        )
        await OAuthToken.create(
            token_hash=digest(TOKEN), application=app, user=user, scopes="read write follow"
        )
        if db.is_postgres(url):
            # Fresh bulk-loaded tables have no planner statistics yet; autovacuum would
            # gather them within a minute on a live server, the bench does it at once.
            await db.Tortoise.get_connection("default").execute_script("ANALYZE")
    finally:
        await db.disconnect()
    return {"home": "/api/v1/timelines/home?limit=40",
            "list": f"/api/v1/timelines/list/{listed.id}?limit=40",
            "account": f"/api/v1/accounts/{accounts[1].id}/statuses?limit=40"}


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


REFERENCE = "/api/v1/announcements"  # the same token check and JSON reply, no timeline
CPU_REQUESTS = 200


def percentile(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return ordered[max(0, int(len(ordered) * share) - 1)]


def measure(url: str, folder: Path, requests: int, timeline: str) -> dict[str, float]:
    """One run: a fresh server on its own CPU, `requests` timeline pages (first pages at
    `timeline`) each followed by a trivial authenticated GET (the in-run reference), timed
    at the client."""
    env = impasto_env(
        url, folder, SERVER_RUN_WORKER="false", SERVER_LOG_LEVEL="warning", API_RATE_LIMIT="1000000"
    )
    env.pop("IMPASTO_JOBS_PLUGINS", None)
    with running_server(env) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        pin(server.process.pid, PLACEMENT[0])
        headers = {"Authorization": f"Bearer {TOKEN}"}
        first = client.get(timeline, headers=headers)
        assert first.status_code == 200 and len(first.json()) == 40, first.text[:300]
        for _ in range(30):  # warm-up: caches, prepared statements
            client.get(timeline, headers=headers)
            client.get(REFERENCE, headers=headers)
        times, reference = [], []
        max_id = None
        for n in range(requests):
            # mostly the top page, every fourth request one page further down
            path = timeline + (f"&max_id={max_id}" if n % 4 == 3 and max_id else "")
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            body = response.json()
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and len(body) == 40
            max_id = body[-1]["id"]
            started = time.perf_counter()
            assert client.get(REFERENCE, headers=headers).status_code == 200
            reference.append((time.perf_counter() - started) * 1000)
        rss = rss_kb(server.process.pid) / 1024
        # the server's CPU per request, which other processes on a shared machine disturb
        # far less than the wall clock: each kind alone, as bench/federation.py does
        cpu = {}
        for kind, path in (("page", timeline), ("ref", REFERENCE)):
            before = cpu_seconds(server.process.pid)
            for _ in range(CPU_REQUESTS):
                client.get(path, headers=headers)
            cpu[kind] = (cpu_seconds(server.process.pid) - before) * 1000 / CPU_REQUESTS
    return {
        "cpu": cpu["page"],
        "ref_cpu": cpu["ref"],
        "p50": statistics.median(times),
        "p95": percentile(times, 0.95),
        "max": max(times),
        "ref95": percentile(reference, 0.95),
        "rss": rss,
    }


PLACEMENT: list[set[int]] = [set(), set()]  # server CPU, client CPU


def place() -> str:
    """Server on one CPU, this client on another when there are two (as bench/federation.py)."""
    allowed = sorted(os.sched_getaffinity(0))
    server, client = ({allowed[0]}, {allowed[1]}) if len(allowed) >= 2 else ({allowed[0]}, {allowed[0]})
    PLACEMENT[:] = [server, client]
    os.sched_setaffinity(0, client)
    return f"server on CPU {min(server)}, client on CPU {min(client)}; PostgreSQL not pinned"


def pin(pid: int, cpus: set[int]) -> None:
    """Pin a started server and its threads (the SQLite driver runs in one)."""
    for task in Path(f"/proc/{pid}/task").iterdir():
        os.sched_setaffinity(int(task.name), cpus)


def postgres_url() -> str | None:
    base = os.environ.get("IMPASTO_BENCH_POSTGRES_URL") or os.environ.get("IMPASTO_TEST_POSTGRES_URL")
    return base or None


async def create_pg(base: str) -> str:
    import asyncpg

    name = f"impasto_bench_{uuid.uuid4().hex[:10]}"
    conn = await asyncpg.connect("postgresql://" + base.split("://", 1)[1])
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return urlunsplit(urlsplit(base)._replace(path="/" + name))


async def drop_pg(base: str, url: str) -> None:
    import asyncpg

    conn = await asyncpg.connect("postgresql://" + base.split("://", 1)[1])
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{urlsplit(url).path.lstrip("/")}" WITH (FORCE)')
    finally:
        await conn.close()


def databases(folder: Path) -> Iterator[tuple[str, str]]:
    """The databases a bench runs on: SQLite in `folder`, then a fresh PostgreSQL database
    when one is configured (dropped once its turn is over, or on an error)."""
    yield "sqlite", f"sqlite://{folder / 'bench.sqlite3'}"
    base = postgres_url()
    if not base:
        print("postgresql: skipped (set IMPASTO_TEST_POSTGRES_URL to include it)")
        return
    url = asyncio.run(create_pg(base))
    try:
        yield "postgresql", url
    finally:
        asyncio.run(drop_pg(base, url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statuses", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3, help="server restarts on the same data")
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--timeline", choices=("home", "list", "account"), default="home")
    parser.add_argument("--explain", action="store_true",
                        help="print EXPLAIN (ANALYZE, BUFFERS) of each home-timeline query (PostgreSQL)")
    args = parser.parse_args()
    print(f"{args.timeline} timeline, limit=40, {args.statuses:,} statuses stored, "
          f"{args.requests} requests a run; reference: GET {REFERENCE} after each")
    print(f"{place()}; load average before: {os.getloadavg()[0]:.1f}")
    print(f"{'database':<12}{'run':>4}{'seed s':>8}{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}"
          f"{'ref p95':>9}{'ratio':>7}{'CPU ms':>8}{'ref CPU':>8}{'ratio':>7}{'RSS MB':>9}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, url in databases(folder):
            if args.database not in (name, "both"):
                continue
            started = time.perf_counter()
            paths = asyncio.run(seed(url, args.statuses))
            seeded = time.perf_counter() - started
            for run in range(1, args.runs + 1):
                r = measure(url, folder / name, args.requests, paths[args.timeline])
                print(
                    f"{name:<12}{run:>4}{seeded:>8.1f}{r['p50']:>9.2f}{r['p95']:>9.2f}{r['max']:>9.2f}"
                    f"{r['ref95']:>9.2f}{r['p95'] / r['ref95']:>7.1f}{r['cpu']:>8.2f}{r['ref_cpu']:>8.2f}"
                    f"{r['cpu'] / max(r['ref_cpu'], 0.01):>7.1f}{r['rss']:>9.1f}", flush=True
                )
            if args.explain and db.is_postgres(url):
                from bench.explain_home import explain_home

                asyncio.run(explain_home(url))


if __name__ == "__main__":
    main()
