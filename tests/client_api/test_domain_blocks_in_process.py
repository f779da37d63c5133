"""Per-person domain blocks through the client API, in process on SQLite and PostgreSQL:
a blocked domain's accounts leave the person's home and public timelines and
notifications (not anyone else's), its followers of the person are removed with a
Reject, the relationship says `domain_blocking`, bad input is a 422 in words, and the
scopes are Mastodon's."""

from __future__ import annotations

import re

from instance.api.entities import boost_status_id
from instance.storage.models import (
    AccountList,
    Boost,
    Follow,
    FollowState,
    ListMember,
    Notification,
    OutboxActivity,
)
from tests.client_api.inprocess import api_app, bearer, person, remote_person, work


async def web_login(app, username: str):
    client = app.test_client()
    page = await (await client.get("/login")).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = await client.post("/login", form={"csrf_token": token, "username": username,
                                               "password": "a long enough password"})
    assert answer.status_code in (302, 303)
    return client


async def ids(client, path: str, headers) -> list[str]:
    answer = await client.get(path, headers=headers)
    assert answer.status_code == 200, await answer.get_data(as_text=True)
    return [item["status"]["id"] if "status" in item and "type" in item else item["id"]
            for item in await answer.get_json()]


async def test_a_blocked_domain_is_hidden_from_one_person(database_url, tmp_path):
    async with api_app(database_url, tmp_path) as app:
        ines, lena = await person("ines"), await person("lena")
        rui, eva = await remote_person("rui", "spam.test"), await remote_person("eva", "fine.test")
        for author in (rui, eva, lena):
            await Follow.create(follower=ines, target=author, state=FollowState.ACCEPTED)
        await Follow.create(follower=rui, target=ines, state=FollowState.ACCEPTED)
        await Follow.create(follower=eva, target=ines, state=FollowState.ACCEPTED)
        spam, fine, local = (await work(rui, "buy"), await work(eva, "sea"), await work(lena, "oil"))
        mine = await work(ines, "mine")
        for who in (rui, eva):
            await Notification.create(recipient=ines, kind="favourite", from_account=who, work=mine)
        reblog = boost_status_id((await Boost.create(account=eva, work=spam)).id)  # eva shares it
        artists = await AccountList.create(owner=ines, title="Artists")
        for member in (rui, eva):
            await ListMember.create(account_list=artists, account=member)
        client = app.test_client()
        me, other = await bearer(ines), await bearer(lena)
        in_list = f"/api/v1/timelines/list/{artists.id}"
        assert {str(spam.id), str(fine.id), reblog} <= set(await ids(client, in_list, me))

        everything = {str(spam.id), str(fine.id), str(local.id)}
        assert everything | {reblog} <= set(await ids(client, "/api/v1/timelines/home", me))
        assert everything <= set(await ids(client, "/api/v1/timelines/public", me))

        done = await client.post("/api/v1/domain_blocks", headers=me, form={"domain": "Spam.Test"})
        assert done.status_code == 200 and await done.get_json() == {}
        listed = await client.get("/api/v1/domain_blocks", headers=me)
        assert await listed.get_json() == ["spam.test"]

        home = set(await ids(client, "/api/v1/timelines/home", me))
        public = set(await ids(client, "/api/v1/timelines/public", me))
        assert str(spam.id) not in home and {str(fine.id), str(local.id)} <= home
        assert reblog not in home  # nor shared by someone else
        assert set(await ids(client, in_list, me)) == {str(fine.id)}  # nor in her lists
        web = await web_login(app, "ines")
        page = await (await web.get("/home")).get_data(as_text=True)
        assert f"/works/{fine.id}\"" in page and f"/works/{spam.id}\"" not in page
        assert str(spam.id) not in public and {str(fine.id), str(local.id)} <= public
        assert str(spam.id) in set(await ids(client, "/api/v1/timelines/public", other))  # only hers
        notes = await (await client.get("/api/v1/notifications", headers=me)).get_json()
        assert [n["account"]["acct"] for n in notes] == ["eva@fine.test"]
        grouped = await (await client.get("/api/v2/notifications", headers=me)).get_json()
        assert {a["acct"] for a in grouped["accounts"]} == {"eva@fine.test"}
        relation = await (await client.get(f"/api/v1/accounts/relationships?id[]={rui.id}&id[]={eva.id}",
                                           headers=me)).get_json()
        assert [r["domain_blocking"] for r in relation] == [True, False]

        # her follower from there is removed (a Reject tells its server); the other stays
        assert not await Follow.exists(follower_id=rui.id, target_id=ines.id)
        assert await Follow.exists(follower_id=eva.id, target_id=ines.id)
        assert await Follow.exists(follower_id=ines.id, target_id=rui.id)  # hers are kept
        assert await OutboxActivity.exists(account_id=ines.id, activity_type="Reject")

        # bad input: a 422 that says why; nothing stored
        for bad, words in (("", "Give the domain"), ("not a domain!", "is not a domain name"),
                           ("a" * 300 + ".test", "at most 253 characters"),
                           ("art.test", "own domain")):
            refused = await client.post("/api/v1/domain_blocks", headers=me, form={"domain": bad})
            assert refused.status_code == 422, bad
            assert words in (await refused.get_json())["error"], bad
        assert await (await client.get("/api/v1/domain_blocks", headers=me)).get_json() == ["spam.test"]

        # scopes: read:blocks lists, write:blocks (or follow) blocks
        reader = await bearer(ines, "read:blocks")
        assert (await client.get("/api/v1/domain_blocks", headers=reader)).status_code == 200
        assert (await client.post("/api/v1/domain_blocks", headers=reader,
                                  form={"domain": "x.test"})).status_code == 403
        follow_only = await bearer(ines, "follow")
        assert (await client.post("/api/v1/domain_blocks", headers=follow_only,
                                  form={"domain": "x.test"})).status_code == 200
        assert (await client.get("/api/v1/domain_blocks", headers=await bearer(ines, "read:statuses"))
                ).status_code == 403

        gone = await client.delete("/api/v1/domain_blocks?domain=spam.test", headers=me)
        assert gone.status_code == 200
        assert await (await client.get("/api/v1/domain_blocks", headers=me)).get_json() == ["x.test"]
        assert str(spam.id) in set(await ids(client, "/api/v1/timelines/home", me))


