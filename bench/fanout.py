"""The delivery fan-out measurement of bench/federation.py: one work published to N
followers spread over 4 loopback receiver processes (different ports = different hosts),
delivered by one in-process job worker pinned to the server CPU; its reference, raw
RSA-2048 signing with the sender's key, is measured on that CPU just before and after."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.rig import PASSWORD, PLACEMENT, ROOT, Rate, cpu_seconds, env_for
from bench.signing_reference import raw_sign_ms
from instance.storage import db


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
    from instance import heap
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
                    heap.settle()  # as `impasto worker` and `impasto run` do once started
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


async def signed_posts_cpu_ms(services, ready, inboxes: list[str], concurrency: int) -> float:
    """CPU ms per signed POST of the same body to the same inboxes, without the job queue:
    what signing and the HTTP client cost, apart from claiming, checking and finishing."""
    waiting = iter(inboxes)

    async def sender() -> None:  # as a batch sends: `concurrency` senders, no task per inbox
        for inbox in waiting:
            await services.http.post(inbox, ready.body, signer=ready.signer)

    before = cpu_seconds(os.getpid())
    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return 1000 * (cpu_seconds(os.getpid()) - before) / len(inboxes)
