"""Fan-out with several worker processes on one PostgreSQL database: deliveries/s with 1, 2
and 4 `impasto worker` processes, each beside an in-run reference.

    IMPASTO_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB .venv/bin/python bench/scale.py \
        [--inboxes N] [--concurrency C]

One work is published to N followers spread over 4 loopback receiver processes (different
ports = different hosts, so each worker's lane limit allows half its slots per host). The
deliveries are queued held back, the workers are started and reported ready, then the
deliveries are released at once; the figure is N over the time from the first claim to
the last finished delivery (read from the jobs table). The reference, measured in the same
run on the same database, is one in-process worker (bench/federation.py's fan-out path)
with the same concurrency; the ratio is what to read, as the machine's other load moves
both. Nothing is pinned: worker processes are meant to use every CPU (say how many the
machine has when quoting figures). A throwaway database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.fanout import artist_with_followers  # noqa: E402
from bench.rig import env_for, with_postgres  # noqa: E402
from instance.storage import db  # noqa: E402

RECEIVERS = 4


def start_receivers() -> tuple[list[subprocess.Popen], list[int]]:
    receivers = [
        subprocess.Popen([sys.executable, str(ROOT / "tests/federation_e2e/receiver.py")],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for _ in range(RECEIVERS)
    ]
    ports = [int(r.stdout.readline()) for r in receivers]  # type: ignore[union-attr]
    for r in receivers:  # keep their output from filling the pipe
        threading.Thread(target=r.stdout.read, daemon=True).start()  # type: ignore[union-attr]
    return receivers, ports


async def queue_held_fanout(services, artist, n: int) -> list[int]:
    """Publish one work and hold its deliveries back; their job ids."""
    from instance.actions import works
    from instance.storage.models import Job

    before = await Job.filter(kind="outbox.deliver").values_list("id", flat=True)
    await works.create_work(services, artist, title=f"Tide {n}", content_source="hello")
    ids = [i for i in await Job.filter(kind="outbox.deliver").values_list("id", flat=True)
           if i not in set(before)]
    await Job.filter(id__in=ids).update(next_attempt_at=datetime.now(UTC) + timedelta(days=1))
    return ids


async def timed_release(ids: list[int]) -> float:
    """Release held deliveries; seconds from the first claim to the last finish."""
    from instance.storage.models import Job

    await Job.filter(id__in=ids).update(next_attempt_at=datetime.now(UTC))
    while not await Job.filter(id__in=ids).exclude(state="queued").exists():
        await asyncio.sleep(0.01)  # watching other processes' progress
    started = time.time()
    while await Job.filter(id__in=ids, state__in=("queued", "running")).exists():
        await asyncio.sleep(0.05)
    if await Job.filter(id__in=ids).exclude(state="done").exists():
        raise RuntimeError("some deliveries failed")
    last = max(await Job.filter(id__in=ids).values_list("finished_at", flat=True))
    return last.timestamp() - started


def start_workers(env: dict[str, str], count: int) -> list[subprocess.Popen]:
    workers = [subprocess.Popen([sys.executable, "-m", "instance.cli", "worker"], env=env,
                                cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                text=True) for _ in range(count)]
    for w in workers:
        line = w.stdout.readline()  # type: ignore[union-attr]
        if "started" not in line:
            raise RuntimeError(f"worker did not start: {line!r}")
        threading.Thread(target=w.stdout.read, daemon=True).start()  # type: ignore[union-attr]
    return workers


async def scale(url: str, inboxes: int, concurrency: int,
                counts: list[int]) -> list[tuple[int, float, float]]:
    from instance.config import load_config
    from instance.job_handlers import load_handlers
    from instance.jobs import Worker
    from instance.services import build_services, close_services

    receivers, ports = start_receivers()
    results = []
    try:
        await db.migrate(url)
        with tempfile.TemporaryDirectory() as folder:
            env = env_for(url, Path(folder), 1, reach=ports)
            env["IMPASTO_JOBS_CONCURRENCY"] = str(concurrency)
            config = load_config(environ={k: v for k, v in env.items() if k.startswith("IMPASTO_")})
            await db.connect(url)
            services = build_services(config)
            try:
                artist = await artist_with_followers(services, ports, inboxes)
                for count in counts:
                    # The reference: one in-process worker, same database, same run.
                    ids = await queue_held_fanout(services, artist, count * 10)
                    worker = Worker(services.jobs, load_handlers(), services, concurrency=concurrency)
                    from instance.storage.models import Job

                    await Job.filter(id__in=ids).update(next_attempt_at=datetime.now(UTC))
                    started = time.perf_counter()
                    ran = await worker.run_until_idle()
                    reference = inboxes / (time.perf_counter() - started)
                    if ran != inboxes:
                        raise RuntimeError(f"reference ran {ran} of {inboxes}")
                    # The same fan-out through `count` worker processes.
                    ids = await queue_held_fanout(services, artist, count * 10 + 1)
                    workers = start_workers(env, count)
                    try:
                        rate = inboxes / await timed_release(ids)
                    finally:
                        for w in workers:
                            w.terminate()
                        for w in workers:
                            w.wait(timeout=60)
                    results.append((count, rate, reference))
                    print(f"{count} worker process{'es' if count > 1 else '  '}  {rate:>7.0f} deliveries/s"
                          f"   reference (1 in-process worker) {reference:>6.0f}/s"
                          f"   ratio {rate / reference:5.2f}", flush=True)
            finally:
                await close_services(services)
                await db.disconnect()
    finally:
        for r in receivers:
            r.kill()
            r.wait()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inboxes", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    pg = os.environ.get("IMPASTO_BENCH_POSTGRES_URL") or os.environ.get("IMPASTO_TEST_POSTGRES_URL")
    if not pg:
        sys.exit("bench/scale.py needs PostgreSQL: set IMPASTO_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB")
    counts = [int(c) for c in args.workers.split(",")]
    print(f"bench/scale.py: fan-out of one work to {args.inboxes} inboxes on {RECEIVERS} loopback "
          f"hosts, concurrency {args.concurrency} per worker, PostgreSQL, "
          f"{os.cpu_count()} CPUs (not pinned)", flush=True)
    asyncio.run(with_postgres(pg, scale, args.inboxes, args.concurrency, counts))


if __name__ == "__main__":
    main()
