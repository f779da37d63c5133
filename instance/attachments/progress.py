"""A media record's processing progress, as the upload page shows it. The pool process
writes its stage and fraction to a file (`media.progress`); while the job waits on the
pool, this follows the file onto the record (`MediaAttachment.progress`) with an
estimate of the time left, and clears it when the job is done."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

from instance.storage.models import MediaAttachment
from media.progress import ProgressFile, read_progress

POLL_SECONDS = 0.5


async def record_progress(media_id: int, path: Path, started: float,
                          last: tuple[str, float] | None = None) -> tuple[str, float] | None:
    """Copy the file's progress onto the record if it moved; returns what it read."""
    seen = read_progress(path)
    if seen is None or seen == last:
        return seen
    stage, fraction = seen
    elapsed = time.monotonic() - started
    eta = round(elapsed * (1 - fraction) / fraction) if fraction >= 0.05 else None
    await MediaAttachment.filter(id=media_id).update(
        progress={"stage": stage, "fraction": fraction, "eta_seconds": eta})
    return seen


async def _follow(media_id: int, path: Path, started: float) -> None:
    last = None
    while True:
        last = await record_progress(media_id, path, started, last)
        await asyncio.sleep(POLL_SECONDS)


@contextlib.asynccontextmanager
async def followed(media_id: int) -> AsyncIterator[ProgressFile]:
    """A reporter for the pool to write to, followed onto the record until the block ends."""
    path = Path(tempfile.gettempdir()) / f"impasto-progress-{uuid.uuid4().hex}.json"
    task = asyncio.create_task(_follow(media_id, path, time.monotonic()))
    try:
        yield ProgressFile(str(path))
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        path.unlink(missing_ok=True)
        await MediaAttachment.filter(id=media_id).update(progress=None)
