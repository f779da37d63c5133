"""An upload that declares AI provenance, held under `[ai] local_ai_verdict = hold`:
the artist sees why and asks for a review; a moderator publishes it with the AI label
from the admin page."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.rig.processes import impasto_env, run_cli, running_server
from tests.web.test_auth_pages import csrf, login

pytestmark = pytest.mark.slow


def test_held_upload_reviewed_from_the_pages(tmp_path, shared_dir):
    env = impasto_env(
        f"sqlite://{tmp_path / 'impasto.sqlite3'}",
        tmp_path,
        AI_LOCAL_AI_VERDICT="hold",
        SERVER_RUN_WORKER="false",
        CLOAK_ENABLED="false",
    )
    assert run_cli(["migrate"], env).returncode == 0
    for args in (["boss", "--moderator"], ["mira"]):
        assert (
            run_cli(
                ["user", "create", *args, "--password-stdin"], env, stdin="a long enough password\n"
            ).returncode
            == 0
        )
    image = (shared_dir / "fixtures/provenance/c2pa_firefly_butterfly.jpg").read_bytes()
    with (
        running_server(env) as server,
        httpx.Client(base_url=server.url) as artist,
        httpx.Client(base_url=server.url) as moderator,
    ):
        login(artist, "mira")
        token = csrf(artist, "/upload")
        sent = artist.post(
            "/upload/media",
            headers={"X-CSRF-Token": token},
            files={"file": ("butterfly.jpg", image, "image/jpeg")},
        )
        assert sent.status_code == 202, sent.text
        media_id = sent.json()["id"]
        assert run_cli(["worker", "--until-idle"], env).returncode == 0
        status = artist.get(f"/upload/media/{media_id}").json()
        assert status["state"] == "held" and status["verdict"] == "ai"
        assert any(s["signal"] == "c2pa" for s in status["signals"])

        page = artist.get(f"/settings/media/{media_id}").text
        assert "Ask for a review" in page and "c2pa" in page
        asked = artist.post(
            f"/settings/media/{media_id}/review",
            data={
                "csrf_token": csrf(artist, f"/settings/media/{media_id}"),
                "note": "I painted it; Firefly only extended the sky",
            },
        )
        assert asked.status_code == 302
        assert "You asked for a review" in artist.get(f"/settings/media/{media_id}").text

        login(moderator, "boss")
        queue = moderator.get("/admin/media-review").text
        assert "Firefly only extended the sky" in queue and re.search(
            rf"/admin/media-review/{media_id}\"", queue
        )
        moderator.post(
            f"/admin/media-review/{media_id}",
            data={
                "csrf_token": csrf(moderator, "/admin/media-review"),
                "decision": "label",
                "reason": "composite, labelled",
            },
        )
        status = artist.get(f"/upload/media/{media_id}").json()
        assert status["state"] == "ready"
        assert "Nothing waits for review" in moderator.get("/admin/media-review").text
