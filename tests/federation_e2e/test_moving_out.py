"""Moving out between three real Impasto instances (real processes, real signatures): the
artist on A moves to their new account on B through A's web form; their follower on A
and their follower on C both end up following the B account and not the old one. A move
to an account that does not list the old one is refused with the reason, and nothing
changes or is sent. After the move A refuses new followers of the old account."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from instance.actions import social
from instance.actions.moving import MoveError, move_account
from instance.actors.remote import fetch_document, resolve_acct
from instance.storage.models import Account, Follow, OutboxActivity
from tests.conftest import create_postgres_database, drop_postgres_database, require_postgres
from tests.federation_e2e.test_two_instances import PASSWORD, exchange, user
from tests.rig.peers import make_peer, serving
from tests.rig.signing import post_signed

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
AS = "https://www.w3.org/ns/activitystreams"


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def trio(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp(f"moving-{request.param}")
    urls: list[str | None] = [None, None, None]
    if request.param == "postgres":
        require_postgres()
        urls = [asyncio.run(create_postgres_database()) for _ in range(3)]
    peers = tuple(make_peer(name, tmp, url) for name, url in zip("abc", urls, strict=True))
    try:
        with serving(*peers):
            yield peers
    finally:
        for url in urls:
            if url:
                asyncio.run(drop_postgres_database(url))


async def token(client: httpx.AsyncClient, url: str) -> str:
    page = await client.get(url)
    assert page.status_code == 200, page.text
    found = TOKEN.search(page.text)
    assert found is not None, page.text[:300]
    return found.group(1)


async def log_in(client: httpx.AsyncClient, peer, username: str) -> None:
    form = {"csrf_token": await token(client, f"{peer.url}/login"), "username": username,
            "password": PASSWORD}
    answer = await client.post(f"{peer.url}/login", data=form)
    assert answer.status_code in (302, 303), answer.text


async def submit(client: httpx.AsyncClient, peer, action: str, **fields: str) -> httpx.Response:
    """A form of the Moving page, sent with the page's CSRF token."""
    form = {"csrf_token": await token(client, f"{peer.url}/settings/moving"), **fields}
    return await client.post(f"{peer.url}/settings/moving/{action}", data=form)


async def fetched(peer, url: str) -> dict:
    """An actor document as `peer` fetches it (signed by its instance actor)."""
    async with peer.open() as services:
        return await fetch_document(services, url)


async def account(peer, name: str, domain: str | None = None) -> Account:
    async with peer.open():
        return await Account.get(username=name, domain=domain)


