"""Job kinds for the job-runner tests, loaded into worker processes through the
`[jobs] plugins` extension point (IMPASTO_JOBS_PLUGINS=tests.jobs_plugin)."""

from __future__ import annotations

import asyncio
import os
import time

from instance.jobs import Permanent, Retry
from instance.jobs.registry import JobContext, register


def _append(path: str, line: str) -> None:
    with open(path, "a", encoding="utf-8") as log:  # O_APPEND: whole lines from many processes
        log.write(line + "\n")


def _announce(fifo: str, line: str) -> None:
    """Tell a waiting test that a job has started (no reader: nothing to do)."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


@register("test.record")
async def record(ctx: JobContext, payload: dict) -> None:
    """Write start and end lines (job, pid, attempt, monotonic time); optionally work a
    while, or hang for as long as the `hang_while` file exists (to be killed mid-job)."""
    line = f"{payload['n']} {os.getpid()} {ctx.attempt}"
    _append(payload["log"], f"start {line} {time.monotonic()}")
    if payload.get("fifo"):
        _announce(payload["fifo"], f"start {line}")
    if payload.get("hang_while") and os.path.exists(payload["hang_while"]):
        await asyncio.Event().wait()  # simulated work that never ends; the test kills us
    if payload.get("work_seconds"):
        await asyncio.sleep(payload["work_seconds"])  # simulated work inside the job
    _append(payload["log"], f"end {line} {time.monotonic()}")


@register("test.flaky")
async def flaky(ctx: JobContext, payload: dict) -> None:
    """Fail with an unexpected error until attempt `succeed_on`."""
    _append(payload["log"], f"attempt {ctx.attempt}")
    if ctx.attempt < payload["succeed_on"]:
        raise RuntimeError(f"boom on attempt {ctx.attempt}")


@register("test.retry")
async def retry_later(ctx: JobContext, payload: dict) -> None:
    raise Retry(payload["after"], "remote busy")


@register("test.permanent")
async def permanent(ctx: JobContext, payload: dict) -> None:
    raise Permanent("the object is gone")


LANE_GATES: dict[str, asyncio.Event] = {}  # lane → released when the test says so
LANE_RUNNING: dict[str, int] = {}
LANE_PEAK: dict[str, int] = {}
LANE_DONE: list[str] = []
LANE_FINISHED: dict[str, asyncio.Event] = {}  # lane → set when one of its jobs ends


@register("test.lane")
async def lane_job(ctx: JobContext, payload: dict) -> None:
    """Count how many jobs of a lane run at once; hold while the lane's gate is shut."""
    lane = payload["lane"]
    LANE_RUNNING[lane] = LANE_RUNNING.get(lane, 0) + 1
    LANE_PEAK[lane] = max(LANE_PEAK.get(lane, 0), LANE_RUNNING[lane])
    try:
        gate = LANE_GATES.get(lane)
        if gate is not None:
            await gate.wait()
    finally:
        LANE_RUNNING[lane] -= 1
    LANE_DONE.append(lane)
    if lane in LANE_FINISHED:
        LANE_FINISHED[lane].set()


@register("test.settings")
async def settings_seen(ctx: JobContext, payload: dict) -> None:
    """Write the settings this worker process has in force (it must see an admin's
    change made in another process without a restart)."""
    config = ctx.services.config
    _append(payload["log"], f"{os.getpid()} {config.registration.mode} {config.ai.declared_policy}"
                            f" {config.ai.remote_ai_verdict}")
