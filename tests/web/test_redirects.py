"""Open redirects: a table of hostile `next` values over real HTTP — after log-in every
one lands on the home page, and the log-in form never carries one forward; same-site
paths still pass (instance/web/redirects.py)."""

from __future__ import annotations

import re

import httpx
import pytest

from instance.web.redirects import same_origin_path
from tests.rig.processes import impasto_env, running_server
from tests.web.test_auth_pages import csrf, signup

pytestmark = pytest.mark.slow

HOSTILE = [
    "https://evil.example/", "http://evil.example", "//evil.example", "///evil.example",
    "////evil.example/x", "/\\evil.example", "\\\\evil.example", "\\/evil.example",
    "/\\/evil.example", "/%2F%2Fevil.example", "/%2f%2fevil.example", "%2F%2Fevil.example",
    "/%5Cevil.example", "/%5c%5cevil.example", "/%252F%252Fevil.example", "/%25252F/evil",
    "/\t/evil.example", "/\n/evil.example", "/\r\n//evil.example", " //evil.example",
    "/\x00/evil.example", "/\x7f/evil.example", "//user:pass@evil.example", "//@evil.example",
    "https://impasto.test@evil.example/", "javascript:alert(1)", "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>", "evil.example", "@evil.example",
    ".//evil.example", "http:/evil.example", "https:evil.example", "/x/../\\evil",
    "/" + "a" * 3000, "/%0d%0aSet-Cookie:x=1", "\u3000//evil.example",
]
SAFE = ["/", "/@kim", "/settings/password", "/authorize_interaction?uri=https%3A%2F%2Fa.example%2Fu",
        "/tags/caf%C3%A9", "/@kim#works"]


@pytest.mark.parametrize("target", HOSTILE)
def test_rule_refuses(target):
    assert same_origin_path(target) is None


@pytest.mark.parametrize("target", SAFE)
def test_rule_passes_local_paths(target):
    assert same_origin_path(target) == target


def test_login_next_over_http(tmp_path):
    env = impasto_env(f"sqlite://{tmp_path / 'r.sqlite3'}", tmp_path, REGISTRATION_MODE="open")
    with running_server(env) as server, httpx.Client(base_url=server.url) as client:
        signup(client, "kim")
        client.post("/logout", data={"csrf_token": csrf(client, "/")})
        for target in HOSTILE + SAFE:
            page = client.get("/login", params={"next": target})
            assert page.status_code == 200
            carried = re.search(r'name="next" value="([^"]*)"', page.text).group(1)
            form = {"csrf_token": csrf(client, "/login"), "username": "kim",
                    "password": "a long enough password", "next": target}
            answer = client.post("/login", data=form)
            assert answer.status_code == 302, (target, answer.status_code)
            location = answer.headers["location"]
            if target in SAFE:
                assert location == target and carried == target.replace("&", "&amp;")
            else:
                assert location == "/" and carried == "", (target, location, carried)
            client.post("/logout", data={"csrf_token": csrf(client, "/")})
