"""Followed and featured hashtags in-process on SQLite and PostgreSQL: a tag's entity
(history, following), follow/unfollow with scopes checked, the followed list, public
works carrying a followed tag (local and federated) joining home but not unlisted or
private ones, and featured tags with their suggestions and the public account list."""

from __future__ import annotations

from instance.storage.models import Tag
from tests.client_api.inprocess import api_app, bearer, person, remote_person, tagged, work


async def test_followed_tags_and_home(database_url, tmp_path):
    async with api_app(database_url, tmp_path) as app:
        client = app.test_client()
        mira, ines = await person("mira"), await person("ines")
        far = await remote_person("olu")
        headers = await bearer(mira)
        local = await tagged(await work(ines, "a gouache study"), "gouache")
        remote = await tagged(await work(far, "a federated gouache", local=False), "gouache")
        hidden = await tagged(await work(ines, "unlisted gouache", visibility="unlisted"), "gouache")
        other = await tagged(await work(ines, "an etching"), "etching")

        async def home() -> list[str]:
            answer = await client.get("/api/v1/timelines/home", headers=headers)
            assert answer.status_code == 200
            return [s["id"] for s in await answer.get_json()]

        assert await home() == []
        shown = await (await client.get("/api/v1/tags/Gouache", headers=headers)).get_json()
        assert shown["name"] == "gouache" and shown["following"] is False
        assert len(shown["history"]) == 7 and shown["history"][0]["uses"] == "2"
        assert shown["history"][0]["accounts"] == "2"
        anonymous = await (await client.get("/api/v1/tags/gouache")).get_json()
        assert "following" not in anonymous
        assert (await client.get("/api/v1/tags/nosuchtag", headers=headers)).status_code == 404
        assert (await client.get("/api/v1/tags/12345", headers=headers)).status_code == 404

        read_only = await bearer(mira, "read")
        refused = await client.post("/api/v1/tags/gouache/follow", headers=read_only)
        assert refused.status_code == 403
        followed = await client.post("/api/v1/tags/gouache/follow", headers=headers)
        assert (await followed.get_json())["following"] is True
        again = await client.post("/api/v1/tags/gouache/follow", headers=headers)
        assert again.status_code == 200
        new = await client.post("/api/v1/tags/brandnew/follow", headers=headers)
        assert new.status_code == 200 and await Tag.filter(name="brandnew").exists()
        bad = await client.post("/api/v1/tags/no%20spaces/follow", headers=headers)
        assert bad.status_code == 404

        listed = await (await client.get("/api/v1/followed_tags", headers=headers)).get_json()
        assert sorted(t["name"] for t in listed) == ["brandnew", "gouache"]
        assert all(t["following"] for t in listed)

        timeline = await home()
        assert timeline == [str(remote.id), str(local.id)]
        assert str(hidden.id) not in timeline and str(other.id) not in timeline

        await client.post("/api/v1/tags/gouache/unfollow", headers=headers)
        assert await home() == []
        listed = await (await client.get("/api/v1/followed_tags", headers=headers)).get_json()
        assert [t["name"] for t in listed] == ["brandnew"]


async def test_featured_tags(database_url, tmp_path):
    async with api_app(database_url, tmp_path) as app:
        client = app.test_client()
        mira = await person("mira")
        headers = await bearer(mira)
        for _ in range(2):
            await tagged(await work(mira, "ink"), "ink", "sketch")
        await tagged(await work(mira, "oil"), "oil")

        suggested = await (await client.get("/api/v1/featured_tags/suggestions", headers=headers)).get_json()
        assert [t["name"] for t in suggested] == ["ink", "sketch", "oil"]
        made = await client.post("/api/v1/featured_tags", headers=headers, json={"name": "#Ink"})
        assert made.status_code == 200
        body = await made.get_json()
        assert (body["name"], body["statuses_count"]) == ("ink", "2") and body["last_status_at"]
        twice = await client.post("/api/v1/featured_tags", headers=headers, json={"name": "ink"})
        assert twice.status_code == 422
        for bad in ("", "two words", "123"):
            refused = await client.post("/api/v1/featured_tags", headers=headers, json={"name": bad})
            assert refused.status_code == 422, bad
        read_only = await bearer(mira, "read")
        assert (await client.post("/api/v1/featured_tags", headers=read_only,
                                  json={"name": "oil"})).status_code == 403

        suggested = await (await client.get("/api/v1/featured_tags/suggestions", headers=headers)).get_json()
        assert "ink" not in [t["name"] for t in suggested]
        mine = await (await client.get("/api/v1/featured_tags", headers=headers)).get_json()
        assert [t["name"] for t in mine] == ["ink"]
        public = await (await client.get(f"/api/v1/accounts/{mira.id}/featured_tags")).get_json()
        assert public == mine

        gone = await client.delete(f"/api/v1/featured_tags/{body['id']}", headers=headers)
        assert gone.status_code == 200
        twice = await client.delete(f"/api/v1/featured_tags/{body['id']}", headers=headers)
        assert twice.status_code == 404
        assert await (await client.get("/api/v1/featured_tags", headers=headers)).get_json() == []
