"""The job board page's latency with 10,000 listings stored, unfiltered and under its
filters, beside GET /health on the same server as the reference (the ratio is what to
compare between machines), on SQLite and, when IMPASTO_TEST_POSTGRES_URL (or
IMPASTO_BENCH_POSTGRES_URL) is set, on PostgreSQL.

    .venv/bin/python bench/jobboard.py [--listings 10000] [--requests 200]

A real `impasto run` process (no embedded worker) is pinned to one CPU and this load
generator to another, so the two do not take turns on one core; one keep-alive client
sends the requests one after another and measures request sent → body read. The
PostgreSQL server is a separate service and is not pinned.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx  # noqa: E402

from bench.api import databases  # noqa: E402
from instance.storage import db  # noqa: E402
from tests.rig.processes import impasto_env, running_server  # noqa: E402

POSTERS = 50
KINDS = ("full-time", "part-time", "contract", "freelance", "commission", "internship")
PLACES = ("remote", "remote", "hybrid", "on-site")
CITIES = ("Lyon", "Ghent", "Berlin", "Osaka", "Toronto", "Lisbon")
SKILLS = ("illustration", "concept art", "storyboarding", "lettering", "animation",
          "character design", "background painting", "comics")
MEDIUMS = ("watercolour", "digital", "oil", "gouache", "ink", "acrylic")
PATHS = {
    "GET /health (reference)": "/health",
    "board, no filter": "/jobs",
    "kind + no-AI promise": "/jobs?kind=commission&no_ai_work=1",
    "medium + min pay": "/jobs?tag=watercolour&min_pay=1000",
    "text search": "/jobs?q=storyboard",
    "on-site + city": "/jobs?where=on-site&location=lyon",
    "page 40": "/jobs?page=40",
}


async def seed(url: str, count: int) -> None:
    from instance.jobboard.fields import tags_index
    from instance.storage.models import Account, JobListing

    await db.migrate(url)
    await db.connect(url)
    try:
        base = "http://127.0.0.1:1"
        await Account.bulk_create([Account(ap_id=f"{base}/users/p{n}", username=f"p{n}",
                                           display_name=f"Studio {n}") for n in range(POSTERS)])
        posters = await Account.all().order_by("id").values_list("id", flat=True)
        start = datetime.now(UTC) - timedelta(days=90)
        batch: list[JobListing] = []
        for n in range(count):
            skills = [SKILLS[n % len(SKILLS)], SKILLS[(n * 3 + 1) % len(SKILLS)]]
            mediums = [MEDIUMS[n % len(MEDIUMS)]]
            place = PLACES[n % len(PLACES)]
            on_request = n % 9 == 0
            batch.append(JobListing(
                ap_id=f"{base}/users/p{n % POSTERS}/listings/{n}", url=f"{base}/jobs/{n}",
                poster_id=posters[n % POSTERS], title=f"{skills[0].title()} for project {n}",
                organisation_name=f"Studio {n % POSTERS}",
                description=f"<p>We need {skills[0]} in {mediums[0]} for project {n}.</p>",
                description_source=f"We need {skills[0]} in {mediums[0]} for project {n}.",
                kind=KINDS[n % len(KINDS)], location_mode=place,
                city="" if place == "remote" else CITIES[(n // 4) % len(CITIES)],
                pay_on_request=on_request,
                pay_min=None if on_request else 200 + (n * 37) % 3000,
                pay_max=None if on_request else 400 + (n * 37) % 3000,
                pay_currency="" if on_request else "EUR",
                pay_period="" if on_request else "project",
                skills=skills, mediums=mediums, tags_index=tags_index(skills, mediums),
                deadline=datetime.now(UTC) + timedelta(days=10 + n % 60),
                no_ai_work=n % 2 == 0, no_ai_training=n % 3 == 0,
                state="open" if n % 10 else "closed",
                published_at=start + timedelta(minutes=n * 12)))
            if len(batch) == 2000:
                await JobListing.bulk_create(batch)
                batch = []
        if batch:
            await JobListing.bulk_create(batch)
        if db.is_postgres(url):
            await db.Tortoise.get_connection("default").execute_script("ANALYZE")
    finally:
        await db.disconnect()


def measure(url: str, folder: Path, requests: int, cpus: list[int]) -> dict[str, dict]:
    env = impasto_env(url, folder, SERVER_RUN_WORKER="false", SERVER_LOG_LEVEL="warning")
    env.pop("IMPASTO_JOBS_PLUGINS", None)
    mine = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpus[0]})  # the server inherits this CPU…
    try:
        server_cm = running_server(env)
        server = server_cm.__enter__()
    finally:
        os.sched_setaffinity(0, {cpus[-1]})  # …and the load generator takes the other
    results: dict[str, dict] = {}
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for name, path in PATHS.items():
                first = client.get(path)
                assert first.status_code == 200, (path, first.text[:300])
                shown = first.text.count('class="listing-card"')
                for _ in range(20):  # warm-up: caches, prepared statements
                    client.get(path)
                times = []
                for _ in range(requests):
                    started = time.perf_counter()
                    response = client.get(path)
                    response.read()
                    times.append((time.perf_counter() - started) * 1000)
                times.sort()
                results[name] = {"p50": statistics.median(times),
                                 "p95": times[int(len(times) * 0.95) - 1], "shown": shown}
    finally:
        server_cm.__exit__(None, None, None)
        os.sched_setaffinity(0, mine)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    print(f"job board page, {args.listings:,} listings stored (90% open), "
          f"{args.requests} requests per row")
    print(f"server on CPU {cpus[0]}, load generator on CPU {cpus[-1]}; load average before: "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (other work skews p95)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, url in databases(folder):
            started = time.perf_counter()
            asyncio.run(seed(url, args.listings))
            print(f"\n{name}: seeded in {time.perf_counter() - started:.1f} s")
            results = measure(url, folder / name, args.requests, cpus)
            reference = results["GET /health (reference)"]["p95"]
            print(f"{'request':<26}{'shown':>6}{'p50 ms':>9}{'p95 ms':>9}{'p95 / health':>14}")
            for row, r in results.items():
                print(f"{row:<26}{r['shown']:>6}{r['p50']:>9.2f}{r['p95']:>9.2f}"
                      f"{r['p95'] / reference:>14.1f}")

if __name__ == "__main__":
    main()
