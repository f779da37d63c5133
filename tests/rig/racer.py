"""A claimer in a process of its own, for tests of what two processes on one database may
both try at once: `python -m tests.rig.racer periodic URL BASE COUNT STEP` connects,
prints `ready`, waits for a line on stdin (the test's start signal, so both race from the
same moment), then ticks the periodic schedule at BASE, BASE+STEP, … and prints how many
runs it queued."""

from __future__ import annotations

import asyncio
import sys
from types import SimpleNamespace


async def periodic(url: str, base: float, count: int, step: float) -> int:
    from instance.config import load_config
    from instance.jobs import JobQueue
    from instance.jobs.schedule import ensure_periodic_jobs
    from instance.storage import db

    services = SimpleNamespace(config=load_config(None, environ={}), jobs=JobQueue())
    await db.connect(url)
    try:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        queued = 0
        for n in range(count):
            queued += await ensure_periodic_jobs(services, now=base + n * step)  # type: ignore[arg-type]
        return queued
    finally:
        await db.disconnect()


def main(argv: list[str]) -> None:
    what, url, *rest = argv
    if what == "periodic":
        base, count, step = float(rest[0]), int(rest[1]), float(rest[2])
        print(asyncio.run(periodic(url, base, count, step)), flush=True)
    else:
        raise SystemExit(f"unknown race {what!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
