"""Upload-to-ready: from the POST of an image to /api/v2/media until the attachment is
ready (its variants stored), with media on this machine's disk against an S3-compatible
store (SeaweedFS on loopback, started as the tests start it: tests/rig/seaweed.py).

    nice .venv/bin/python bench/upload_ready.py [--uploads 8] [--levels off,medium] [--size 2048]

One `impasto run` with its embedded worker (the one-machine default: the job runs in the
same process, the image pipeline in its pool process) on one CPU; the client and SeaweedFS
on the other (`weed` is pinned there too, so the store's own work is not charged to the
server). Each upload is a fresh JPEG of --size px on the long side; the client asks GET
/api/v1/media/:id every 50 ms until it answers 200 (v2 answers 200 at once when the job
finished within its short wait). One warm-up upload per server starts the image pool and
is not counted. Local storage is the in-run reference; the S3 row prints its ratio. Both
servers run at once and take turns (one upload each, who goes first alternating), so the
machine's other load falls on both alike. Each cloak level is its own pair of servers.
The database is PostgreSQL when IMPASTO_TEST_POSTGRES_URL is set (a throwaway database
per server), else SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.media import photo_like  # noqa: E402
from bench.rig import PLACEMENT, env_for, free_port, place, start_server, with_postgres  # noqa: E402
from bench.streaming import populate  # noqa: E402
from tests.rig.processes import run_cli  # noqa: E402
from tests.rig.seaweed import SeaweedS3, new_bucket_name, seaweed_s3  # noqa: E402

POLL_SECONDS = 0.05


def jpeg(width: int, height: int, seed: int) -> bytes:
    """A photo-like JPEG, different for each seed (no upload is a copy of another)."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(photo_like(width, height, seed)).save(buffer, "JPEG", quality=92)
    return buffer.getvalue()


async def upload_until_ready(port: int, token: str, image: bytes) -> float:
    """Seconds from sending the POST until the attachment is ready."""
    import httpx

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=120) as http:
        started = time.perf_counter()
        answer = await http.post("/api/v2/media", headers=headers, data={"description": "A study"},
                                 files={"file": ("study.jpg", image, "image/jpeg")})
        if answer.status_code == 200:
            return time.perf_counter() - started
        if answer.status_code != 202:
            raise RuntimeError(f"upload refused: {answer.status_code} {answer.text[:200]}")
        media_id = answer.json()["id"]
        while True:
            await asyncio.sleep(POLL_SECONDS)  # a client polling, as Mastodon apps do
            state = await http.get(f"/api/v1/media/{media_id}", headers=headers)
            if state.status_code == 200:
                return time.perf_counter() - started
            if state.status_code != 206:
                raise RuntimeError(f"media {media_id}: {state.status_code} {state.text[:200]}")
            if time.perf_counter() - started > 600:
                raise RuntimeError(f"media {media_id} not ready after 600 s")


@contextmanager
def serving(url: str, store: SeaweedS3 | None, level: str, port: int, folder: Path) -> Iterator[None]:
    """`impasto run` with its embedded worker on the server CPU, media local or in a new bucket."""
    env = env_for(url, folder, port)
    env.update(IMPASTO_SERVER_RUN_WORKER="true", IMPASTO_CLOAK_DEFAULT_LEVEL=level,
               IMPASTO_API_MEDIA_RATE_LIMIT="100000", IMPASTO_API_RATE_LIMIT="100000000")
    if store is not None:
        env.update({f"IMPASTO_{k.upper()}": v for k, v in store.settings(new_bucket_name()).items()})
        made = run_cli(["media", "s3-setup"], env)
        if made.returncode != 0:
            raise RuntimeError(f"s3-setup failed: {made.stderr}")
    command = [sys.executable, "-m", "instance.cli", "run", "--bind", f"127.0.0.1:{port}"]
    server, _ = start_server(command, env)
    try:
        yield
    finally:
        server.terminate()
        server.wait()


async def measure(local_url: str, s3_url: str, store: SeaweedS3, level: str,
                  images: list[bytes]) -> tuple[list[float], list[float]]:
    """Both servers run at once (an idle one costs nothing) and take turns, one upload
    each, the first in turn alternating: the machine's other load drifts over both."""
    ports = [free_port(), free_port()]
    tokens = [(await populate(url, port, 0))[0] for url, port in zip((local_url, s3_url), ports, strict=True)]
    times: tuple[list[float], list[float]] = ([], [])
    with tempfile.TemporaryDirectory() as folder, \
            serving(local_url, None, level, ports[0], Path(folder) / "local"), \
            serving(s3_url, store, level, ports[1], Path(folder) / "s3"):
        for side in (0, 1):  # warm-up: each server's image pool starts
            await upload_until_ready(ports[side], tokens[side], images[0])
        for n, image in enumerate(images[1:]):
            for side in ((0, 1) if n % 2 == 0 else (1, 0)):
                times[side].append(await upload_until_ready(ports[side], tokens[side], image))
    return times


def run(url_base: str | None, store: SeaweedS3, level: str,
        images: list[bytes]) -> tuple[list[float], list[float]]:
    if url_base:
        async def two_databases(local_url: str) -> tuple[list[float], list[float]]:
            return await with_postgres(url_base, measure, local_url, store, level, images)

        return asyncio.run(with_postgres(url_base, two_databases))
    with tempfile.TemporaryDirectory() as folder:
        return asyncio.run(measure(f"sqlite://{Path(folder) / 'local.sqlite3'}",
                                   f"sqlite://{Path(folder) / 's3.sqlite3'}", store, level, images))


def row(label: str, times: list[float], reference: list[float] | None) -> str:
    median, worst = statistics.median(times), max(times)
    text = f"{label:<26} median {median * 1000:7.0f} ms   max {worst * 1000:7.0f} ms"
    if reference:
        text += f"   ratio to local {median / statistics.median(reference):5.2f}"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=8, help="timed uploads per row")
    parser.add_argument("--levels", default="off,medium", help="cloak levels, comma-separated")
    parser.add_argument("--size", type=int, default=2048, help="long side of each JPEG, px")
    args = parser.parse_args()
    placed = place(2)
    pg = os.environ.get("IMPASTO_BENCH_POSTGRES_URL") or os.environ.get("IMPASTO_TEST_POSTGRES_URL")
    images = [jpeg(args.size, args.size * 3 // 4, seed) for seed in range(args.uploads + 1)]
    print(f"bench/upload_ready.py: {args.uploads} uploads of a {args.size}x{args.size * 3 // 4} JPEG "
          f"({len(images[0]) // 1024} KB) per row, {'PostgreSQL' if pg else 'SQLite'}; {placed}; "
          "SeaweedFS on the client CPU", flush=True)
    with tempfile.TemporaryDirectory() as folder, seaweed_s3(Path(folder) / "weed") as store:
        os.sched_setaffinity(store.process.pid, PLACEMENT.client)
        for level in args.levels.split(","):
            local, remote = run(pg, store, level, images)
            print(row(f"cloak {level:<6} local (ref)", local, None), flush=True)
            print(row(f"cloak {level:<6} S3", remote, local), flush=True)


if __name__ == "__main__":
    main()
