"""What the bench scripts share: where the server under test and its load run (one CPU
each), an instance's environment, free ports, a process's CPU time, starting a server,
a throwaway PostgreSQL database, and the figure each measurement returns. Imported, not
run (`make bench` skips it)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PASSWORD = "correct horse battery"


def env_for(url: str, folder: Path, port: int, reach: list[int] | None = None) -> dict[str, str]:
    """The instance's environment; it may reach exactly the loopback ports in `reach`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPASTO_")}
    env.update(
        PYTHONPATH=str(ROOT), IMPASTO_DATABASE_URL=url, IMPASTO_MEDIA_PATH=str(folder / "media"),
        IMPASTO_SERVER_SECRET_KEY_FILE=str(folder / "secret"), IMPASTO_SERVER_RUN_WORKER="false",
        IMPASTO_INSTANCE_DOMAIN=f"127.0.0.1:{port}",
        IMPASTO_FEDERATION_ALLOW_PRIVATE_ADDRESSES=",".join(
            f"127.0.0.1:{p}" for p in [port, *(reach or [])]),
        IMPASTO_JOBS_CONCURRENCY="16",
    )
    return env


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a running process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Placement:
    """Which CPU the server under test runs on and which the load generator uses."""

    server: set[int]
    client: set[int]

    def pin_child(self, cpus: set[int]):
        return lambda: os.sched_setaffinity(0, cpus)


PLACEMENT = Placement(set(), set())


@dataclass
class Rate:
    """Items per second over the timed window, and the server's CPU ms per item."""

    per_second: float
    cpu_ms: float | None = None
    reference_ms: float | None = None  # the row's reference, measured beside it (fan-out)
    layers: str = ""  # where the CPU of one item goes, for rows that measure it


def start_server(command: list[str], env: dict[str, str] | None) -> tuple[subprocess.Popen, int]:
    """Start a server on the server CPU; returns it and the port it says it listens on."""
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        preexec_fn=PLACEMENT.pin_child(PLACEMENT.server),
    )
    line = server.stdout.readline() if server.stdout else ""
    found = re.search(r"listening on (?:[\d.]+:)?(\d+)", line)
    if not found:
        server.terminate()
        raise RuntimeError(f"server did not start: {line!r}")
    threading.Thread(target=server.stdout.read, daemon=True).start()  # type: ignore[union-attr]
    return server, int(found.group(1))


def place(cpus: int) -> str:
    """Server under test on one CPU, load generator and receivers on another (`cpus` 2),
    or everything on one (`cpus` 1). PostgreSQL is a separate service and is not pinned."""
    allowed = sorted(os.sched_getaffinity(0))
    if cpus >= 2 and len(allowed) >= 2:
        PLACEMENT.server, PLACEMENT.client = {allowed[0]}, {allowed[1]}
        how = f"server on CPU {allowed[0]}, load generator and receivers on CPU {allowed[1]}"
    else:
        PLACEMENT.server = PLACEMENT.client = {allowed[0]}
        how = f"everything on CPU {allowed[0]}"
    os.sched_setaffinity(0, PLACEMENT.client)
    return how


async def with_postgres(base: str, fn, *args) -> Rate:
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
