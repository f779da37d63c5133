"""OAuth2 against a running server: app registration, the authorize page (log in,
consent, CSRF), the code grant with PKCE, client credentials, the password grant behind
its setting, revocation, RFC 8414 metadata, and scopes enforced on endpoints."""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from mastodon import Mastodon, MastodonAPIError, MastodonIllegalArgumentError

from tests.client_api.conftest import (
    CSRF,
    PASSWORD,
    authorize_by_page,
    code_grant_login,
    instance,
    register_app,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("oauth")
    with instance(
        f"sqlite://{folder / 'db.sqlite3'}", folder, API_PASSWORD_GRANT="true", SERVER_RUN_WORKER="false"
    ) as inst:
        inst.user("alice")
        inst.user("bob")
        yield inst


def test_metadata_and_app_registration(server):
    meta = httpx.get(server.url + "/.well-known/oauth-authorization-server").json()
    assert meta["token_endpoint"] == server.url + "/oauth/token"
    assert meta["authorization_endpoint"] == server.url + "/oauth/authorize"
    assert "S256" in meta["code_challenge_methods_supported"]
    assert set(meta["grant_types_supported"]) == {"authorization_code", "client_credentials", "password"}
    assert "read:statuses" in meta["scopes_supported"]
    reply = httpx.post(
        server.url + "/api/v1/apps",
        data={
            "client_name": "Form app",
            "scopes": "read write:media",
            "redirect_uris": "https://app.example/cb",
            "website": "https://app.example",
            "oauth_junk": "ignored",
        },
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["client_id"] and body["client_secret"] and body["redirect_uri"] == "https://app.example/cb"
    assert isinstance(body["id"], str) and body["scopes"] == ["read", "write:media"]
    bad = httpx.post(server.url + "/api/v1/apps", json={"client_name": "x", "scopes": "read admin:all"})
    assert bad.status_code == 422 and "unknown scope" in bad.json()["error"]
    blank = httpx.post(server.url + "/api/v1/apps", json={"scopes": "read"})
    assert blank.status_code == 422 and "error" in blank.json()


def test_code_grant_through_the_page(server):
    api = code_grant_login(server.url, "alice")
    me = api.account_verify_credentials()
    assert me.username == "alice" and me.acct == "alice" and isinstance(me.id, str | int)
    assert str(me.id).isdigit()
    # a read-only token gets 403 on a write, and the write works with a write token
    reader = code_grant_login(server.url, "alice", scopes=("read",))
    with pytest.raises(MastodonAPIError) as refused:
        reader.status_post("this must not be posted")
    assert refused.value.args[1] == 403
    assert "outside the authorized scopes" in str(refused.value)
    assert reader.timeline_home() == []


def test_pkce_code_is_single_use_and_checked(server):
    client_id, secret = register_app(server.url, ("read",), redirect="https://client.example/done")
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    query = urlencode(
        {
            "client_id": client_id,
            "response_type": "code",
            "scope": "read",
            "redirect_uri": "https://client.example/done",
            "state": "xyz",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    with httpx.Client() as browser:
        answer = authorize_by_page(browser, f"{server.url}/oauth/authorize?{query}", "bob")
    assert answer.status_code == 302
    location = urlsplit(answer.headers["location"])
    assert location.netloc == "client.example"
    params = parse_qs(location.query)
    assert params["state"] == ["xyz"]
    code = params["code"][0]
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": client_id,
        "redirect_uri": "https://client.example/done",
    }
    wrong = httpx.post(server.url + "/oauth/token", data={**form, "code_verifier": "x" * 50})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    # a public client: no secret, the verifier proves it
    good = httpx.post(server.url + "/oauth/token", data={**form, "code_verifier": verifier})
    assert good.status_code == 200, good.text
    assert good.headers["Cache-Control"] == "no-store"
    token = good.json()
    assert token["token_type"] == "Bearer" and token["scope"] == "read"
    assert isinstance(token["created_at"], int)
    again = httpx.post(server.url + "/oauth/token", data={**form, "code_verifier": verifier})
    assert again.status_code == 400
    who = httpx.get(
        server.url + "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {token['access_token']}"},
    )
    assert who.json()["username"] == "bob"


def test_authorize_page_refuses_bad_requests_and_forged_forms(server):
    client_id, _ = register_app(server.url, ("read",), redirect="https://client.example/done")
    evil = urlencode(
        {
            "client_id": client_id,
            "response_type": "code",
            "scope": "read",
            "redirect_uri": "https://evil.example/steal",
        }
    )
    page = httpx.get(f"{server.url}/oauth/authorize?{evil}")
    assert page.status_code == 400 and "redirect URI" in page.text
    too_much = urlencode(
        {"client_id": client_id, "scope": "read write", "redirect_uri": "https://client.example/done"}
    )
    assert httpx.get(f"{server.url}/oauth/authorize?{too_much}").status_code == 400
    fine = urlencode({"client_id": client_id, "scope": "read", "redirect_uri": "https://client.example/done"})
    with httpx.Client() as browser:
        page = browser.get(f"{server.url}/oauth/authorize?{fine}")
        assert 'name="password"' in page.text and "<label" in page.text
        assert page.headers["X-Frame-Options"] == "DENY"
        forged = browser.post(
            f"{server.url}/oauth/authorize?{fine}",
            data={"action": "login", "username": "bob", "password": PASSWORD},
        )
        assert forged.status_code == 400
        wrong = browser.post(
            f"{server.url}/oauth/authorize?{fine}",
            data={
                "csrf_token": CSRF.search(page.text).group(1),
                "action": "login",
                "username": "bob",
                "password": "not the password",
            },
        )
        assert wrong.status_code == 401


def test_password_grant_client_credentials_and_revocation(server):
    client_id, secret = register_app(server.url)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=server.url)
    token = api.log_in("bob", PASSWORD, allow_http=True)
    assert api.account_verify_credentials().username == "bob"
    with pytest.raises(MastodonIllegalArgumentError):
        Mastodon(client_id=client_id, client_secret=secret, api_base_url=server.url).log_in(
            "bob", "wrong password!", allow_http=True
        )
    app_only = httpx.post(
        server.url + "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
            "scope": "read",
        },
    ).json()
    headers = {"Authorization": f"Bearer {app_only['access_token']}"}
    assert (
        httpx.get(server.url + "/api/v1/apps/verify_credentials", headers=headers).json()["name"]
        == "impasto-tests"
    )
    needs_user = httpx.get(server.url + "/api/v1/accounts/verify_credentials", headers=headers)
    assert needs_user.status_code == 422
    assert httpx.get(server.url + "/api/v1/timelines/public", headers=headers).status_code == 200
    bad_secret = httpx.post(
        server.url + "/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": "nope"},
    )
    assert bad_secret.status_code == 401 and bad_secret.json()["error"] == "invalid_client"
    api.revoke_access_token(allow_http=True)
    gone = httpx.get(
        server.url + "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
    )
    assert gone.status_code == 401 and gone.json() == {"error": "The access token is invalid"}


