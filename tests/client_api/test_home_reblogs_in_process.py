"""The home timeline's reblogs, in process on SQLite and PostgreSQL: reblogs of works the
reader may not see (private, hidden) are left out before the page is cut, so they
neither show nor make the page short of older items it should carry."""

from __future__ import annotations

from instance.api.entities import boost_status_id
from instance.storage.models import Boost, Follow, FollowState
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
