"""The server is SIGKILLed while an artist's upload is still on the wire: nothing already
stored is lost (the earlier upload keeps its record, its original and its job), nothing
half-written is left behind (no record, no stray file), and the restarted server takes
the next upload; a worker then processes what was accepted before the kill."""

from __future__ import annotations

import signal
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.rig.processes import IMPASTO, REPO_ROOT, impasto_env, running_server
from tests.web.test_auth_pages import csrf, login, signup
from tests.web.test_upload_store_full import photo

pytestmark = pytest.mark.slow


def media_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def start_partial_upload(server_url: str, web: httpx.Client, token: str) -> socket.socket:
    """Send the headers and the first half of a multipart upload, and keep the rest."""
    request = web.build_request("POST", "/upload/media", data={"description": "Half a heron"},
                                files={"file": ("heron.png", photo(9) * 8, "image/png")},
                                headers={"X-CSRF-Token": token})
    body = request.read()
    host, port = server_url.removeprefix("http://").split(":")
    head = ["POST /upload/media HTTP/1.1", f"Host: {host}:{port}",
            f"Content-Type: {request.headers['Content-Type']}",
            f"Content-Length: {len(body)}", f"X-CSRF-Token: {token}",
            f"Cookie: {request.headers['Cookie']}"]
    wire = socket.create_connection((host, int(port)))
    wire.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body[: len(body) // 2])
    return wire


def test_sigkill_mid_upload_keeps_what_was_stored_and_leaves_no_half(tmp_path):
    media = tmp_path / "media"
    env = impasto_env(f"sqlite://{tmp_path / 'impasto.sqlite3'}", tmp_path,
                      MEDIA_PATH=str(media), REGISTRATION_MODE="open",
                      SERVER_RUN_WORKER="false")
    with running_server(env) as server, httpx.Client(base_url=server.url, timeout=60) as web:
        assert signup(web, "iris").status_code in (302, 303)
        token = csrf(web, "/upload")
        first = web.post("/upload/media", data={"description": "A heron"},
                         files={"file": ("heron.png", photo(1), "image/png")},
                         headers={"X-CSRF-Token": token})
        assert first.status_code == 202, first.text
        kept = first.json()["id"]
        stored = media_files(media)
        assert len(stored) == 1  # the private original

        wire = start_partial_upload(server.url, web, token)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        wire.close()
        assert media_files(media) == stored  # nothing of the half upload reached the store

    with running_server(env) as server, httpx.Client(base_url=server.url, timeout=60) as web:
        assert login(web, "iris").status_code in (302, 303)
        status = web.get(f"/upload/media/{kept}")
        assert status.status_code == 200
        assert status.json()["state"] == "processing"
        assert status.json()["description"] == "A heron"
        token = csrf(web, "/upload")
        again = web.post("/upload/media", data={"description": "Another heron"},
                         files={"file": ("heron2.png", photo(2), "image/png")},
                         headers={"X-CSRF-Token": token})
        assert again.status_code == 202, again.text
        assert len(media_files(media)) == 2

    worked = subprocess.run([*IMPASTO, "worker", "--until-idle"], env=env, cwd=REPO_ROOT,
                            capture_output=True, text=True, timeout=300)
    assert worked.returncode == 0, worked.stderr
    with running_server(env) as server, httpx.Client(base_url=server.url, timeout=60) as web:
        assert login(web, "iris").status_code in (302, 303)
        for media_id in (kept, again.json()["id"]):
            assert web.get(f"/upload/media/{media_id}").json()["state"] == "ready"
