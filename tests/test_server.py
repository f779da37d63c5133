"""A real `impasto run` process: it migrates on start, answers /health, tags requests,
logs structured lines, and runs jobs in its embedded worker."""

from __future__ import annotations

import json
import os
import select

import httpx
import pytest

from instance import __version__
from instance.jobs import JobQueue
from instance.storage import db
from tests.rig.databases import migrate_for
from tests.rig.processes import impasto_env, run_cli, running_server

pytestmark = pytest.mark.slow


def test_health_and_request_ids(tmp_path):
    env = impasto_env(f"sqlite://{tmp_path / 'impasto.sqlite3'}", tmp_path, SERVER_LOG_LEVEL="info")
    with running_server(env, empty_database=True) as server:
        response = httpx.get(f"{server.url}/health", headers={"X-Request-Id": "abc123"})
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "version": __version__, "database": "ok"}
        assert response.headers["X-Request-Id"] == "abc123"
        generated = httpx.get(f"{server.url}/health").headers["X-Request-Id"]
        assert len(generated) == 32
    logs = [json.loads(line) for line in server.process.stderr.read().splitlines() if line.startswith("{")]
    request_lines = [entry for entry in logs if entry["event"] == "request"]
    assert any(entry.get("request_id") == "abc123" and entry["status"] == 200 for entry in request_lines)
    # The server migrated the empty database on start, and its worker queued the next run
    # of each periodic job (blocklist refresh, job pruning, counter pruning, listing expiry,
    # archive expiry).
    assert run_cli(["jobs"], env).stdout.split() == [
        "queued:",
        "5",
        "running:",
        "0",
        "done:",
        "0",
        "failed:",
        "0",
    ]


async def test_embedded_worker_runs_jobs_enqueued_elsewhere(tmp_path):
    """The in-server worker picks up a job another process enqueued (it polls the table)."""
    url = f"sqlite://{tmp_path / 'impasto.sqlite3'}"
    env = impasto_env(url, tmp_path, JOBS_POLL_SECONDS="0.2")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    keep = os.open(fifo, os.O_WRONLY)  # our own writer: no EOF while we wait
    try:
        with running_server(env):
            await db.connect(url)
            try:
                payload = {"n": 7, "log": str(tmp_path / "log"), "fifo": str(fifo)}
                await JobQueue().enqueue("test.record", payload)
            finally:
                await db.disconnect()
            ready, _, _ = select.select([reader], [], [], 60)
            assert ready, "the embedded worker never ran the job"
            assert os.read(reader, 1000).decode().startswith("start 7 ")
    finally:
        os.close(keep)
        os.close(reader)


def test_ctrl_c_stops_the_server_cleanly(tmp_path):
    """Ctrl-C in a terminal sends SIGINT to the whole foreground process group: the server
    and the image-pool processes it spawned. The server shuts down gracefully and exits 0
    (a requested stop is a clean exit, as for SIGTERM); nothing prints a traceback."""
    import io
    import re
    import signal
    import subprocess

    from mastodon import Mastodon

    from tests.client_api.conftest import PASSWORD, free_port, png_bytes, register_app
    from tests.rig.processes import IMPASTO, REPO_ROOT

    port = free_port()
    env = impasto_env(
        f"sqlite://{tmp_path / 'impasto.sqlite3'}",
        tmp_path,
        INSTANCE_DOMAIN=f"127.0.0.1:{port}",
        API_PASSWORD_GRANT="true",
    )
    migrate_for(env)
    assert run_cli(["user", "create", "ines", "--password-stdin"], env, stdin=PASSWORD).returncode == 0
    process = subprocess.Popen(
        [*IMPASTO, "run", "--bind", f"127.0.0.1:{port}"],
        env=env,
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        line = process.stdout.readline()
        assert re.search(r"listening on 127\.0\.0\.1:\d+", line), line
        url = f"http://127.0.0.1:{port}"
        client_id, secret = register_app(url)
        api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=url)
        api.log_in("ines", PASSWORD, allow_http=True)
        # An upload starts the image pool, whose processes get the SIGINT too.
        api.media_post(io.BytesIO(png_bytes()), mime_type="image/png", synchronous=True)
        os.killpg(process.pid, signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert "Traceback" not in stderr, stderr
    assert "KeyboardInterrupt" not in stderr, stderr
    assert process.returncode == 0, stderr


def test_an_oversized_request_head_is_refused_and_normal_ones_still_served(tmp_path):
    """httptools buffers a header of any length; the server answers 431 once a request
    head passes 16 KiB (as Hypercorn's h11 did), and the next connection is served."""
    import socket
    from urllib.parse import urlsplit

    env = impasto_env(f"sqlite://{tmp_path / 'impasto.sqlite3'}", tmp_path)
    with running_server(env) as server:
        address = urlsplit(server.url)
        with socket.create_connection((address.hostname, address.port), timeout=30) as raw:
            raw.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Padding: ")
            for _ in range(64):  # 64 x 4 KiB, in pieces as a slow client would send it
                if select.select([raw], [], [], 0.2)[0]:
                    break  # the server has answered: stop before it resets us
                raw.sendall(b"a" * 4096)
            answer = b""
            while chunk := raw.recv(4096):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:80]
        assert b"too large" in answer
        # A head just under the bound, and a 1 MiB body after it, are fine.
        ok = httpx.get(f"{server.url}/health", headers={"X-Padding": "a" * 15_000})
        assert ok.status_code == 200
        posted = httpx.post(f"{server.url}/health", content=b"x" * (1 << 20))
        assert posted.status_code == 405


def test_connections_to_the_listener_have_tcp_nodelay():
    """Without TCP_NODELAY a response's header and body writes wait on the client's delayed
    ACK (about 40 ms a request). A connection takes the option from the listener when the
    kernel accepts it, even one made before the server started serving."""
    import socket

    from instance.cli.http_server import listen

    with listen("127.0.0.1", 0) as listener:
        with socket.create_connection(listener.getsockname()[:2], timeout=10):
            accepted, _ = listener.accept()
            with accepted:
                assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
