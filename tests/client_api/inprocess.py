"""In-process helpers for client-API tests: the app on a test database, people, works
and bearer tokens made directly in the database (no server process, no OAuth dance)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from instance.actors.accounts import create_local_user
from instance.api.oauth.tokens import issue_token, new_secret
from instance.app import create_app
from instance.config import load_config
from instance.storage.models import Account, OAuthApplication, Tag, User, Work
from instance.urls import LocalUrls


@asynccontextmanager
async def api_app(database_url: str, tmp_path: Path) -> AsyncIterator[Any]:
    """The app serving (database connected) for one test."""
    config = load_config(environ={
        "IMPASTO_INSTANCE_DOMAIN": "art.test",
        "IMPASTO_DATABASE_URL": database_url, "IMPASTO_MEDIA_PATH": str(tmp_path / "media"),
        "IMPASTO_SERVER_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "IMPASTO_SERVER_RUN_WORKER": "false", "IMPASTO_API_RATE_LIMIT": "100000",
    })
    app = create_app(config)
    async with app.test_app():
        yield app


async def person(name: str) -> Account:
    user = await create_local_user(LocalUrls("https://art.test"), name, "a long enough password")
    return await Account.get(id=user.account_id)


async def bearer(account: Account, scopes: str = "read write follow") -> dict[str, str]:
    application = await OAuthApplication.create(
        name="tests", client_id=new_secret(16), client_secret=new_secret(), scopes=scopes)
    user = await User.get(account_id=account.id)
    token, _ = await issue_token(application, user, scopes.split())
    return {"Authorization": f"Bearer {token}"}


async def work(account: Account, text: str = "a painting", **fields: Any) -> Work:
    fields.setdefault("published_at", datetime.now(UTC))
    return await Work.create(ap_id=f"https://art.test/works/{new_secret(8)}", account=account,
                             content=f"<p>{text}</p>", content_source=text, **fields)


async def remote_person(name: str, domain: str = "elsewhere.test") -> Account:
    return await Account.create(ap_id=f"https://{domain}/users/{name}", username=name, domain=domain)


async def tagged(made: Work, *names: str) -> Work:
    for name in names:
        tag, _ = await Tag.get_or_create(name=name)
        await made.tags.add(tag)
    return made
