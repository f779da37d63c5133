"""Real `impasto run` servers for the client-API tests, driven by mastodon-py and httpx.

Servers run without the embedded worker unless a test needs it; background work is
driven by `impasto worker --until-idle` subprocesses between client calls (no sleeps).
"""

from __future__ import annotations

import io
import re
import socket
from collections.abc import Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from mastodon import Mastodon

from tests.rig.processes import RunningServer, impasto_env, run_cli, running_server

PASSWORD = "a long enough password"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
CODE = re.compile(r'class="oauth-code"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Instance:
    server: RunningServer
    env: dict[str, str]
    domain: str

    @property
    def url(self) -> str:
        return self.server.url

    def work(self) -> None:
        """Run every runnable job of this instance, then return (deterministic)."""
        result = run_cli(["worker", "--until-idle"], self.env, timeout=120)
        assert result.returncode == 0, result.stderr

    def user(self, name: str, password: str = PASSWORD) -> None:
        result = run_cli(["user", "create", name, "--password-stdin"], self.env, stdin=password)
        assert result.returncode == 0, result.stderr


@contextmanager
def instance(database_url: str, folder: Path, *, port: int | None = None,
             peers: Iterable[int] = (), **settings: str) -> Iterator[Instance]:
    """One server on a port chosen first, so its configured domain is its real address.
    It may reach exactly its own port and its `peers`' loopback ports (the SSRF guard
    stays on for every other private address)."""
    port = port or free_port()
    domain = f"127.0.0.1:{port}"
    folder.mkdir(parents=True, exist_ok=True)
    allowed = ",".join(f"127.0.0.1:{p}" for p in (port, *peers))
    env = impasto_env(
        database_url, folder, INSTANCE_DOMAIN=domain, FEDERATION_ALLOW_PRIVATE_ADDRESSES=allowed, **settings
    )
    with running_server(env, ("--bind", domain)) as server:
        yield Instance(server, env, domain)


def register_app(
    url: str,
    scopes: tuple[str, ...] = ("read", "write", "follow", "push"),
    redirect: str = "urn:ietf:wg:oauth:2.0:oob",
) -> tuple[str, str]:
    return Mastodon.create_app("impasto-tests", scopes=list(scopes), redirect_uris=redirect, api_base_url=url)


def authorize_by_page(
    client: httpx.Client, auth_url: str, username: str, password: str = PASSWORD
) -> httpx.Response:
    """What a person does: open the page, log in, approve (with the form's CSRF token)."""
    page = client.get(auth_url)
    assert page.status_code == 200, page.text
    logged_in = client.post(
        auth_url,
        data={
            "csrf_token": CSRF.search(page.text).group(1),
            "action": "login",
            "username": username,
            "password": password,
        },
    )
    assert logged_in.status_code == 200, logged_in.text
    assert "Authorize" in logged_in.text
    return client.post(
        auth_url, data={"csrf_token": CSRF.search(logged_in.text).group(1), "action": "approve"}
    )


def code_grant_login(
    url: str,
    username: str,
    scopes: tuple[str, ...] = ("read", "write", "follow", "push"),
    password: str = PASSWORD,
) -> Mastodon:
    client_id, secret = register_app(url, scopes)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=url)
    auth_url = api.auth_request_url(scopes=list(scopes), allow_http=True)
    with httpx.Client() as browser:
        answer = authorize_by_page(browser, auth_url, username, password)
    assert answer.status_code == 200, answer.text
    code = CODE.search(answer.text).group(1)
    api.log_in(code=code, scopes=list(scopes), allow_http=True)
    return api


def png_bytes(seed: int = 1, size: tuple[int, int] = (320, 240)) -> bytes:
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(seed)
    base = np.linspace(0, 255, size[0] * size[1] * 3).reshape(size[1], size[0], 3)
    pixels = (base + rng.integers(0, 40, base.shape)).clip(0, 255).astype("uint8")
    out = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(out, "PNG")
    return out.getvalue()


__all__ = ["ExitStack", "Instance", "instance"]
