"""Inbox ingest side by side with bovine-herd: the same signed Create{Note} activities,
the same load generator (bench/federation.py's post_all, pre-signed, kept-alive
connections), the server under test alone on one CPU and the load on the other.

    .venv/bin/python bench/bovine_ingest.py [--activities N] [--concurrency C] [--runs R]

bovine-herd runs from the interop virtualenv with tests/federation_e2e/bovine_server.py
(its own processors awaited inline, so its 202 comes once the activity is stored); the
sender's actor document is served from this process, bovine fetches its key once and
caches it, as Impasto keeps a known peer's key. Impasto is `impasto run` as in
bench/federation.py (durable 202: the item and its job are committed). The figure is
Impasto ÷ bovine in stored activities per second, on SQLite and (when configured)
PostgreSQL; issue 20's goal is ≥ 10×.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.api import postgres_url  # noqa: E402
from bench.federation import ingest, post_all, sign_all  # noqa: E402
from bench.rig import PLACEMENT, Rate, place, with_postgres  # noqa: E402
from federation.keys import generate_rsa_keypair  # noqa: E402

INTEROP_PYTHON = os.environ.get("IMPASTO_INTEROP_PYTHON") or str(ROOT / ".venv-interop/bin/python")


@contextmanager
def actor_server(public_pem: str) -> Iterator[str]:
    """The sender's actor document (with its key) on a loopback port; yields the actor id."""
    holder: dict[str, bytes] = {}

    class Actor(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(200)
            self.send_header("Content-Type", "application/activity+json")
            self.send_header("Content-Length", str(len(holder["body"])))
            self.end_headers()
            self.wfile.write(holder["body"])

        def log_message(self, *_args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Actor)
    actor = f"http://127.0.0.1:{server.server_port}/users/sender"
    holder["body"] = json.dumps({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": actor, "type": "Person", "preferredUsername": "sender",
        "inbox": f"{actor}/inbox", "outbox": f"{actor}/outbox",
        "publicKey": {"id": f"{actor}#main-key", "owner": actor, "publicKeyPem": public_pem},
    }).encode()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield actor
    finally:
        server.shutdown()


def bovine_stored(folder: Path) -> int:
    """Objects bovine stored (its own table of JSON objects)."""
    connection = sqlite3.connect(folder / "bovine.sqlite3")
    try:
        return connection.execute("SELECT count(*) FROM storedjsonobject").fetchone()[0]
    finally:
        connection.close()


def bovine(activities: int, concurrency: int) -> Rate:
    """Ingest into bovine-herd on the server CPU; all must be answered 202."""
    private_pem, public_pem = generate_rsa_keypair()
    with tempfile.TemporaryDirectory() as tmp, actor_server(public_pem) as actor:
        folder = Path(tmp)
        server = subprocess.Popen(
            [INTEROP_PYTHON, str(ROOT / "tests/federation_e2e/bovine_server.py"), "milou",
             str(ROOT / "federation/contexts/jsonld-contexts.json")],
            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
            preexec_fn=PLACEMENT.pin_child(PLACEMENT.server),
        )
        try:
            port, secret = (server.stdout.readline() if server.stdout else "").split()
            found = subprocess.run(
                [INTEROP_PYTHON, str(ROOT / "tests/federation_e2e/bovine_client.py"),
                 f"http://127.0.0.1:{port}", secret, "actor"],
                capture_output=True, text=True, timeout=120, check=True,
            )
            local = json.loads(found.stdout)
            before = bovine_stored(folder)
            requests = sign_all(local["inbox"], actor, local["id"], private_pem, activities + 1)
            # one first, alone: bovine fetches and caches the key (concurrent first fetches
            # race in its store and some are refused 401)
            asyncio.run(post_all(local["inbox"], requests[:1], 1, server.pid))
            rate = asyncio.run(post_all(local["inbox"], requests[1:], concurrency, server.pid))
            stored = bovine_stored(folder) - before
        finally:
            server.terminate()
            server.wait()
    if stored < activities:  # the Create and its Note each, at least
        raise RuntimeError(f"bovine stored {stored} objects for {activities} activities")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--cpus", type=int, default=2)
    args = parser.parse_args()
    if not Path(INTEROP_PYTHON).exists():
        print(f"bovine-herd: skipped ({INTEROP_PYTHON} missing; see tests/federation_e2e/interop.py)")
        return
    print(f"inbox ingest, {args.activities} signed Creates, concurrency {args.concurrency}; "
          f"{place(args.cpus)}")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print(f"{'server':<22}{'run':>4}{'stored/s':>10}{'CPU ms':>8}{'bovine/s':>10}{'ratio':>7}"
          f"{'CPU ratio':>10}")
    base = postgres_url()
    ratios: dict[str, list[float]] = {}
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory() as tmp:
            impasto = {"impasto sqlite": asyncio.run(
                ingest(f"sqlite://{Path(tmp) / 'bench.sqlite3'}", args.activities, args.concurrency))}
        if base:
            impasto["impasto postgresql"] = asyncio.run(
                with_postgres(base, ingest, args.activities, args.concurrency))
        reference = bovine(args.activities, args.concurrency)
        print(f"{'bovine-herd sqlite':<22}{run:>4}{reference.per_second:>10.0f}{reference.cpu_ms or 0:>8.2f}")
        for name, rate in impasto.items():
            ratio = rate.per_second / reference.per_second
            by_cpu = (reference.cpu_ms or 0) / (rate.cpu_ms or 1)
            ratios.setdefault(name, []).append(ratio)
            print(f"{name:<22}{run:>4}{rate.per_second:>10.0f}{rate.cpu_ms or 0:>8.2f}"
                  f"{reference.per_second:>10.0f}{ratio:>6.1f}×{by_cpu:>9.1f}×", flush=True)
    for name, values in ratios.items():
        print(f"{name} ÷ bovine: min {min(values):.1f}× median {statistics.median(values):.1f}× "
              f"max {max(values):.1f}× (goal ≥ 10×)")


if __name__ == "__main__":
    main()