def test_login_throttling_on_the_password_grant(tmp_path):
    """On a server of its own: the lock-out would refuse every later login from here."""
    with instance(
        f"sqlite://{tmp_path / 'db.sqlite3'}", tmp_path, SERVER_RUN_WORKER="false", API_PASSWORD_GRANT="true"
    ) as server:
        server.user("bob")
        client_id, secret = register_app(server.url)
        form = {
            "grant_type": "password",
            "client_id": client_id,
            "client_secret": secret,
            "username": "throttled",
            "password": "wrong",
            "scope": "read",
        }
        statuses = [httpx.post(server.url + "/oauth/token", data=form).status_code for _ in range(6)]
        assert statuses == [400] * 5 + [429]  # five failures per address or name in the window
        locked = httpx.post(
            server.url + "/oauth/token", data={**form, "username": "bob", "password": PASSWORD}
        )
        assert locked.status_code == 429 and "Try again in" in locked.json()["error"]
        assert int(locked.headers["Retry-After"]) > 0


def test_password_grant_is_off_by_default_and_rate_limits(tmp_path):
    with instance(
        f"sqlite://{tmp_path / 'db.sqlite3'}", tmp_path, SERVER_RUN_WORKER="false", API_RATE_LIMIT="5"
    ) as server:
        meta = httpx.get(server.url + "/.well-known/oauth-authorization-server").json()
        assert "password" not in meta["grant_types_supported"]
        client_id, secret = register_app(server.url)
        refused = httpx.post(
            server.url + "/oauth/token",
            data={
                "grant_type": "password",
                "client_id": client_id,
                "client_secret": secret,
                "username": "x",
                "password": "y",
            },
        )
        assert refused.status_code == 400 and refused.json()["error"] == "unsupported_grant_type"
        answers = [httpx.get(server.url + "/api/v1/instance") for _ in range(6)]
        limited = [r for r in answers if r.status_code == 429]
        assert limited and limited[0].json()["error"] == "Too many requests"
        assert limited[0].headers["X-RateLimit-Remaining"] == "0"
        assert answers[0].status_code == 200 and answers[0].headers["X-RateLimit-Limit"] == "5"


def test_suspended_users_token_stops_working_at_once(server):
    server.user("sadie")
    client_id, secret = register_app(server.url)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=server.url)
    api.log_in("sadie", PASSWORD, allow_http=True)
    assert api.account_verify_credentials().username == "sadie"  # the token is now cached
    from tests.rig.processes import run_cli

    assert run_cli(["user", "suspend", "sadie"], server.env).returncode == 0
    refused = httpx.get(
        server.url + "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {api.access_token}"},
    )
    assert refused.status_code == 403 and refused.json()["error"] == "Your login is currently disabled"
