"""Search and explore on the web, over real HTTP on SQLite and PostgreSQL: works by title,
tag and medium; artists by name and handle; a remote handle looked up on its server (B)
for a signed-in person, in words when it cannot be; tags; explore filtered by medium and
tag, recent or most liked; tag pages."""

from __future__ import annotations

import re

import httpx
import pytest

from instance.actions import social, works
from instance.storage.models import Account, Work
from tests.federation_e2e.test_remote_follow import TOKEN, sentence, token
from tests.federation_e2e.test_two_instances import PASSWORD, user

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


def titles(html: str) -> list[str]:
    """The work titles of a page's grid, in order."""
    return re.findall(r'<span class="caption">([^<]+?)\s*<span class="by">', html)


async def seed(a) -> None:
    await user(a, "quilla")
    await user(a, "quentin")
    async with a.open() as services:
        quilla = await Account.get(username="quilla", domain=None)
        await Account.filter(id=quilla.id).update(display_name="Quilla Marsh")
        made = {}
        for title, medium, text in (
            ("Quinceflower study", "quinceink", "Petals #quincetag"),
            ("Harbour at dusk", "quinceoil", "Boats #quincetag #quinceboats"),
            ("Orchard", "quinceink", "Trees"),
        ):
            made[title] = await works.create_work(services, quilla, title=title,
                                                  content_source=text, medium=medium)
        quentin = await Account.get(username="quentin", domain=None)
        await social.like(services, quentin, made["Quinceflower study"])
        await works.create_work(services, quilla, title="Quince secret", content_source="#quincetag",
                                medium="quinceink", visibility="private")


async def test_search_and_explore(peers):
    a, b = peers
    await seed(a)
    await user(b, "solveig")
    async with httpx.AsyncClient(base_url=a.url) as client:
        found = await client.get("/search", params={"q": "quinceflower"})
        assert found.status_code == 200 and titles(found.text) == ["Quinceflower study"]
        by_tag = await client.get("/search", params={"q": "#quincetag"})
        assert titles(by_tag.text) == ["Harbour at dusk", "Quinceflower study"]  # not the private one
        assert 'href="/tags/quincetag"' in by_tag.text and 'href="/tags/quinceboats"' not in by_tag.text
        by_medium = await client.get("/search", params={"q": "quinceoil"})
        assert titles(by_medium.text) == ["Harbour at dusk"]
        tags = await client.get("/search", params={"q": "quince"})
        assert 'href="/tags/quinceboats"' in tags.text and 'href="/tags/quincetag"' in tags.text

        artists = await client.get("/search", params={"q": "Quilla Ma"})
        assert 'href="/@quilla"' in artists.text and "Quilla Marsh" in artists.text
        handle = await client.get("/search", params={"q": f"@quentin@{a.domain}"})
        assert 'href="/@quentin"' in handle.text

        remote = f"@solveig@{b.domain}"
        anonymous = await client.get("/search", params={"q": remote})
        assert f"Log in to look up {remote}" in sentence(anonymous)
        login = {"csrf_token": await token(client, "/login"), "username": "quentin", "password": PASSWORD}
        assert (await client.post("/login", data=login)).status_code == 302
        resolved = await client.get("/search", params={"q": remote})
        assert f'href="/@solveig@{b.domain}"' in resolved.text
        unknown = await client.get("/search", params={"q": "@solveig@no-such-server.invalid"})
        assert unknown.status_code == 200
        assert "There is no server called no-such-server.invalid" in sentence(unknown)
        assert TOKEN.search(unknown.text)  # the page still works (log-out form and all)

        inks = await client.get("/", params={"medium": "quinceink"})
        assert titles(inks.text) == ["Orchard", "Quinceflower study"]
        assert '<option value="quinceink" selected>' in inks.text
        liked = await client.get("/", params={"medium": "quinceink", "sort": "liked"})
        assert titles(liked.text) == ["Quinceflower study", "Orchard"]  # the liked one first
        tagged = await client.get("/", params={"tag": "#QuinceTag", "sort": "liked"})
        assert titles(tagged.text) == ["Quinceflower study", "Harbour at dusk"]
        recent = await client.get("/", params={"tag": "quincetag"})
        assert titles(recent.text) == ["Harbour at dusk", "Quinceflower study"]
        tag_page = await client.get("/tags/quincetag")
        assert tag_page.status_code == 200
        assert titles(tag_page.text) == ["Harbour at dusk", "Quinceflower study"]
    async with a.open():
        assert await Account.filter(username="solveig", domain=b.domain).exists()
        assert await Work.filter(title="Quince secret", visibility="private").exists()
