"""The new artist's checklist over real HTTP: shown to the artist alone on their portfolio
and home feed, each step ticked from what is stored, gone once hidden. Profile links:
clickable with rel="me", and checked once the linked page links back."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.rig.processes import impasto_env, run_cli, running_server, running_server_at_its_address
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


def _save_links(client: httpx.Client, *links: str) -> None:
    form = {"csrf_token": csrf(client, "/settings"), "display_name": ""}
    for i, link in enumerate(links):
        form |= {f"field_name_{i}": f"Link {i + 1}", f"field_value_{i}": link}
    assert client.post("/settings/profile", data=form).status_code == 302


def test_profile_links_are_rel_me_and_verified_when_linked_back(tmp_path):
    """Two artists link to each other's portfolio: each portfolio's rel="me" link is the
    link back the other's verification finds (over real HTTP, fetched by the worker)."""
    env = impasto_env(f"sqlite://{tmp_path / 'db.sqlite3'}", tmp_path, REGISTRATION_MODE="open",
                      SERVER_RUN_WORKER="false")
    with (
        running_server_at_its_address(env) as server,
        httpx.Client(base_url=server.url) as noor,
        httpx.Client(base_url=server.url) as sam,
    ):
        signup(noor, "noor")
        signup(sam, "sam")
        _save_links(noor, f"{server.url}/@sam", "https://unreachable.invalid/noor")
        _save_links(sam, f"{server.url}/@noor")
        # The worker may fetch exactly this server's pages (the guard refuses the rest).
        env["IMPASTO_FEDERATION_ALLOW_PRIVATE_ADDRESSES"] = env["IMPASTO_INSTANCE_DOMAIN"]
        assert run_cli(["worker", "--until-idle"], env).returncode == 0
        page = noor.get("/@noor").text
        assert (f'<a href="{server.url}/@sam" rel="me nofollow noopener noreferrer" target="_blank">'
                f'{server.url}/@sam</a> <span class="verified"') in page
        assert page.count('class="verified"') == 1  # not the unreachable one
        assert 'href="https://unreachable.invalid/noor" rel="me' in page
