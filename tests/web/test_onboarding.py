"""The new artist's checklist over real HTTP: shown to the artist alone on their portfolio
and home feed, each step ticked from what is stored, gone once hidden."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.rig.processes import impasto_env, running_server
from tests.web.test_auth_pages import csrf, signup

pytestmark = pytest.mark.slow


def ticked(page: str) -> list[str]:
    return re.findall(r'<li class="done">.*?<span>([^<]+)</span>', page, re.S)


def test_checklist_ticks_steps_and_can_be_hidden(tmp_path):
    env = impasto_env(f"sqlite://{tmp_path / 'db.sqlite3'}", tmp_path, REGISTRATION_MODE="open")
    with (
        running_server(env) as server,
        httpx.Client(base_url=server.url) as artist,
        httpx.Client(base_url=server.url) as visitor,
    ):
        assert signup(artist, "noor").headers["location"] == "/@noor"
        page = artist.get("/@noor").text
        assert "Set up your portfolio" in page and "0 of 4 done" in page and ticked(page) == []
        assert 'href="/upload">Publish your first work</a>' in page
        assert "Set up your portfolio" in artist.get("/home").text
        assert "Set up your portfolio" not in visitor.get("/@noor").text

        token = csrf(artist, "/settings")
        artist.post("/settings/profile", data={"csrf_token": token, "display_name": "Noor",
                                                "bio": "I draw birds."})
        artist.post("/settings/defaults", data={"csrf_token": token, "licence": "CC-BY-4.0",
                                                 "cloak_level": "high"})
        page = artist.get("/@noor").text
        assert "2 of 4 done" in page
        assert ticked(page) == ["Write a short bio", "Choose your default cloak level and licence"]
        assert 'href="/settings#profile">Add an avatar</a>' in page

        hidden = artist.post("/settings/onboarding/hide", data={"csrf_token": token, "back": "home"})
        assert hidden.status_code == 302 and hidden.headers["location"] == "/home"
        assert "Set up your portfolio" not in artist.get("/@noor").text
        assert "Set up your portfolio" not in artist.get("/home").text
        assert visitor.post("/settings/onboarding/hide", data={}).status_code == 400  # no CSRF token
