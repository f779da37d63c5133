"""Federation throughput: inbox ingest, delivery fan-out, and raw RSA sign/verify.

    .venv/bin/python bench/federation.py [--activities N] [--inboxes N] [--concurrency C]
                                         [--runs N]

- ingest: signed Create{Note} with an image attachment POSTed to a real `impasto run`
  (worker off) over loopback; each is size-checked, signature-verified (sender's key
  cached, as for any known peer), stored as an InboxItem with its job, answered 202.
  The client pre-signs every request before the clock starts.
- fan-out: one work published to N followers spread over 4 loopback receiver processes
  (different ports = different hosts); the figure is signed deliveries per second
  through the durable job runner (one in-process worker).
- crypto, in the same run: raw RSA-2048 sign and verify (cryptography), and the whole
  draft-cavage sign / verify path; each rate line then shows how much of one activity's
  time the RSA operation is, so the overhead above the crypto is visible.
Split across two CPUs by default: the server under test (`impasto run` for ingest, the
delivery worker for fan-out) runs alone on one CPU, the load generator and the receivers on
the other, so the figure is the server's and not its load generator's. `--cpus 1` puts
everything on one CPU (the old way). Each row is printed as figure, in-run reference and
ratio: ingest beside a verify-only Quart app (bench/verify_only_app.py) on the same CPU
with the same load (run again before each database), fan-out beside raw RSA-2048 signing
with the sender's key on that CPU, measured just before and after the fan-out (the CPU's
speed drifts within minutes on a shared machine); the fan-out row is followed by where a
delivery's CPU goes: the raw signature, then the same signed POSTs sent without the job
queue (signature headers and the HTTP client), then the whole delivery. Each row also
gives the server's CPU time per item (from /proc) and the same ratio by CPU, which other
people's processes on a shared machine disturb far less than the wall clock; "one free
core" is 1000 / CPU ms, what the server could do alone.
SQLite always; PostgreSQL too when IMPASTO_TEST_POSTGRES_URL (or IMPASTO_BENCH_POSTGRES_URL)
is set (a throwaway database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


from bench.rig import (  # noqa: E402
    PASSWORD,
    PLACEMENT,
    Rate,
    cpu_seconds,
    env_for,
    free_port,
    place,
    start_server,
    with_postgres,
)
from federation.keys import generate_rsa_keypair  # noqa: E402
from federation.signatures import PublicKeyInfo, sign_request, verify_request  # noqa: E402
from instance.storage import db  # noqa: E402


def create_activity(actor: str, local_actor: str, n: int) -> dict:
    note_id = f"{actor}/notes/{uuid.uuid4().hex}"
    return {
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": f"{note_id}/activity", "type": "Create", "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [local_actor],
        "object": {
            "id": note_id, "type": "Note", "attributedTo": actor, "content": f"<p>Work {n}</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [local_actor],
            "published": "2026-11-24T12:00:00Z",
            "attachment": [{"type": "Document", "mediaType": "image/jpeg",
                            "url": f"{actor}/media/{n}.jpg", "name": "A study in blue",
                            "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj", "width": 1200,
                            "height": 900, "focalPoint": [0.0, 0.0]}],
        },
    }


def sign_all(inbox: str, actor: str, local_actor: str, private_pem: str, activities: int,
             ) -> list[tuple[bytes, dict[str, str]]]:
    requests = []
    for n in range(activities):
        body = json.dumps(create_activity(actor, local_actor, n)).encode()
        headers = sign_request("POST", inbox, {"Content-Type": "application/activity+json"},
                               body, f"{actor}#main-key", private_pem)
        requests.append((body, headers))
    return requests


def raw_request(inbox: str, body: bytes, headers: dict[str, str]) -> bytes:
    """The whole HTTP/1.1 request as bytes, built before the clock starts."""
    parts = urlsplit(inbox)
    head = [f"POST {parts.path} HTTP/1.1"]
    head += [f"{name}: {value}" for name, value in headers.items()
             if name.lower() not in ("content-length", "connection")]
    if not any(name.lower() == "host" for name in headers):
        head.append(f"Host: {parts.netloc}")
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


async def _read_status(reader: asyncio.StreamReader) -> int:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    lines = head.split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value.strip())
        elif name.strip().lower() == "transfer-encoding":
            raise RuntimeError("the load generator reads Content-Length bodies only")
    if length:
        await reader.readexactly(length)
    return int(lines[0].split(" ", 2)[1])


async def post_all(inbox: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int,
                   server_pid: int) -> Rate:
    """POST every pre-signed request over `concurrency` kept-alive connections; all must be
    answered 202. A bare asyncio HTTP/1.1 client (pre-built bytes, a status line and a
    Content-Length to read): httpx cost the load generator more CPU per request than the
    server spent, so the bench measured its own client."""
    parts = urlsplit(inbox)
    wire = [raw_request(inbox, body, headers) for body, headers in requests]
    queue = list(reversed(wire))
    statuses: list[int] = []

    async def sender() -> None:
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while queue:
                writer.write(queue.pop())
                statuses.append(await _read_status(reader))
        finally:
            writer.close()

    warm = [raw_request(inbox, b"{}", {"Content-Type": "application/activity+json"})]
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
    writer.write(warm[0])
    await _read_status(reader)
    writer.close()
    cpu_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(server_pid) - cpu_before
    bad = [s for s in statuses if s != 202]
    if bad or len(statuses) != len(requests):
        raise RuntimeError(f"{len(bad)} requests refused, e.g. {bad[:1]}; {len(statuses)} answered")
    return Rate(len(requests) / elapsed, 1000 * cpu / len(requests))


def verify_only(activities: int, concurrency: int) -> Rate:
    """The reference: the same load against an app that only verifies signatures."""
    private_pem, public_pem = generate_rsa_keypair()
    with tempfile.TemporaryDirectory() as folder:
        key_file = Path(folder) / "key.pem"
        key_file.write_text(public_pem)
        server, port = start_server([sys.executable, str(ROOT / "bench/verify_only_app.py"),
                                     str(key_file)], None)
        try:
            inbox = f"http://127.0.0.1:{port}/inbox"
            requests = sign_all(inbox, "http://127.0.0.1:9/users/sender", inbox, private_pem,
                                activities)
            return asyncio.run(post_all(inbox, requests, concurrency, server.pid))
        finally:
            server.terminate()
            server.wait()




async def ingest(url: str, activities: int, concurrency: int) -> Rate:
    from instance.actors.accounts import create_local_user
    from instance.storage.models import Account, InboxItem
    from instance.urls import LocalUrls

    port = free_port()
    private_pem, public_pem = generate_rsa_keypair()
    actor = "http://127.0.0.1:9/users/sender"
    await db.migrate(url)
    await db.connect(url)
    try:
        await create_local_user(LocalUrls(f"http://127.0.0.1:{port}"), "host", PASSWORD)
        await Account.create(ap_id=actor, username="sender", domain="127.0.0.1:9",
                             inbox_url=f"{actor}/inbox", public_key_id=f"{actor}#main-key",
                             public_key_pem=public_pem)
    finally:
        await db.disconnect()
    with tempfile.TemporaryDirectory() as folder:
        server, _ = start_server(
            [sys.executable, "-m", "instance.cli", "run", "--bind", f"127.0.0.1:{port}"],
            env_for(url, Path(folder), port))
        try:
            inbox = f"http://127.0.0.1:{port}/inbox"
            requests = sign_all(inbox, actor, f"http://127.0.0.1:{port}/users/host", private_pem,
                                activities)
            rate = await post_all(inbox, requests, concurrency, server.pid)
        finally:
            server.terminate()
            server.wait()
    await db.connect(url)
    try:
        stored = await InboxItem.all().count()
    finally:
        await db.disconnect()
    if stored != activities:
        raise RuntimeError(f"stored {stored} of {activities}")
    return rate


async def artist_with_followers(services, ports: list[int], inboxes: int):
    """A local artist followed by `inboxes` remote accounts spread over the receivers'
    ports (each port a host, each follower its own inbox)."""
    from instance.actors.accounts import create_local_user
    from instance.storage.models import Account, Follow

    user = await create_local_user(services.urls, "artist", PASSWORD)
    artist = await Account.get(id=user.account_id)
    for n in range(inboxes):
        port = ports[n % len(ports)]
        fan = await Account.create(
            ap_id=f"http://127.0.0.1:{port}/users/f{n}", username=f"f{n}",
            domain=f"127.0.0.1:{port}", inbox_url=f"http://127.0.0.1:{port}/inbox/{n}")
        await Follow.create(follower=fan, target=artist, state="accepted")
    return artist


async def fanout(url: str, inboxes: int, concurrency: int) -> Rate:
    from instance.actions import works
    from instance.config import load_config
    from instance.job_handlers import load_handlers
    from instance.jobs import Worker
    from instance.services import build_services, close_services
    from instance.storage.models import Job
    from outbox.prepared import prepared

    receivers = [
        subprocess.Popen([sys.executable, str(ROOT / "tests/federation_e2e/receiver.py")],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                         preexec_fn=PLACEMENT.pin_child(PLACEMENT.client))
        for _ in range(4)
    ]
    drains: list[subprocess.Popen] = []
    try:
        ports = [int(r.stdout.readline()) for r in receivers]
        # Their output (a line per request) is read by processes on the load generator's
        # CPU: a reading thread here would count in the server's CPU.
        drains += [subprocess.Popen(["cat"], stdin=r.stdout, stdout=subprocess.DEVNULL,
                                    preexec_fn=PLACEMENT.pin_child(PLACEMENT.client))
                   for r in receivers]
        await db.migrate(url)
        with tempfile.TemporaryDirectory() as folder:
            env = env_for(url, Path(folder), 1, reach=ports)
            config = load_config(environ={k: v for k, v in env.items() if k.startswith("IMPASTO_")})
            await db.connect(url)
            services = build_services(config)
            try:
                artist = await artist_with_followers(services, ports, inboxes)
                await works.create_work(services, artist, title="Tide", content_source="hello")
                worker = Worker(services.jobs, load_handlers(), services, concurrency=concurrency)
                batches = await Job.filter(kind="outbox.deliver_batch").values_list("payload", flat=True)
                ready = await prepared(batches[0]["activity"])
                targets = [inbox for payload in batches for inbox in payload["inboxes"]]
                os.sched_setaffinity(0, PLACEMENT.server)  # the worker is the server here
                try:
                    # The reference beside the row, before and after it: this CPU's speed
                    # drifts by a fifth within minutes on a shared machine.
                    sign_before = raw_sign_ms(ready.signer.private_key_pem)
                    post_ms = await signed_posts_cpu_ms(services, ready, targets, concurrency)
                    cpu_before = cpu_seconds(os.getpid())
                    started = time.perf_counter()
                    ran = await worker.run_until_idle()
                    elapsed = time.perf_counter() - started
                    cpu = cpu_seconds(os.getpid()) - cpu_before
                    sign_ms = (sign_before + raw_sign_ms(ready.signer.private_key_pem)) / 2
                finally:
                    os.sched_setaffinity(0, PLACEMENT.client)
                unfinished = await Job.filter(kind__startswith="outbox.deliver").exclude(
                    state="done").count()
                if unfinished or ran != len(batches):
                    raise RuntimeError(f"{unfinished} delivery jobs not done")
            finally:
                await close_services(services)
                await db.disconnect()
        cpu_ms = 1000 * cpu / inboxes
        layers = (f"CPU of one delivery, cumulative: raw RSA sign {sign_ms:.3f} ms; the signed "
                  f"POST alone (+ draft-cavage headers, HTTP client) {post_ms:.3f} ms; the whole "
                  f"delivery (+ job queue: claim, checks, finish) {cpu_ms:.3f} ms")
        return Rate(inboxes / elapsed, cpu_ms, sign_ms, layers)
    finally:
        for r in receivers:
            r.kill()
            r.wait()
        for d in drains:
            d.wait()


SIGNING_STRING = b"(request-target): post /inbox\nhost: example.com\ndate: x\ndigest: y"


def raw_sign_ms(private_pem: str, rounds: int = 300) -> float:
    """Raw RSA-2048 PKCS#1 v1.5 SHA-256 signing with the sender's key: CPU ms each."""
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    message = SIGNING_STRING
    before = time.thread_time()
    for _ in range(rounds):
        key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return 1000 * (time.thread_time() - before) / rounds


