"""Inbox under load: N signed activities from H loopback hosts, a share of them invalid,
sent as fast as the sender can; then a worker processes what was accepted.

    .venv/bin/python bench/inbox_load.py [--activities 10000] [--hosts 50] [--invalid 0.1]

The server (`impasto run`, worker off) and later the worker are pinned to the first CPU,
this load generator to the second, so the sender never takes the server's core. Invalid
activities come in three kinds, evenly: a bad signature (signed with another key), bad
JSON (a cut body, correctly signed) and an unknown actor (a key on a host nobody may
reach). Checked, not just timed: every valid activity answered 202 and processed exactly
once (one InboxItem, processed, and one stored work each), every invalid one answered
4xx, no answer >= 500. Printed: accepted/s and refused/s while sending, p50/p99 latency,
the server's peak RSS, and the in-run reference (raw RSA-2048 verify on one core) as a
ratio. SQLite always; PostgreSQL too when IMPASTO_TEST_POSTGRES_URL (or
IMPASTO_BENCH_POSTGRES_URL) is set (a throwaway database).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.rig import PASSWORD, env_for, free_port, with_postgres  # noqa: E402
from bench.signing_reference import crypto  # noqa: E402
from federation.keys import generate_rsa_keypair  # noqa: E402
from federation.signatures import sign_request  # noqa: E402
from instance.storage import db  # noqa: E402

INVALID_KINDS = ("bad-signature", "bad-json", "unknown-actor")


@dataclass
class Outcome:
    sent: int
    valid: int
    elapsed: float
    accepted: int
    refused: int
    server_errors: int
    wrong: list[str]
    latencies_ms: list[float]
    peak_rss_mb: float
    processed: int
    works: int


def cpus() -> tuple[set[int], set[int]]:
    """(the server's CPU, the load generator's): the first allowed CPU and the rest."""
    allowed = sorted(os.sched_getaffinity(0))
    return {allowed[0]}, set(allowed[1:] or allowed[:1])


def note(actor: str, local_actor: str, n: int) -> dict:
    note_id = f"{actor}/notes/{n}"
    public = "https://www.w3.org/ns/activitystreams#Public"
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{note_id}/activity",
            "type": "Create", "actor": actor, "to": [public], "cc": [local_actor],
            "object": {"id": note_id, "type": "Note", "attributedTo": actor, "to": [public],
                       "cc": [local_actor], "content": f"<p>Study {n}</p>",
                       "published": "2026-12-01T12:00:00Z"}}


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def run(url: str, activities: int, hosts: int, invalid: float, concurrency: int) -> Outcome:
    from instance.actors.accounts import create_local_user
    from instance.storage.models import Account, Follow, InboxItem, Work
    from instance.urls import LocalUrls

    server_cpu, load_cpu = cpus()
    port, dead = free_port(), free_port()
    senders = []
    await db.migrate(url)
    await db.connect(url)
    try:
        user = await create_local_user(LocalUrls(f"http://127.0.0.1:{port}"), "host", PASSWORD)
        local = await Account.get(id=user.account_id)
        for h in range(hosts):
            private_pem, public_pem = generate_rsa_keypair()
            origin = f"http://127.0.0.1:{20000 + h}"  # known peers: their keys are stored
            actor = f"{origin}/users/s{h}"
            account = await Account.create(
                ap_id=actor, username=f"s{h}", domain=origin.removeprefix("http://"),
                inbox_url=f"{actor}/inbox", public_key_id=f"{actor}#main-key",
                public_key_pem=public_pem)
            await Follow.create(follower=local, target=account, state="accepted")
            senders.append((actor, private_pem))
    finally:
        await db.disconnect()
    stranger_pem, _ = generate_rsa_keypair()

    inbox = f"http://127.0.0.1:{port}/inbox"
    local_actor = f"http://127.0.0.1:{port}/users/host"
    every = max(1, round(1 / invalid)) if invalid > 0 else 0
    requests: list[tuple[str, bytes, dict[str, str]]] = []
    for n in range(activities):
        actor, pem = senders[n % hosts]
        kind = INVALID_KINDS[(n // every) % 3] if every and n % every == every - 1 else "valid"
        body = json.dumps(note(actor, local_actor, n)).encode()
        key_id, key = f"{actor}#main-key", pem
        if kind == "bad-signature":
            key = stranger_pem
        elif kind == "bad-json":
            body = body[: len(body) // 2]
        elif kind == "unknown-actor":
            ghost = f"http://127.0.0.1:{dead}/users/ghost"
            body = json.dumps(note(ghost, local_actor, n)).encode()
            key_id, key = f"{ghost}#main-key", stranger_pem
        headers = sign_request("POST", inbox, {"Content-Type": "application/activity+json"},
                               body, key_id, key)
        requests.append((kind, body, headers))
    valid = sum(1 for kind, _, _ in requests if kind == "valid")

    with tempfile.TemporaryDirectory() as folder:
        env = env_for(url, Path(folder), port)
        server = subprocess.Popen(
            [sys.executable, "-m", "instance.cli", "run", "--bind", f"127.0.0.1:{port}"],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            preexec_fn=lambda: os.sched_setaffinity(0, server_cpu))
        os.sched_setaffinity(0, load_cpu)
        try:
            if not re.search(r"listening on", server.stdout.readline()):
                raise RuntimeError("the server did not start")
            statuses: list[tuple[str, int]] = []
            latencies: list[float] = []
            queue = list(reversed(requests))
            limits = httpx.Limits(max_connections=concurrency)
            async with httpx.AsyncClient(limits=limits, timeout=120) as client:
                await client.get(f"http://127.0.0.1:{port}/.well-known/nodeinfo")

                async def sender() -> None:
                    while queue:
                        kind, body, headers = queue.pop()
                        began = time.perf_counter()
                        response = await client.post(inbox, content=body, headers=headers)
                        latencies.append((time.perf_counter() - began) * 1000)
                        statuses.append((kind, response.status_code))

                started = time.perf_counter()
                await asyncio.gather(*(sender() for _ in range(concurrency)))
                elapsed = time.perf_counter() - started
            rss = peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait()
            os.sched_setaffinity(0, server_cpu | load_cpu)

        worker = subprocess.run(
            [sys.executable, "-m", "instance.cli", "worker", "--until-idle"], env=env, cwd=ROOT,
            capture_output=True, text=True, preexec_fn=lambda: os.sched_setaffinity(0, server_cpu))
        if worker.returncode != 0:
            raise RuntimeError(f"worker failed: {worker.stderr[-2000:]}")

    wrong = [f"{kind} answered {status}" for kind, status in statuses
             if (kind == "valid") != (status == 202) or (kind != "valid" and not 400 <= status < 500)]
    await db.connect(url)
    try:
        processed = await InboxItem.filter(state="processed").count()
        items = await InboxItem.all().count()
        works = await Work.filter(ap_id__startswith="http://127.0.0.1:2").count()
    finally:
        await db.disconnect()
    if items != processed:
        wrong.append(f"{items - processed} inbox items not processed")
    return Outcome(
        sent=len(statuses), valid=valid, elapsed=elapsed,
        accepted=sum(1 for _, s in statuses if s == 202),
        refused=sum(1 for _, s in statuses if 400 <= s < 500),
        server_errors=sum(1 for _, s in statuses if s >= 500), wrong=wrong,
        latencies_ms=latencies, peak_rss_mb=rss, processed=processed, works=works)


def report(label: str, o: Outcome, verify_ms: float) -> None:
    q = statistics.quantiles(o.latencies_ms, n=100)
    rate = o.sent / o.elapsed
    print(f"{label:<11} sent {o.sent} ({o.valid} valid) in {o.elapsed:.1f} s: {rate:.0f}/s "
          f"(raw RSA verify on one core {1000 / verify_ms:.0f}/s, ratio {rate * verify_ms / 1000:.3f})")
    print(f"{'':<11} accepted {o.accepted / o.elapsed:.0f}/s, refused {o.refused / o.elapsed:.0f}/s, "
          f">=500: {o.server_errors}; latency p50 {q[49]:.1f} ms p99 {q[98]:.1f} ms; "
          f"server peak RSS {o.peak_rss_mb:.0f} MB")
    exact = o.processed == o.valid and o.works == o.valid
    print(f"{'':<11} processed {o.processed}, works stored {o.works} of {o.valid} valid: "
          f"{'exactly once' if exact else 'MISMATCH'}")
    for line in o.wrong[:5]:
        print(f"{'':<11} WRONG: {line}")
    if o.wrong or not exact or o.server_errors:
        raise SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--invalid", type=float, default=0.1)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    server_cpu, load_cpu = cpus()
    print(f"bench/inbox_load.py: {args.activities} signed Creates from {args.hosts} hosts, "
          f"{args.invalid:.0%} invalid ({', '.join(INVALID_KINDS)}), concurrency "
          f"{args.concurrency}; server and worker on CPU {sorted(server_cpu)}, sender on "
          f"{sorted(load_cpu)}")
    os.sched_setaffinity(0, server_cpu)
    verify_ms = crypto(300).raw_verify
    os.sched_setaffinity(0, server_cpu | load_cpu)
    shape = (args.activities, args.hosts, args.invalid, args.concurrency)
    with tempfile.TemporaryDirectory() as folder:
        report("sqlite", asyncio.run(run(f"sqlite://{Path(folder) / 'load.sqlite3'}", *shape)),
               verify_ms)
    pg = os.environ.get("IMPASTO_BENCH_POSTGRES_URL") or os.environ.get("IMPASTO_TEST_POSTGRES_URL")
    if pg:
        report("postgresql", asyncio.run(with_postgres(pg, run, *shape)), verify_ms)
    else:
        print("postgresql  skipped: set IMPASTO_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB")


if __name__ == "__main__":
    main()