async def test_move_takes_followers_here_and_elsewhere(trio):
    a, b, c = trio
    await user(a, "vera")
    await user(a, "alba")
    await user(b, "vera2")
    await user(c, "cleo")
    async with a.open() as services:
        vera = await Account.get(username="vera", domain=None)
        await social.follow(services, await Account.get(username="alba", domain=None), vera)
    async with c.open() as services:
        cleo = await Account.get(username="cleo", domain=None)
        await social.follow(services, cleo, await resolve_acct(services, "vera", a.domain))
    await exchange(c, a, c)  # Follow → A; Accept → C
    new_handle = f"@vera2@{b.domain}"
    async with a.open():
        sent_before = await OutboxActivity.all().count()

    async with httpx.AsyncClient() as web_a, httpx.AsyncClient() as web_b:
        await log_in(web_a, a, "vera")
        # B's account does not list A's yet: refused, with the reason, nothing written.
        refused = await submit(web_a, a, "move", handle=new_handle, password=PASSWORD)
        assert refused.status_code == 422, refused.text
        assert "does not list this account" in refused.text and "as an alias" in refused.text
        assert "alsoKnownAs" not in refused.text  # words for a person, not the property's name
        async with a.open():
            assert (await Account.get(id=vera.id)).moved_to_id is None
            assert await OutboxActivity.all().count() == sent_before  # no Move, no Update
            assert await Follow.filter(target_id=vera.id, state="accepted").count() == 2

        wrong = await submit(web_a, a, "move", handle=new_handle, password="not it")
        assert wrong.status_code == 422 and "password" in wrong.text

        # Moving in on B: vera2 lists vera as an alias (WebFinger + actor fetch of A's).
        await log_in(web_b, b, "vera2")
        added = await submit(web_b, b, "aliases", handle=f"@vera@{a.domain}")
        assert added.status_code == 302, added.text
        assert "Alias" in added.headers["location"], added.headers["location"]
        assert (await fetched(c, f"{b.url}/users/vera2"))["alsoKnownAs"] == [vera.ap_id]

        moved = await submit(web_a, a, "move", handle=new_handle, password=PASSWORD)
        assert moved.status_code == 302, moved.text
        assert (await fetched(c, vera.ap_id))["movedTo"] == f"{b.url}/users/vera2"
        profile = await web_a.get(f"{a.url}/@vera")
        assert "This artist has moved to" in profile.text and f"vera2@{b.domain}" in profile.text

    async with a.open():
        move = await OutboxActivity.get(activity_type="Move")
        doc = move.document
        assert (doc["actor"], doc["object"], doc["target"]) == (
            vera.ap_id, vera.ap_id, f"{b.url}/users/vera2")
        assert move.delivered_to == [f"{c.url}/inbox"]  # C's shared inbox, once
    await exchange(a, b, c, a, b, c, a)  # Follow/Move out; Accept; Undo+Follow; Accepts

    async with a.open():
        assert not await Follow.filter(target_id=vera.id).exists()
        alba = await Follow.get(follower__username="alba").prefetch_related("target")
        assert (alba.target.ap_id, alba.state) == (f"{b.url}/users/vera2", "accepted")
    async with b.open():
        vera2 = await Account.get(username="vera2", domain=None)
        followers = await Follow.filter(target_id=vera2.id).prefetch_related("follower")
        assert sorted((f.follower.ap_id, f.state) for f in followers) == sorted([
            (f"{a.url}/users/alba", "accepted"), (f"{c.url}/users/cleo", "accepted")])
        assert vera2.followers_count == 2
    async with c.open():
        follows = await Follow.filter(follower_id=cleo.id).prefetch_related("target")
        assert [(f.target.ap_id, f.state) for f in follows] == [
            (f"{b.url}/users/vera2", "accepted")]
        assert (await Account.get(ap_id=vera.ap_id)).moved_to_id is not None

    # From now on the old account takes no new followers: here, and from elsewhere.
    await user(a, "nina")
    async with a.open() as services:
        with pytest.raises(social.SocialError, match="moved"):
            await social.follow(services, await Account.get(username="nina", domain=None),
                                await Account.get(id=vera.id))
    await user(c, "carl")
    carl = await account(c, "carl")
    follow = {"@context": AS, "id": f"{carl.ap_id}#follows/1", "type": "Follow",
              "actor": carl.ap_id, "object": vera.ap_id}
    assert post_signed(f"{a.url}/inbox", carl, follow) == 202
    await exchange(a)
    async with a.open():
        assert not await Follow.filter(target_id=vera.id).exists()
        reject = await OutboxActivity.get(activity_type="Reject")
        assert reject.document["object"]["id"] == follow["id"]
        assert reject.delivered_to == [f"{c.url}/users/carl/inbox"]


async def test_moving_to_an_account_that_does_not_list_this_one_changes_nothing(trio):
    a, b, _ = trio
    await user(a, "otto")
    await user(b, "stranger")
    async with a.open() as services:
        otto = await Account.get(username="otto", domain=None)
        before = await OutboxActivity.all().count()
        with pytest.raises(MoveError, match="does not list this account") as refused:
            await move_account(services, otto, f"@stranger@{b.domain}")
        assert refused.value.status == 422
        with pytest.raises(MoveError, match="neither"):
            await move_account(services, otto, "not a handle")
        assert (await Account.get(id=otto.id)).moved_to_id is None
        assert await OutboxActivity.all().count() == before
