"""Jobs per second through the durable runner (claim → handler → finish), on SQLite and,
when IMPASTO_TEST_POSTGRES_URL (or IMPASTO_BENCH_POSTGRES_URL) is set, on PostgreSQL.

    .venv/bin/python bench/jobs.py [--jobs N] [--concurrency C]

The handler does nothing, so the figure is the runner's own overhead per job: one claim
per batch plus one UPDATE per finished job. Enqueue rates are printed too (one INSERT per
job, and bulk).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from instance.jobs import JobQueue, Worker  # noqa: E402
from instance.jobs.registry import JobRegistry  # noqa: E402
from instance.storage import db  # noqa: E402

bench_registry = JobRegistry()


@bench_registry.register("bench.noop")
async def noop(ctx, payload: dict) -> None:
    return None


async def measure(url: str, jobs: int, concurrency: int) -> dict[str, float]:
    await db.migrate(url)
    await db.connect(url)
    try:
        queue = JobQueue()
        single = min(jobs, 1000)
        started = time.perf_counter()
        for n in range(single):
            await queue.enqueue("bench.noop", {"n": n})
        enqueue_one = single / (time.perf_counter() - started)

        started = time.perf_counter()
        await queue.enqueue_many("bench.noop", [{"n": n} for n in range(jobs - single)])
        enqueue_bulk = (jobs - single) / (time.perf_counter() - started) if jobs > single else 0.0

        worker = Worker(queue, bench_registry, None, concurrency=concurrency)
        started = time.perf_counter()
        ran = await worker.run_until_idle()
        elapsed = time.perf_counter() - started
        assert ran == jobs, f"ran {ran} of {jobs}"
        return {"enqueue_one": enqueue_one, "enqueue_bulk": enqueue_bulk, "run": ran / elapsed}
    finally:
        await db.disconnect()


async def with_postgres(base: str, jobs: int, concurrency: int) -> dict[str, float]:
    import asyncpg

    name = f"impasto_bench_{uuid.uuid4().hex[:10]}"
    admin_dsn = "postgresql://" + base.split("://", 1)[1]
    conn = await asyncpg.connect(admin_dsn)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    url = urlunsplit(urlsplit(base)._replace(path="/" + name))
    try:
        return await measure(url, jobs, concurrency)
    finally:
        conn = await asyncpg.connect(admin_dsn)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def report(label: str, figures: dict[str, float]) -> None:
    print(
        f"{label:<11} run {figures['run']:>8.0f} jobs/s   enqueue one-by-one "
        f"{figures['enqueue_one']:>7.0f}/s   enqueue bulk {figures['enqueue_bulk']:>8.0f}/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(f"bench/jobs.py: {args.jobs} no-op jobs, worker concurrency {args.concurrency}, one process")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite://{Path(folder) / 'bench.sqlite3'}"
        report("sqlite", asyncio.run(measure(url, args.jobs, args.concurrency)))
    pg = os.environ.get("IMPASTO_BENCH_POSTGRES_URL") or os.environ.get("IMPASTO_TEST_POSTGRES_URL")
    if pg:
        report("postgresql", asyncio.run(with_postgres(pg, args.jobs, args.concurrency)))
    else:
        print("postgresql  skipped: set IMPASTO_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB")


if __name__ == "__main__":
    main()
