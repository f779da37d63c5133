"""Settings → Moving, in process (create_app + test_client), SQLite and PostgreSQL: the
forms need the CSRF token and (to move) the password; a move to an account that does not
list this one is a 422 naming the problem with nothing changed; adding and removing an
alias; a move between two accounts on this server takes the local follower along, the
old profile says where the artist went, new follows of it are refused (web and API), and
the API's Account entity carries `moved`."""

from __future__ import annotations

import re

import pytest

from instance.actions import social
from instance.actors.accounts import create_local_user
from instance.app import create_app
from instance.config import load_config
from instance.services import build_services, close_services
from instance.storage import db
from instance.storage.models import Account, Follow, OutboxActivity
from instance.urls import LocalUrls
from tests.client_api.inprocess import bearer

PASSWORD = "a long enough password"


def token_of(body: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', body)
    assert found, body[:300]
    return found.group(1)


@pytest.fixture
async def app(database_url, tmp_path):
    config = load_config(environ={
        "IMPASTO_DATABASE_URL": database_url, "IMPASTO_MEDIA_PATH": str(tmp_path / "media"),
        "IMPASTO_SERVER_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "IMPASTO_SERVER_RUN_WORKER": "false",
    })
    await db.connect(database_url)
    services = build_services(config)
    try:
        for name in ("olga", "nova", "finn", "gus"):
            await create_local_user(LocalUrls(config.base_url), name, PASSWORD)
        olga = await Account.get(username="olga", domain=None)
        await social.follow(services, await Account.get(username="finn", domain=None), olga)
    finally:
        await close_services(services)
        await db.disconnect()
    application = create_app(config)
    async with application.test_app():
        yield application


async def log_in(client, username: str) -> None:
    page = await client.get("/login")
    response = await client.post("/login", form={
        "csrf_token": token_of(await page.get_data(as_text=True)), "username": username,
        "password": PASSWORD})
    assert response.status_code in (302, 303), await response.get_data(as_text=True)


async def submit(client, action: str, **fields: str):
    page = await client.get("/settings/moving")
    assert page.status_code == 200
    form = {"csrf_token": token_of(await page.get_data(as_text=True)), **fields}
    return await client.post(f"/settings/moving/{action}", form=form)


async def test_forms_need_the_token_and_the_password(app):
    client = app.test_client()
    await log_in(client, "olga")
    settings = await (await client.get("/settings")).get_data(as_text=True)
    assert "/settings/moving" in settings
    forged = await client.post("/settings/moving/move",
                               form={"handle": "@nova", "password": PASSWORD})
    assert forged.status_code == 400
    no_token = await client.post("/settings/moving/aliases", form={"handle": "@nova@x.test"})
    assert no_token.status_code == 400
    wrong = await submit(client, "move", handle="nova@localhost", password="wrong")
    assert wrong.status_code == 422
    assert "password is not right" in await wrong.get_data(as_text=True)
    assert (await Account.get(username="olga", domain=None)).moved_to_id is None


async def test_move_here_takes_followers_and_refuses_new_ones(app):
    olga_client, nova_client = app.test_client(), app.test_client()
    await log_in(olga_client, "olga")
    await log_in(nova_client, "nova")
    domain = app.extensions["impasto"].config.instance.domain
    olga = await Account.get(username="olga", domain=None)
    nova = await Account.get(username="nova", domain=None)

    refused = await submit(olga_client, "move", handle=f"@nova@{domain}", password=PASSWORD)
    text = await refused.get_data(as_text=True)
    assert refused.status_code == 422 and "does not list this account" in text
    assert (await Account.get(id=olga.id)).moved_to_id is None
    assert await Follow.filter(target_id=olga.id, follower__username="finn").exists()
    assert not await OutboxActivity.filter(activity_type="Move").exists()

    bad = await submit(nova_client, "aliases", handle="no handle at all")
    assert bad.status_code == 422 and "neither" in await bad.get_data(as_text=True)
    nobody = await submit(nova_client, "aliases", handle=olga.ap_id + "-not")
    assert nobody.status_code == 404 and "no account at" in await nobody.get_data(as_text=True)
    for spelling in (f"@olga@{domain}", "@olga", olga.ap_id):  # handles, the actor's URL
        added = await submit(nova_client, "aliases", handle=spelling)
        assert added.status_code == 302, await added.get_data(as_text=True)
        assert (await Account.get(id=nova.id)).also_known_as == [olga.ap_id]
    assert olga.ap_id in await (await nova_client.get("/settings/moving")).get_data(as_text=True)

    moved = await submit(olga_client, "move", handle=f"@nova@{domain}", password=PASSWORD)
    assert moved.status_code == 302, await moved.get_data(as_text=True)
    assert (await Account.get(id=olga.id)).moved_to_id == nova.id
    follows = await Follow.filter(follower__username="finn").prefetch_related("target")
    assert [(f.target.username, f.state) for f in follows] == [("nova", "accepted")]

    profile = await (await app.test_client().get("/@olga")).get_data(as_text=True)
    assert "This artist has moved to" in profile and "/@nova" in profile

    gus_client = app.test_client()
    await log_in(gus_client, "gus")
    page = await gus_client.get("/@olga")
    follow = await gus_client.post(f"/accounts/{olga.id}/follow", form={
        "csrf_token": token_of(await page.get_data(as_text=True))})
    assert follow.status_code == 422 and "has moved" in await follow.get_data(as_text=True)
    assert not await Follow.filter(follower__username="gus").exists()

    gus = await Account.get(username="gus", domain=None)
    api_follow = await app.test_client().post(f"/api/v1/accounts/{olga.id}/follow",
                                              headers=await bearer(gus))
    assert api_follow.status_code == 422
    assert "has moved" in (await api_follow.get_json())["error"]
    assert not await Follow.filter(follower_id=gus.id).exists()

    entity = await (await app.test_client().get(f"/api/v1/accounts/{olga.id}")).get_json()
    assert entity["moved"]["id"] == str(nova.id) and entity["moved"]["acct"] == "nova"

    removed = await submit(nova_client, "aliases/remove", alias=olga.ap_id)
    assert removed.status_code == 302
    assert (await Account.get(id=nova.id)).also_known_as == []
