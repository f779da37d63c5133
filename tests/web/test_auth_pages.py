"""Sign-up per registration mode, log-in, CSRF, throttling and password change, over real
HTTP against a running server (the same requests a browser sends)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.rig.processes import impasto_env, run_cli, running_server

pytestmark = pytest.mark.slow

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf(client: httpx.Client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    return TOKEN.search(page.text).group(1)


def signup(client: httpx.Client, username: str, **extra: str) -> httpx.Response:
    form = {
        "csrf_token": csrf(client, "/signup"),
        "username": username,
        "password": "a long enough password",
        "password_again": "a long enough password",
        **extra,
    }
    return client.post("/signup", data=form)


def login(client: httpx.Client, username: str, password: str = "a long enough password") -> httpx.Response:
    form = {"csrf_token": csrf(client, "/login"), "username": username, "password": password}
    return client.post("/login", data=form)


@pytest.fixture
def server_for(tmp_path):
    def start(mode: str, database: str = ""):
        name = database or mode
        env = impasto_env(f"sqlite://{tmp_path / f'{name}.sqlite3'}", tmp_path, REGISTRATION_MODE=mode)
        return env, running_server(env)

    return start


def test_open_signup_logs_in_and_cookies_are_safe(server_for):
    env, server_cm = server_for("open")
    with server_cm as server, httpx.Client(base_url=server.url) as client:
        response = signup(client, "mira", display_name="Mira K")
        assert response.status_code == 302 and response.headers["location"] == "/@mira"
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        profile = client.get("/@mira")
        assert "Mira K" in profile.text and "Log out" in profile.text
        assert profile.headers.get("content-type", "").startswith("text/html")
        taken = signup(client, "mira")
        assert taken.status_code == 422 and "is taken" in taken.text


def test_approval_mode_waits_for_a_moderator(server_for):
    env, server_cm = server_for("approval")
    with server_cm as server, httpx.Client(base_url=server.url) as client:
        response = signup(client, "juno", reason="I paint harbours")
        assert response.status_code == 200 and "waiting for a moderator" in response.text
        refused = login(client, "juno")
        assert refused.status_code == 403 and "waiting for a moderator" in refused.text
    listing = run_cli(["user", "list"], env).stdout
    assert re.search(r"juno\s+artist\s+pending", listing)


def test_closed_and_invite_modes(server_for):
    env, server_cm = server_for("closed")
    with server_cm as server, httpx.Client(base_url=server.url) as client:
        assert client.get("/signup").status_code == 403
    env, server_cm = server_for("invite")
    with server_cm as server, httpx.Client(base_url=server.url) as client:
        refused = signup(client, "ana", invite="not-a-code")
        assert refused.status_code == 422 and "no invite with that code" in refused.text


def test_forms_without_the_csrf_token_are_refused(server_for):
    env, server_cm = server_for("open")
    with server_cm as server, httpx.Client(base_url=server.url) as client:
        client.get("/signup")
        forged = client.post(
            "/signup",
            data={
                "username": "x",
                "password": "a long enough password",
                "password_again": "a long enough password",
            },
        )
        assert forged.status_code == 400 and "reload the page" in forged.text
        assert "impasto: error" not in forged.text


def test_login_throttling_and_safe_redirects(server_for):
    env, server_cm = server_for("open")
    with server_cm as server, httpx.Client(base_url=server.url) as client:
        signup(client, "lee")
        client.post("/logout", data={"csrf_token": csrf(client, "/")})
        statuses = [login(client, "lee", "wrong password!").status_code for _ in range(6)]
        assert statuses[:5] == [401] * 5 and statuses[5] == 429
        assert login(client, "lee").status_code == 429  # even the right password waits
    # Another database: the failures above are counted in the database, for every process.
    env, server_cm = server_for("open", "fresh")
    with server_cm as server, httpx.Client(base_url=server.url) as client:
        signup(client, "kim")
        client.post("/logout", data={"csrf_token": csrf(client, "/")})
        form = {
            "csrf_token": csrf(client, "/login"),
            "username": "kim",
            "password": "a long enough password",
            "next": "https://evil.example/",
        }
        assert client.post("/login", data=form).headers["location"] == "/"


def test_behind_a_trusted_proxy_each_visitor_has_its_own_login_limit(tmp_path):
    """With `[server] trusted_proxies`, the address a limit counts is the visitor's, from
    X-Forwarded-For; without it, the connection's own (a header anyone could send)."""

    def attempts(client: httpx.Client, visitor: str, names: list[str]) -> list[int]:
        client.headers["X-Forwarded-For"] = visitor
        return [login(client, name, "wrong password!").status_code for name in names]

    for trusted, other_visitor in (("127.0.0.1", 401), ("", 429)):
        env = impasto_env(f"sqlite://{tmp_path / f'proxy{trusted}.sqlite3'}", tmp_path,
                          SERVER_TRUSTED_PROXIES=trusted)
        with running_server(env) as server, httpx.Client(base_url=server.url) as client:
            # Five failures from one visitor (each for another name: only the address adds up).
            assert attempts(client, "203.0.113.7", [f"nobody{n}" for n in range(6)]) == [401] * 5 + [429]
            assert attempts(client, "198.51.100.9", ["someone"]) == [other_visitor]


def test_password_change_logs_out_other_browsers(server_for):
    env, server_cm = server_for("open")
    with (
        server_cm as server,
        httpx.Client(base_url=server.url) as first,
        httpx.Client(base_url=server.url) as second,
    ):
        signup(first, "ode")
        assert login(second, "ode").status_code == 302
        form = {
            "csrf_token": csrf(first, "/settings/password"),
            "current": "a long enough password",
            "new": "another long password",
            "new_again": "another long password",
        }
        changed = first.post("/settings/password", data=form)
        assert changed.status_code == 200 and "Your password is changed" in changed.text
        assert first.get("/settings/password").status_code == 200
        assert second.get("/settings/password").status_code == 302  # sent to log in
        assert login(second, "ode", "another long password").status_code == 302


def test_deleting_an_account_asks_twice_then_logs_out_for_good(server_for):
    env, server_cm = server_for("open")
    with server_cm as server, httpx.Client(base_url=server.url) as client:
        signup(client, "ivo")
        token = csrf(client, "/settings/delete")
        wrong = client.post("/settings/delete", data={"csrf_token": token, "password": "nope",
                                                      "confirm": "ivo"})
        assert wrong.status_code == 422 and "password is not right" in wrong.text
        unconfirmed = client.post("/settings/delete", data={
            "csrf_token": token, "password": "a long enough password", "confirm": "iv"})
        assert unconfirmed.status_code == 422 and "Type your username" in unconfirmed.text
        forged = client.post("/settings/delete", data={"password": "a long enough password",
                                                       "confirm": "ivo"})
        assert forged.status_code == 400  # no CSRF token: nothing happens
        assert client.get("/@ivo").status_code == 200
        done = client.post("/settings/delete", data={
            "csrf_token": token, "password": "a long enough password", "confirm": "ivo"})
        assert done.status_code == 200 and "Your account is deleted" in done.text
        assert client.get("/settings").status_code == 302  # logged out
        assert login(client, "ivo").status_code in (401, 403)
        assert client.get("/@ivo").status_code == 404
        gone = client.get("/users/ivo", headers={"Accept": "application/activity+json"})
        assert gone.status_code == 410 and gone.json()["type"] == "Tombstone"
