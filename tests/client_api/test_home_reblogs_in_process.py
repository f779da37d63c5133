"""The home timeline's reblogs, in process on SQLite and PostgreSQL: reblogs of works the
reader may not see (private, hidden) are left out before the page is cut, so they
neither show nor make the page short of older items it should carry; and pages cut at a
reblog or at a work continue where they left off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from instance.api.entities import boost_status_id
from instance.storage.models import Account, Boost, Follow, FollowState, WorkState
from instance.storage.visibility import shown_works
from tests.client_api.inprocess import api_app, bearer, person, work


async def test_unseen_reblogs_do_not_cut_the_page_short(database_url, tmp_path):
    async with api_app(database_url, tmp_path) as app:
        ines, eva, lena = await person("ines"), await person("eva"), await person("lena")
        await Follow.create(follower=ines, target=eva, state=FollowState.ACCEPTED)
        older = await work(eva, "an older study")
        shared = await work(lena, "a public harbour")
        seen = await Boost.create(account=eva, work=shared)
        for text, fields in (("for followers", {"visibility": "private"}), ("taken down", {"hidden": True})):
            await Boost.create(account=eva, work=await work(lena, text, **fields))
        answer = await app.test_client().get("/api/v1/timelines/home?limit=2", headers=await bearer(ines))
        assert answer.status_code == 200
        assert [s["id"] for s in await answer.get_json()] == [str(boost_status_id(seen.id)), str(older.id)]


async def test_paging_across_reblogs_reaches_each_item_once(database_url, tmp_path):
    """Pages cut at a reblog continue by its time, at a work by its id, both ways."""
    async with api_app(database_url, tmp_path) as app:
        ines, eva, lena = await person("ines"), await person("eva"), await person("lena")
        await Follow.create(follower=ines, target=eva, state=FollowState.ACCEPTED)
        start, order = datetime(2026, 1, 1, tzinfo=UTC), []
        for n in range(5):  # eva's works and eva's reblogs of lena's, alternating in time
            when = start + timedelta(minutes=n)
            if n % 2 == 0:
                order.append(str((await work(eva, f"study {n}", published_at=when)).id))
            else:
                boost = await Boost.create(account=eva, work=await work(lena, f"harbour {n}"))
                await Boost.filter(id=boost.id).update(created_at=when)
                order.append(str(boost_status_id(boost.id)))
        newest_first, headers, client = order[::-1], await bearer(ines), app.test_client()

        async def page(query: str) -> list[str]:
            answer = await client.get(f"/api/v1/timelines/home?limit=2&{query}", headers=headers)
            assert answer.status_code == 200
            return [s["id"] for s in await answer.get_json()]

        seen, query = [], ""
        while batch := await page(query):
            seen += batch
            query = f"max_id={batch[-1]}"
        assert seen == newest_first
        assert await page(f"min_id={order[1]}") == [order[3], order[2]]
        assert await page(f"since_id={order[2]}") == [order[4], order[3]]


async def test_home_shows_what_the_visibility_rule_shows(database_url, tmp_path):
    """The hand-written home query and the ORM's `shown` rule agree on every way a work
    can be kept from readers (state, hidden, deleted, suspended author), for works and
    for the reblogs of them."""
    async with api_app(database_url, tmp_path) as app:
        ines, eva, lena = await person("ines"), await person("eva"), await person("lena")
        gone = await person("gone")
        for followed in (eva, gone):
            await Follow.create(follower=ines, target=followed, state=FollowState.ACCEPTED)
        made = [await work(eva, "ready"), await work(eva, "hidden", hidden=True),
                await work(eva, "processing", state=WorkState.PROCESSING),
                await work(eva, "deleted", deleted_at=datetime.now(UTC)),
                await work(gone, "by a suspended account")]
        shared = [await work(lena, "reblogged", hidden=n == 1) for n in range(2)]
        boosts = [await Boost.create(account=eva, work=w) for w in shared]
        await Account.filter(id=gone.id).update(suspended=True)
        answer = await app.test_client().get("/api/v1/timelines/home?limit=40",
                                             headers=await bearer(ines))
        shown_ids = set(await shown_works().filter(id__in=[w.id for w in made + shared])
                        .values_list("id", flat=True))
        expected = {str(w.id) for w in made if w.id in shown_ids}
        expected |= {str(boost_status_id(b.id)) for b, w in zip(boosts, shared, strict=True)
                     if w.id in shown_ids}
        assert {s["id"] for s in await answer.get_json()} == expected
        assert len(expected) == 2  # the ready work and the reblog of the shown one
