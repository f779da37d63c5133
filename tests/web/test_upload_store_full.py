"""The media folder fills up (a real, tiny tmpfs) while an artist uploads: the page says
so in words (503, Retry-After), nothing is half-stored (no record, no stray temporary
file), the no-script form comes back filled in, and once space is freed the same running
server takes the next upload without a restart."""

from __future__ import annotations

import io
import os
import subprocess
import uuid
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from tests.rig.processes import impasto_env, running_server
from tests.web.test_auth_pages import csrf, signup

pytestmark = pytest.mark.slow


def photo(seed: int) -> bytes:
    """A 256² noisy PNG (about 200 KB: it does not compress)."""
    pixels = np.random.default_rng(seed).integers(0, 256, (256, 256, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def small_disk(tmp_path) -> Path:
    """A 4 MB tmpfs of the test's own (mounting needs root, as on CI)."""
    folder = tmp_path / "media"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        message = f"cannot mount a small tmpfs to fill up: {mounted.stderr.strip()}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def fill(folder: Path) -> Path:
    """Fill the disk to the last byte; the file to delete to free it again."""
    ballast = folder / f"ballast-{uuid.uuid4().hex}"
    with ballast.open("wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError:
            pass
    return ballast


def media_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file() and "ballast" not in p.name]


def test_a_full_media_disk_refuses_in_words_and_recovers(tmp_path, small_disk):
    env = impasto_env(f"sqlite://{tmp_path / 'impasto.sqlite3'}", tmp_path,
                      MEDIA_PATH=str(small_disk), REGISTRATION_MODE="open",
                      SERVER_RUN_WORKER="false")
    with running_server(env) as server, httpx.Client(base_url=server.url, timeout=60) as web:
        assert signup(web, "mara").status_code in (302, 303)
        token = csrf(web, "/upload")
        ballast = fill(small_disk)

        refused = web.post("/upload/media", data={"description": "A heron"},
                           files={"file": ("heron.png", photo(1), "image/png")},
                           headers={"X-CSRF-Token": token})
        assert refused.status_code == 503
        assert refused.headers["Retry-After"] == "60"
        assert "not accepting files" in refused.json()["error"]
        assert media_files(small_disk) == []  # not even a temporary file

        form = web.post("/upload", data={"csrf_token": token, "title": "Heron at dawn"},
                        files={"files": ("heron.png", photo(2), "image/png")})
        assert form.status_code == 503
        assert "not accepting files" in form.text
        assert 'value="Heron at dawn"' in form.text  # the form is not lost
        assert media_files(small_disk) == []

        ballast.unlink()
        accepted = web.post("/upload/media", data={"description": "A heron"},
                            files={"file": ("heron.png", photo(3), "image/png")},
                            headers={"X-CSRF-Token": token})
        assert accepted.status_code == 202, accepted.text
        status = web.get(f"/upload/media/{accepted.json()['id']}").json()
        assert status["state"] == "processing" and status["description"] == "A heron"
        assert len(media_files(small_disk)) == 1  # the private original
        assert server.process.poll() is None
