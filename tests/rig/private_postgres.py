"""A PostgreSQL server of the test's own (initdb + pg_ctl on a free loopback port), so a
fault test can stop and start it without touching the shared server other tests use.

PostgreSQL refuses to run as root; as root (CI here) the cluster belongs to the `postgres`
system user and its commands run through `runuser`."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.rig.processes import free_port


def _bin_dir() -> Path | None:
    """The folder of initdb and pg_ctl (Debian keeps them out of PATH)."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), reverse=True)
    if versions:
        return versions[0].parent
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found else None


def unavailable_reason() -> str | None:
    """Why a private server cannot be started here (None when it can)."""
    if _bin_dir() is None:
        return "PostgreSQL's server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0 and (shutil.which("runuser") is None or _postgres_uid() is None):
        return "running as root needs the `postgres` system user and runuser"
    return None


def _postgres_uid() -> int | None:
    import pwd

    try:
        return pwd.getpwnam("postgres").pw_uid
    except KeyError:
        return None


@dataclass
class PrivatePostgres:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/impasto"

    def _run(self, *args: str) -> None:
        command = [str(_bin_dir() / args[0]), *args[1:]]  # type: ignore[operator]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {result.stdout}{result.stderr}")

    def start(self) -> None:
        options = (f"-p {self.port} -c listen_addresses=127.0.0.1 "
                   f"-c unix_socket_directories={self.folder} -c fsync=off")
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"),
                  "-o", options, "-w", "start")

    def stop(self) -> None:
        """A fast shutdown: open connections are cut, as in a crash or a restart."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")


@contextmanager
def private_postgres() -> Iterator[PrivatePostgres]:
    """A new cluster with an empty `impasto` database, started; removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="impasto-pg-"))
    uid = _postgres_uid() if os.geteuid() == 0 else None
    if uid is not None:
        os.chown(folder, uid, -1)
    server = PrivatePostgres(folder, free_port())
    server._run("initdb", "-D", str(folder / "data"), "-U", "postgres", "--auth=trust",
                "--no-sync", "-E", "UTF8")
    server.start()
    try:
        command = [str(_bin_dir() / "createdb"), "-h", "127.0.0.1",  # type: ignore[operator]
                   "-p", str(server.port), "-U", "postgres", "impasto"]
        subprocess.run(command, check=True, capture_output=True, timeout=60)
        yield server
    finally:
        try:
            server.stop()
        except RuntimeError:
            pass  # already stopped by the test
        shutil.rmtree(folder, ignore_errors=True)
