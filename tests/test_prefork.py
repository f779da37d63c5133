"""`impasto run --workers N` and `impasto worker --concurrency N`: several server processes
share one socket and stop together; bad counts are refused in words."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from tests.rig.processes import impasto_env, run_cli, running_server

pytestmark = pytest.mark.slow


def children_of(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_two_server_processes_share_the_socket_and_stop_together(tmp_path):
    env = impasto_env(f"sqlite://{tmp_path / 'db.sqlite3'}", tmp_path, SERVER_RUN_WORKER="false")
    with running_server(env, ("--workers", "2")) as server:
        children = children_of(server.process.pid)
        assert len(children) == 2
        # The parent binds and prints before its children have imported the app; the kernel
        # queues the first connections until one accepts, which on a loaded machine can
        # take longer than httpx's default five seconds.
        with httpx.Client(base_url=server.url, timeout=60) as client:
            assert all(client.get("/health").status_code == 200 for _ in range(20))
        server.process.send_signal(signal.SIGTERM)
        assert server.process.wait(timeout=30) == 0
        assert "Traceback" not in server.process.stderr.read()
    for child in children:
        assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text()


def test_bad_process_and_job_counts_are_refused_in_words(tmp_path):
    env = impasto_env(f"sqlite://{tmp_path / 'db.sqlite3'}", tmp_path)
    unmigrated = run_cli(["worker", "--until-idle"], env)
    assert unmigrated.returncode != 0 and "Traceback" not in unmigrated.stderr
    assert "run `impasto migrate`" in unmigrated.stderr
    assert run_cli(["migrate"], env).returncode == 0
    refused = run_cli(["run", "--workers", "0"], env)
    assert refused.returncode != 0 and "--workers must be between 1 and 64" in refused.stderr
    refused = run_cli(["worker", "--concurrency", "0", "--until-idle"], env)
    assert refused.returncode != 0 and "--concurrency must be between 1 and 256" in refused.stderr
    done = run_cli(["worker", "--concurrency", "3", "--until-idle"], env)
    assert done.returncode == 0, done.stderr