async def signed_posts_cpu_ms(services, ready, inboxes: list[str], concurrency: int) -> float:
    """CPU ms per signed POST of the same body to the same inboxes, without the job queue:
    what signing and the HTTP client cost, apart from claiming, checking and finishing."""
    gate = asyncio.Semaphore(concurrency)

    async def one(inbox: str) -> None:
        async with gate:
            await services.http.post(inbox, ready.body, signer=ready.signer)

    before = cpu_seconds(os.getpid())
    await asyncio.gather(*(one(inbox) for inbox in inboxes))
    return 1000 * (cpu_seconds(os.getpid()) - before) / len(inboxes)


@dataclass
class Crypto:
    """Per-operation times in ms: raw RSA-2048 PKCS#1 v1.5 SHA-256, and the whole
    draft-cavage path (digest, signing string, headers; parse and verify)."""

    raw_sign: float
    raw_verify: float
    cavage_sign: float
    cavage_verify: float


def timed_ms(fn, rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        fn()
    return (time.perf_counter() - started) * 1000 / rounds


def crypto(rounds: int = 500) -> Crypto:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding

    private_pem, public_pem = generate_rsa_keypair()
    private_key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    public_key = serialization.load_pem_public_key(public_pem.encode())
    message = SIGNING_STRING
    signature = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    raw_sign = raw_sign_ms(private_pem, rounds)
    raw_verify = timed_ms(
        lambda: public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256()), rounds)

    url, body = "https://example.com/inbox", b'{"type":"Create"}' * 120  # about 2 KB
    key_id = "https://sender.example/users/a#main-key"
    headers: dict[str, str] = {}

    def sign_once() -> None:
        headers.update(sign_request("POST", url, {"Content-Type": "application/activity+json"}, body,
                                    key_id, private_pem))

    cavage_sign = timed_ms(sign_once, rounds)
    info = PublicKeyInfo("https://sender.example/users/a", public_pem)

    async def resolver(_key_id: str, _refresh: bool) -> PublicKeyInfo:
        return info

    async def verify_all() -> float:
        started = time.perf_counter()
        for _ in range(rounds):
            await verify_request("POST", url, headers, body, resolver)
        return (time.perf_counter() - started) * 1000 / rounds

    return Crypto(raw_sign, raw_verify, cavage_sign, asyncio.run(verify_all()))


