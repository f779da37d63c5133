"""The lean ASGI path for POST /inbox and /users/<name>/inbox answers exactly as Quart's
inbox views do (status, body, headers), for an accepted activity, a replay and each
refusal, and leaves every other request to Quart. SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest

from federation.keys import generate_rsa_keypair
from federation.signatures import sign_request
from instance.storage.models import Account, InboxItem
from instance.web.inbox_fast_path import InboxFastPath
from tests.client_api.inprocess import api_app, person

ACTOR = "https://far.example/users/pix"
VARYING = ("date", "server")  # set by the server, not by either path


def create(n: str) -> bytes:
    return json.dumps({
        "@context": "https://www.w3.org/ns/activitystreams", "type": "Create", "actor": ACTOR,
        "id": f"{ACTOR}/notes/{n}/activity",
        "object": {"id": f"{ACTOR}/notes/{n}", "type": "Note", "attributedTo": ACTOR,
                   "content": "<p>Oil on linen</p>"},
    }).encode()


def signed(path: str, body: bytes, private_pem: str, **extra: str) -> dict[str, str]:
    headers = sign_request("POST", f"https://art.test{path}",
                           {"Content-Type": "application/activity+json"}, body,
                           f"{ACTOR}#main-key", private_pem)
    return {**headers, "X-Request-Id": "fixed", **extra}


async def answer(app: Any, lean: bool, path: str, body: bytes, headers: dict[str, str]):
    fast_path = app.extensions["impasto.inbox_fast_path"]
    app.asgi_app = fast_path if lean else fast_path.inner
    response = await app.test_client().post(path, data=body, headers=headers)
    shown = sorted((k.lower(), v) for k, v in response.headers.items() if k.lower() not in VARYING)
    return response.status_code, await response.get_data(), shown


async def both(app: Any, path: str, body: Any, headers: Any) -> tuple[Any, Any]:
    """The same request (each path its own copy: `body`/`headers` may be callables of a
    tag) through the lean path and through Quart."""
    results = []
    for lean in (True, False):
        tag = "lean" if lean else "quart"
        results.append(await answer(app, lean, path, body(tag) if callable(body) else body,
                                    headers(tag) if callable(headers) else headers))
    return results[0], results[1]


async def test_lean_path_answers_as_the_quart_views_do(database_url, tmp_path):
    private_pem, public_pem = generate_rsa_keypair()
    async with api_app(database_url, tmp_path) as app:
        fast_path: InboxFastPath = app.extensions["impasto.inbox_fast_path"]
        await person("host")
        await Account.create(ap_id=ACTOR, username="pix", domain="far.example",
                             inbox_url=f"{ACTOR}/inbox", public_key_id=f"{ACTOR}#main-key",
                             public_key_pem=public_pem)
        limit = app.extensions["impasto"].config.federation.max_inbox_bytes
        bodies = {tag: create(f"{tag}-1") for tag in ("lean", "quart")}
        first = {tag: signed("/inbox", bodies[tag], private_pem) for tag in bodies}
        cases: list[tuple[str, Any, Any, int]] = [
            ("/inbox", bodies.get, first.get, 202),
            ("/inbox", bodies.get, first.get, 401),  # the very same signature again
            ("/users/host/inbox", lambda t: create(f"{t}-2"),
             lambda t: signed("/users/host/inbox", create(f"{t}-2"), private_pem), 202),
            ("/users/nobody/inbox", create("x"), signed("/users/nobody/inbox", create("x"),
                                                        private_pem), 404),
            ("/inbox", b"{}", {"Content-Type": "text/plain", "X-Request-Id": "fixed"}, 415),
            ("/inbox", b"{not json", {"Content-Type": "application/activity+json",
                                      "X-Request-Id": "fixed"}, 400),
            ("/inbox", b"[]", {"Content-Type": "application/activity+json",
                               "X-Request-Id": "fixed"}, 400),
            ("/inbox", create("unsigned"), {"Content-Type": "application/activity+json",
                                             "X-Request-Id": "fixed"}, 401),
            ("/inbox", b"x" * (limit + 1), {"Content-Type": "application/activity+json",
                                            "X-Request-Id": "fixed"}, 413),
        ]
        for path, body, headers, status in cases:
            before = fast_path.answered
            lean, quart = await both(app, path, body, headers)
            assert lean[0] == status, (path, status, lean)
            assert lean == quart, (path, status)
            assert fast_path.answered == before + 1
        assert await InboxItem.all().count() == 4

        before = fast_path.answered  # everything else is Quart's
        for path in ("/inbox/", "/users/host/inbox/x", "/actor/inbox"):
            lean, quart = await both(app, path, create("other"), {"X-Request-Id": "fixed"})
            assert lean == quart
        assert fast_path.answered == before


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_client_gone_before_its_body_gets_no_answer_and_nothing_stored(database_url,
                                                                                tmp_path):
    async with api_app(database_url, tmp_path) as app:
        fast_path: InboxFastPath = app.extensions["impasto.inbox_fast_path"]
        sent: list[dict[str, Any]] = []

        async def gone() -> dict[str, Any]:
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {"type": "http", "method": "POST", "path": "/inbox", "query_string": b"",
                 "root_path": "", "headers": [(b"content-type", b"application/activity+json")]}
        await fast_path(scope, gone, send)
        assert sent == [] and await InboxItem.all().count() == 0


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_database_away_or_a_bug_is_answered_as_the_app_answers_it(database_url, tmp_path,
                                                                          monkeypatch):
    """503 with Retry-After while the database is away (peers retry), 500 for a bug: the
    same page and headers as Quart's error handlers give."""
    from inbox import receive
    from instance.web import inbox_fast_path

    async with api_app(database_url, tmp_path) as app:
        for failure, status in ((ConnectionRefusedError("database restarting"), 503),
                                (RuntimeError("a bug"), 500)):
            async def failing(*_args: Any, exc: Exception = failure) -> Any:
                raise exc

            monkeypatch.setattr(inbox_fast_path, "receive_activity", failing)
            monkeypatch.setattr(receive, "receive_activity", failing)  # Quart's views
            headers = {"Content-Type": "application/activity+json", "X-Request-Id": "fixed"}
            lean, quart = await both(app, "/inbox", create("z"), headers)
            assert lean[0] == status
            assert lean == quart