async def test_a_blocked_domain_is_left_out_of_the_user_stream(database_url, tmp_path):
    """The `user` stream (works of followed accounts and notifications) leaves out a
    blocked domain's accounts; the stream is read as the SSE view reads it."""
    import asyncio

    from instance.actions.domain_blocks import block_domain
    from instance.api.streaming import _stream

    async with api_app(database_url, tmp_path) as app:
        services = app.extensions["impasto"]
        ines = await person("ines")
        rui, eva = await remote_person("rui", "spam.test"), await remote_person("eva", "fine.test")
        for author in (rui, eva):
            await Follow.create(follower=ines, target=author, state=FollowState.ACCEPTED)
        await block_domain(services, ines, "spam.test")
        async with app.test_request_context("/api/v1/streaming/user"):
            stream = _stream("user", ines.id, False)
            assert await anext(stream) == (None, ":)")
            spam, fine = await work(rui, "buy"), await work(eva, "sea")
            for who in (rui, eva):
                await Notification.create(recipient=ines, kind="favourite", from_account=who)
            updates, notified = [], []
            # A poll sends new works, then new notifications, each oldest first: rui's came
            # first, so had they not been left out they would be seen before eva's.
            while not notified:
                name, payload = await asyncio.wait_for(anext(stream), 30)
                if name == "update":
                    updates.append(payload["id"])
                elif name == "notification":
                    notified.append(payload["account"]["acct"])
            await stream.aclose()
        assert updates == [str(fine.id)] and str(spam.id) not in updates
        assert notified == ["eva@fine.test"]