GOALS = {("sqlite", "ingest"): 2000, ("postgresql", "ingest"): 1200,
         ("sqlite", "fan-out"): 1900, ("postgresql", "fan-out"): 1900}


def row(measure: str, rate: Rate, reference: str, ref_rate: float, ref_cpu_ms: float,
        goal: int) -> str:
    """figure, reference, ratio — by the wall clock, and by the server's CPU per item (the
    steadier one on a shared machine: another process taking the core slows the wall
    clock of both, not the CPU each item costs)."""
    cpu_ms = rate.cpu_ms or float("nan")
    return (f"{measure:<34} {rate.per_second:>6.0f}/s  {reference:<18} {ref_rate:>6.0f}/s  "
            f"ratio {rate.per_second / ref_rate:5.2f}   |  CPU {cpu_ms:5.2f} ms each, "
            f"reference {ref_cpu_ms:5.3f} ms, ratio {ref_cpu_ms / cpu_ms:5.2f}, "
            f"one free core ~{1000 / cpu_ms:5.0f}/s   (goal >= {goal}/s)")


@dataclass
class Measured:
    """One row of one run: the figure and its reference, by the wall clock and by CPU."""

    per_second: float
    ref_per_second: float
    cpu_ms: float
    ref_cpu_ms: float
    goal: int


