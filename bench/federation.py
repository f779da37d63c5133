"""Federation throughput: inbox ingest, delivery fan-out, and raw RSA sign/verify.

    .venv/bin/python bench/federation.py [--activities N] [--inboxes N] [--concurrency C]

- ingest: signed Create{Note} with an image attachment POSTed to a real `impasto run`
  (worker off) over loopback; each is size-checked, signature-verified (sender's key
  cached, as for any known peer), stored as an InboxItem with its job, answered 202.
  The client pre-signs every request before the clock starts.
- fan-out: one work published to N followers spread over 4 loopback receiver processes
  (different ports = different hosts); the figure is signed deliveries per second
  through the durable job runner (one in-process worker).
- crypto: draft-cavage sign and verify of one POST, per operation.
SQLite always; PostgreSQL too when IMPASTO_TEST_POSTGRES_URL (or IMPASTO_BENCH_POSTGRES_URL)
is set (a throwaway database is created and dropped).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from federation.keys import generate_rsa_keypair  # noqa: E402
from federation.signatures import PublicKeyInfo, sign_request, verify_request  # noqa: E402
from instance.storage import db  # noqa: E402

PASSWORD = "correct horse battery"


def env_for(url: str, folder: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPASTO_")}
    env.update(
        PYTHONPATH=str(ROOT), IMPASTO_DATABASE_URL=url, IMPASTO_MEDIA_PATH=str(folder / "media"),
        IMPASTO_SERVER_SECRET_KEY_FILE=str(folder / "secret"), IMPASTO_SERVER_RUN_WORKER="false",
        IMPASTO_INSTANCE_DOMAIN=f"127.0.0.1:{port}",
        IMPASTO_FEDERATION_ALLOW_PRIVATE_ADDRESSES="true", IMPASTO_JOBS_CONCURRENCY="16",
    )
    return env


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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


async def ingest(url: str, activities: int, concurrency: int) -> float:
    from instance.accounts import create_local_user
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
        server = subprocess.Popen(
            [sys.executable, "-m", "instance.cli", "run", "--bind", f"127.0.0.1:{port}"],
            env=env_for(url, Path(folder), port), cwd=ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, text=True,
        )
        try:
            line = server.stdout.readline()
            if not re.search(r"listening on", line):
                raise RuntimeError(f"server did not start: {line!r}")
            inbox = f"http://127.0.0.1:{port}/inbox"
            local_actor = f"http://127.0.0.1:{port}/users/host"
            requests = []
            for n in range(activities):
                body = json.dumps(create_activity(actor, local_actor, n)).encode()
                headers = sign_request("POST", inbox, {"Content-Type": "application/activity+json"},
                                       body, f"{actor}#main-key", private_pem)
                requests.append((body, headers))
            limits = httpx.Limits(max_connections=concurrency)
            async with httpx.AsyncClient(limits=limits, timeout=60) as client:
                await client.post(inbox, content=b"{}", headers={"Content-Type": "application/activity+json"})
                queue = list(reversed(requests))
                statuses: list[int] = []

                async def sender() -> None:
                    while queue:
                        body, headers = queue.pop()
                        response = await client.post(inbox, content=body, headers=headers)
                        statuses.append(response.status_code)

                started = time.perf_counter()
                await asyncio.gather(*(sender() for _ in range(concurrency)))
                elapsed = time.perf_counter() - started
            bad = [s for s in statuses if s != 202]
            if bad:
                raise RuntimeError(f"{len(bad)} requests refused, e.g. {bad[0]}")
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
    return activities / elapsed


async def fanout(url: str, inboxes: int, concurrency: int) -> float:
    from instance.accounts import create_local_user
    from instance.actions import works
    from instance.config import load_config
    from instance.jobs import Worker
    from instance.jobs.registry import load_handlers
    from instance.services import build_services, close_services
    from instance.storage.models import Account, Follow, Job

    receivers = [
        subprocess.Popen([sys.executable, str(ROOT / "tests/federation_e2e/receiver.py")],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for _ in range(4)
    ]
    try:
        ports = [int(r.stdout.readline()) for r in receivers]
        for r in receivers:  # keep their output from filling the pipe
            threading.Thread(target=r.stdout.read, daemon=True).start()
        await db.migrate(url)
        with tempfile.TemporaryDirectory() as folder:
            env = env_for(url, Path(folder), 1)
            config = load_config(environ={k: v for k, v in env.items() if k.startswith("IMPASTO_")})
            await db.connect(url)
            services = build_services(config)
            try:
                user = await create_local_user(services.urls, "artist", PASSWORD)
                artist = await Account.get(id=user.account_id)
                for n in range(inboxes):
                    port = ports[n % len(ports)]
                    fan = await Account.create(
                        ap_id=f"http://127.0.0.1:{port}/users/f{n}", username=f"f{n}",
                        domain=f"127.0.0.1:{port}", inbox_url=f"http://127.0.0.1:{port}/inbox/{n}")
                    await Follow.create(follower=fan, target=artist, state="accepted")
                await works.create_work(services, artist, title="Tide", content_source="hello")
                worker = Worker(services.jobs, load_handlers(), services, concurrency=concurrency)
                started = time.perf_counter()
                ran = await worker.run_until_idle()
                elapsed = time.perf_counter() - started
                done = await Job.filter(kind="outbox.deliver", state="done").count()
                if done != inboxes or ran != inboxes:
                    raise RuntimeError(f"delivered {done} of {inboxes}")
            finally:
                await close_services(services)
                await db.disconnect()
        return inboxes / elapsed
    finally:
        for r in receivers:
            r.kill()
            r.wait()


def crypto(rounds: int = 500) -> tuple[float, float]:
    private_pem, public_pem = generate_rsa_keypair()
    url, body = "https://example.com/inbox", b'{"type":"Create"}' * 50
    key_id = "https://sender.example/users/a#main-key"
    started = time.perf_counter()
    for _ in range(rounds):
        headers = sign_request("POST", url, {"Content-Type": "application/activity+json"}, body,
                               key_id, private_pem)
    sign_ms = (time.perf_counter() - started) * 1000 / rounds
    info = PublicKeyInfo("https://sender.example/users/a", public_pem)

    async def resolver(_key_id: str, _refresh: bool) -> PublicKeyInfo:
        return info

    async def verify_all() -> float:
        started = time.perf_counter()
        for _ in range(rounds):
            await verify_request("POST", url, headers, body, resolver)
        return (time.perf_counter() - started) * 1000 / rounds

    return sign_ms, asyncio.run(verify_all())


async def with_postgres(base: str, fn, *args) -> float:
    import asyncpg

    name = f"impasto_bench_{uuid.uuid4().hex[:10]}"
    admin = "postgresql://" + base.split("://", 1)[1]
    conn = await asyncpg.connect(admin)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
    try:
        return await fn(urlunsplit(urlsplit(base)._replace(path="/" + name)), *args)
    finally:
        conn = await asyncpg.connect(admin)
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--inboxes", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    print(f"bench/federation.py: {args.activities} signed Creates in, {args.inboxes} inboxes out, "
          f"concurrency {args.concurrency}, {os.cpu_count()} CPUs")
    sign_ms, verify_ms = crypto()
    print(f"crypto      draft-cavage RSA-2048 sign {sign_ms:.3f} ms/op   verify {verify_ms:.3f} ms/op")
    pg = os.environ.get("IMPASTO_BENCH_POSTGRES_URL") or os.environ.get("IMPASTO_TEST_POSTGRES_URL")
    for label in ("sqlite", "postgresql"):
        if label == "postgresql" and not pg:
            print("postgresql  skipped: set IMPASTO_TEST_POSTGRES_URL=postgres://USER@HOST:PORT/DB")
            continue
        for name, fn, amount in (("ingest", ingest, args.activities),
                                 ("fan-out", fanout, args.inboxes)):
            if label == "sqlite":
                with tempfile.TemporaryDirectory() as folder:
                    url = f"sqlite://{Path(folder) / 'bench.sqlite3'}"
                    rate = asyncio.run(fn(url, amount, args.concurrency))
            else:
                rate = asyncio.run(with_postgres(pg, fn, amount, args.concurrency))
            unit = "activities verified+stored/s" if name == "ingest" else "deliveries/s"
            print(f"{label:<11} {name:<8} {rate:>8.0f} {unit}")


if __name__ == "__main__":
    main()
