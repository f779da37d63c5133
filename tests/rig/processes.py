"""Real `impasto` processes (server, worker, CLI) for tests: the command line and
start-up path are part of what is tested, so these run the real entry point."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
IMPASTO = [sys.executable, "-m", "instance.cli"]


# Child processes cloak nothing unless a test asks for a level: a cloak costs seconds of
# CPU per image, and it is tested in tests/media, tests/media_integration and the flows
# that set a level (the upload, review and before/after browser tests, the federated flow).
CLOAK_UNLESS_ASKED = "off"


def impasto_env(database_url: str, tmp_path: Path, **settings: str) -> dict[str, str]:
    """Environment for a child `impasto`: database, data under tmp_path, test job kinds,
    the cloak off unless `settings` ask for a level (CLOAK_UNLESS_ASKED)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IMPASTO_")}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        IMPASTO_DATABASE_URL=database_url,
        IMPASTO_MEDIA_PATH=str(tmp_path / "media"),
        IMPASTO_SERVER_SECRET_KEY_FILE=str(tmp_path / "secret_key"),
        IMPASTO_JOBS_PLUGINS="tests.jobs_plugin",
        IMPASTO_CLOAK_DEFAULT_LEVEL=CLOAK_UNLESS_ASKED,
    )
    env.update({f"IMPASTO_{key.upper()}": value for key, value in settings.items()})
    return env


def run_cli(
    args: list[str], env: dict[str, str], stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*IMPASTO, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningServer:
    process: subprocess.Popen
    url: str


@contextmanager
def running_server(
    env: dict[str, str], extra_args: tuple[str, ...] = (), *, empty_database: bool = False
) -> Iterator[RunningServer]:
    """Start `impasto run` on a free loopback port; the printed address is already bound.
    A SQLite file that does not exist yet starts as a copy of the migrated template:
    migrating an empty database costs seconds of every start, and is tested where a test
    asks for it (`empty_database=True`: the server migrates on start)."""
    if not empty_database:
        from tests.rig.databases import copy_template_if_new

        copy_template_if_new(env)
    process = subprocess.Popen(
        [*IMPASTO, "run", "--bind", "127.0.0.1:0", *extra_args],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        match = re.search(r"listening on ([\d.]+):(\d+)", line)
        if not match:
            process.kill()
            raise RuntimeError(f"server did not start: {line!r} {process.stderr.read()}")
        yield RunningServer(process, f"http://{match.group(1)}:{match.group(2)}")
    finally:
        stop_process(process)


def start_worker(env: dict[str, str], stdout: Any = subprocess.DEVNULL,
                 stderr: Any = subprocess.PIPE) -> subprocess.Popen:
    """An `impasto worker` process on `env`'s database (stop it with stop_process)."""
    return subprocess.Popen([*IMPASTO, "worker"], env=env, cwd=REPO_ROOT, stdout=stdout,
                            stderr=stderr, text=True)


def stop_process(process: subprocess.Popen, grace: float = 20) -> None:
    """Ask a child to stop (SIGTERM), and kill it if it has not within `grace` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def running_server_at_its_address(env: dict[str, str]):
    """`running_server` on a port chosen first, with `[instance] domain` set to it (in `env`
    too, for CLI runs after it), so the links it makes (mail, rel="me") lead back to it."""
    port = free_port()
    env["IMPASTO_INSTANCE_DOMAIN"] = f"127.0.0.1:{port}"
    return running_server(env, ("--bind", f"127.0.0.1:{port}"))