def one_run(args: argparse.Namespace, c: Crypto, pg: str | None,
            results: dict[str, list[Measured]]) -> None:
    """Every row once, printed as it is measured and added to `results`."""
    for label in ("sqlite", "postgresql"):
        if args.only and label != args.only:
            continue
        if label == "postgresql" and not pg:
            print("postgresql  skipped: set IMPASTO_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB")
            continue
        reference = verify_only(args.activities, args.concurrency)  # again: the load drifts
        print(f"reference   verify-only Quart app {reference.per_second:.0f}/s "
              f"({reference.cpu_ms:.2f} ms CPU each)")
        for name, fn, amount in (("ingest", ingest, args.activities),
                                 ("fan-out", fanout, args.inboxes)):
            if args.measure and name != args.measure:
                continue
            if label == "sqlite":
                with tempfile.TemporaryDirectory() as folder:
                    url = f"sqlite://{Path(folder) / 'bench.sqlite3'}"
                    rate = asyncio.run(fn(url, amount, args.concurrency))
            else:
                assert pg is not None  # skipped above when unset
                rate = asyncio.run(with_postgres(pg, fn, amount, args.concurrency))
            goal = GOALS[(label, name)]
            if name == "ingest":
                title, ref_name = f"{label} ingest (signed Create+image)", "verify-only app"
                ref_rate, ref_cpu = reference.per_second, reference.cpu_ms or float("nan")
            else:
                title, ref_name = f"{label} fan-out ({amount} inboxes)", "raw RSA sign"
                ref_cpu = rate.reference_ms or c.raw_sign
                ref_rate = 1000 / ref_cpu
            print(row(title, rate, ref_name, ref_rate, ref_cpu, goal))
            if rate.layers:
                print(f"            {rate.layers}")
            results.setdefault(f"{label} {name}", []).append(Measured(
                rate.per_second, ref_rate, rate.cpu_ms or float("nan"), ref_cpu, goal))


