"""Two (or more) real Impasto instances for federation tests: each an `impasto run`
process on its own loopback port with its own database, its embedded worker off. The
test drives each instance's jobs in order with an in-process worker against that
instance's database (deterministic, no sleeping), while every request between the
instances is real HTTP with real signatures."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from instance.config import Config, load_config
from tests.rig.databases import migrated_sqlite_url
from tests.rig.jobs import run_jobs_until_idle
from tests.rig.processes import CLOAK_UNLESS_ASKED, IMPASTO, REPO_ROOT, free_port


@dataclass
class Peer:
    name: str
    port: int
    database_url: str
    env: dict[str, str]
    config: Config
    process: subprocess.Popen | None = None
    log: list[str] = field(default_factory=list)

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.domain}"

    @asynccontextmanager
    async def open(self) -> AsyncIterator[Any]:
        """This instance's database and services, in this process (one at a time)."""
        from instance.actors.instance_actor import forget_cache
        from instance.services import build_services, close_services
        from instance.storage import db
        from tests.rig.services import allow_loopback_servers

        await db.connect(self.database_url)
        forget_cache()
        # It may reach the peers (its config) and the loopback servers this test opened.
        services = allow_loopback_servers(build_services(self.config))
        try:
            yield services
        finally:
            await close_services(services)
            await db.disconnect()

    async def run_jobs(self) -> int:
        """Run this instance's runnable jobs until none is left (deliveries, inbox)."""
        async with self.open() as services:
            return await run_jobs_until_idle(services, concurrency=8)


def loopback(*ports: int) -> str:
    """The allow_private_addresses value for these loopback ports."""
    return ",".join(f"127.0.0.1:{port}" for port in dict.fromkeys(ports))


_third_party: list[int] = []


def third_party_port(index: int) -> int:
    """A loopback port reserved in this test process for the n-th server started after
    the shared peers (0 bovine, 1 fediverse-pasture, 2 a late Impasto peer, 3 a plain
    loopback site the peers look things up on), chosen
    before any Impasto peer starts so every peer can be allowed to reach exactly it."""
    while len(_third_party) <= index:
        _third_party.append(free_port())
    return _third_party[index]


THIRD_PARTY_SERVERS = 4  # bovine, pasture, a late Impasto peer, a loopback site
LATE_PEER = 2
LOOPBACK_SITE = 3


def peer_env(name: str, port: int, database_url: str, tmp: Path, **extra: str) -> dict[str, str]:
    """The environment of one `impasto run`; it may reach exactly its own port until
    `serving` adds its group (FEDERATION_ALLOW_PRIVATE_ADDRESSES in `extra` overrides)."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPASTO_")}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        IMPASTO_DATABASE_URL=database_url,
        IMPASTO_MEDIA_PATH=str(tmp / f"{name}-media"),
        IMPASTO_SERVER_SECRET_KEY_FILE=str(tmp / f"{name}-secret"),
        IMPASTO_SERVER_RUN_WORKER="false",
        IMPASTO_INSTANCE_DOMAIN=f"127.0.0.1:{port}",
        IMPASTO_INSTANCE_SCHEME="http",
        IMPASTO_INSTANCE_NAME=f"Impasto {name}",
        IMPASTO_FEDERATION_ALLOW_PRIVATE_ADDRESSES=loopback(port),
        IMPASTO_FEDERATION_REQUEST_TIMEOUT="10",
        IMPASTO_CLOAK_DEFAULT_LEVEL=CLOAK_UNLESS_ASKED,
    )
    env.update({f"IMPASTO_{k.upper()}": v for k, v in extra.items()})
    return env


def make_peer(name: str, tmp: Path, database_url: str | None = None, port: int | None = None,
              **extra: str) -> Peer:
    """A peer on `port` (a free one by default; `third_party_port(LATE_PEER)` for a peer
    served after the shared pair, which may then reach it)."""
    port = port or free_port()
    path = tmp / f"{name}.sqlite3"
    url = database_url or (f"sqlite://{path}" if path.exists() else migrated_sqlite_url(path))
    env = peer_env(name, port, url, tmp, **extra)
    config = load_config(environ={k: v for k, v in env.items() if k.startswith("IMPASTO_")})
    return Peer(name, port, url, env, config)


def _drain(peer: Peer) -> None:
    """Keep reading the server's output (a full pipe would stall it); kept for failures."""
    assert peer.process is not None and peer.process.stdout is not None
    for line in peer.process.stdout:
        peer.log.append(line.rstrip())


def allow_group(peers: tuple[Peer, ...], reach: tuple[Peer, ...] = ()) -> None:
    """Each peer may reach exactly the others' ports, its own, those of `reach` (peers
    already running) and the reserved third-party ports (plus whatever its environment
    already allowed)."""
    ports = [p.port for p in (*peers, *reach)] + [
        third_party_port(i) for i in range(THIRD_PARTY_SERVERS)]
    for peer in peers:
        key = "IMPASTO_FEDERATION_ALLOW_PRIVATE_ADDRESSES"
        own = [e for e in peer.env.get(key, "").split(",") if e]
        peer.env[key] = ",".join(dict.fromkeys([*own, *loopback(*ports).split(",")]))
        peer.config = load_config(environ={k: v for k, v in peer.env.items() if k.startswith("IMPASTO_")})


@contextmanager
def serving(*peers: Peer, reach: tuple[Peer, ...] = ()) -> Iterator[tuple[Peer, ...]]:
    """Start `impasto run` for each peer (it migrates first) and stop them after; the
    peers may reach each other and `reach` (`allow_group`)."""
    allow_group(peers, reach)
    try:
        for peer in peers:
            peer.process = subprocess.Popen(
                [*IMPASTO, "run", "--bind", f"127.0.0.1:{peer.port}"], env=peer.env,
                cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            )
            line = peer.process.stdout.readline()
            if not re.search(r"listening on 127\.0\.0\.1:\d+", line):
                peer.process.wait(timeout=30)
                rest = peer.process.stdout.read()
                raise RuntimeError(f"{peer.name} did not start: {line!r} {rest}")
            threading.Thread(target=_drain, args=(peer,), daemon=True).start()
        yield peers
    finally:
        for peer in peers:
            if peer.process is not None and peer.process.poll() is None:
                peer.process.terminate()
                try:
                    peer.process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    peer.process.kill()
                    peer.process.wait()
