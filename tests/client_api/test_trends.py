"""Trends in-process on SQLite and PostgreSQL: statuses ranked by the likes, boosts and
replies of the last days, public works only (local and federated), none from silenced
or suspended domains, none engaged with only long ago; tags ranked from the same works
and their posters, with Mastodon's Tag entity and daily history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from instance.storage.models import Boost, DomainPolicy, Like
from tests.client_api.inprocess import api_app, bearer, person, remote_person, tagged, work


async def test_trends(database_url, tmp_path):
    async with api_app(database_url, tmp_path) as app:
        client = app.test_client()
        mira, fans = await person("mira"), [await person(f"fan{i}") for i in range(5)]
        far, hushed, gone = (await remote_person("olu"), await remote_person("loud", "silenced.test"),
                             await remote_person("bad", "suspended.test"))
        await DomainPolicy.create(domain="silenced.test", severity="silence")
        await DomainPolicy.create(domain="suspended.test", severity="suspend")
        top = await tagged(await work(mira, "a gouache"), "gouache")
        second = await tagged(await work(far, "an ink drawing", local=False), "ink")
        unlisted = await work(mira, "unlisted", visibility="unlisted")
        silenced = await tagged(await work(hushed, "spam", local=False), "spam")
        suspended = await tagged(await work(gone, "worse spam", local=False), "spam")
        old = await work(mira, "liked long ago")

        for fan in fans[:3]:
            await Like.create(account=fan, work=top)
        await Boost.create(account=fans[3], work=top, ap_id="https://art.test/boosts/1")
        await work(fans[4], "lovely", in_reply_to=top)
        await Like.create(account=fans[0], work=second)
        for fan in fans:
            await Like.create(account=fan, work=unlisted)
            await Like.create(account=fan, work=silenced)
            await Like.create(account=fan, work=suspended)
        for fan in fans[:4]:
            await Like.create(account=fan, work=old)
        await Like.filter(work=old).update(created_at=datetime.now(UTC) - timedelta(days=10))

        answer = await client.get("/api/v1/trends/statuses")
        assert answer.status_code == 200
        assert [s["id"] for s in await answer.get_json()] == [str(top.id), str(second.id)]
        paged = await (await client.get("/api/v1/trends/statuses?limit=1&offset=1")).get_json()
        assert [s["id"] for s in paged] == [str(second.id)]

        headers = await bearer(fans[0])
        tags = await (await client.get("/api/v1/trends/tags", headers=headers)).get_json()
        assert [t["name"] for t in tags] == ["gouache", "ink"]
        assert tags[0]["following"] is False and len(tags[0]["history"]) == 7
        assert tags[0]["history"][0] == {"day": tags[0]["history"][0]["day"], "uses": "1", "accounts": "1"}
        legacy = await (await client.get("/api/v1/trends")).get_json()
        assert [t["name"] for t in legacy] == ["gouache", "ink"]
        bad = await client.get("/api/v1/trends/tags?limit=many")
        assert bad.status_code == 422