def summary(name: str, measured: list[Measured]) -> str:
    """min / median / max over the runs, and in how many the goal was met."""
    def spread(values: list[float], fmt: str) -> str:
        ordered = sorted(values)
        picks = (ordered[0], statistics.median(ordered), ordered[-1])
        return " / ".join(format(v, fmt) for v in picks)

    met = sum(m.per_second >= m.goal for m in measured)
    return (f"{name:<19} min/median/max of {len(measured)}: "
            f"{spread([m.per_second for m in measured], ',.0f')} /s, "
            f"ratio {spread([m.per_second / m.ref_per_second for m in measured], '.2f')}, "
            f"CPU {spread([m.cpu_ms for m in measured], '.2f')} ms each, "
            f"CPU ratio {spread([m.ref_cpu_ms / m.cpu_ms for m in measured], '.2f')}; "
            f"goal >= {measured[0].goal}/s met in {met} of {len(measured)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--inboxes", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--cpus", type=int, default=2,
                        help="2: server on one CPU, load on another (default); 1: all on one")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), default=None)
    parser.add_argument("--measure", choices=("ingest", "fan-out"), default=None,
                        help="one of the two rows only (default both)")
    parser.add_argument("--runs", type=int, default=1,
                        help="measure every row this many times; then min / median / max")
    args = parser.parse_args()
    placed = place(args.cpus)
    print(f"bench/federation.py: {args.activities} signed Creates in, {args.inboxes} inboxes out, "
          f"concurrency {args.concurrency}; {placed} (PostgreSQL's own server not pinned)")
    os.sched_setaffinity(0, PLACEMENT.server)
    c = crypto()
    os.sched_setaffinity(0, PLACEMENT.client)
    print(f"crypto      raw RSA-2048 sign {1000 / c.raw_sign:>7.0f}/s ({c.raw_sign:.3f} ms)   "
          f"verify {1000 / c.raw_verify:>7.0f}/s ({c.raw_verify:.3f} ms)   (on the server CPU)")
    print(f"crypto      draft-cavage sign {1000 / c.cavage_sign:>7.0f}/s ({c.cavage_sign:.3f} ms)   "
          f"verify {1000 / c.cavage_verify:>7.0f}/s ({c.cavage_verify:.3f} ms)   (2 KB body)")
    pg = os.environ.get("IMPASTO_BENCH_POSTGRES_URL") or os.environ.get("IMPASTO_TEST_POSTGRES_URL")
    results: dict[str, list[Measured]] = {}
    for run in range(1, args.runs + 1):
        if args.runs > 1:
            print(f"run {run} of {args.runs}")
        one_run(args, c, pg, results)
    if args.runs > 1:
        for name, measured in results.items():
            print(summary(name, measured))
    print("elsewhere: bench/bovine_ingest.py (bovine-herd side by side), bench/api.py (home timeline p95)")


if __name__ == "__main__":
    main()
