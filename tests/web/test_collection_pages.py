"""A collection's cover and public page, in process on SQLite and PostgreSQL: the artist
chooses the cover among the collection's works (only theirs, only those in it, CSRF
checked), the first work stands in when none is chosen or the chosen one left or was
deleted; `/@name/collections/ID` shows the works in the artist's order, each reader only
those they may see; the portfolio links each featured collection by its cover."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from instance.actions import collections as actions
from instance.actors.accounts import create_local_user
from instance.app import create_app
from instance.config import load_config
from instance.storage import db
from instance.storage.models import Account, Work
from instance.urls import LocalUrls
from tests.rig.gallery import paintings, seed_gallery

PASSWORD = "a long enough password"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


async def page(client, path: str, status: int = 200) -> str:
    response = await client.get(path)
    body = await response.get_data(as_text=True)
    assert response.status_code == status, (path, response.status_code, body[:300])
    return body


async def log_in(client, username: str) -> None:
    token = TOKEN.search(await page(client, "/login")).group(1)
    response = await client.post("/login", form={"csrf_token": token, "username": username,
                                                 "password": PASSWORD})
    assert response.status_code == 302


def grid(body: str, username: str = "mira") -> list[int]:
    """The works of the page's grid, in order."""
    section = body.split('<ul class="grid', 1)[1].split("</ul>", 1)[0]
    return [int(i) for i in re.findall(rf'href="/@{username}/(\d+)"', section)]


def thumbs(body: str) -> dict[int, str]:
    """Each grid work's image (its JPEG thumbnail)."""
    return {int(w): src for w, src in re.findall(r'href="/@mira/(\d+)">.*?<img src="([^"]+)"', body, re.S)}


def profile_cover(body: str, collection_id: int) -> str:
    found = re.search(rf'href="/@mira/collections/{collection_id}"><img src="([^"]+)"', body)
    assert found, body.split('class="collections"', 1)[-1][:500]
    return found.group(1)


async def test_collection_cover_and_public_page(database_url, tmp_path):
    config = load_config(environ={
        "IMPASTO_DATABASE_URL": database_url, "IMPASTO_MEDIA_PATH": str(tmp_path / "media"),
        "IMPASTO_SERVER_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "IMPASTO_SERVER_RUN_WORKER": "false",
    })
    await db.connect(database_url)
    try:
        for name in ("mira", "ines"):
            await create_local_user(LocalUrls(config.base_url), name, PASSWORD)
    finally:
        await db.disconnect()
    art = paintings(4)
    a, b, c, d = await seed_gallery(database_url, tmp_path / "media", "mira", 4, art=art)
    (e,) = await seed_gallery(database_url, tmp_path / "media", "ines", 1, first=10, art=art)
    app = create_app(config)
    async with app.test_app():
        services = app.extensions["impasto"]
        mira = await Account.get(username="mira", domain=None)
        ines = await Account.get(username="ines", domain=None)
        await Work.filter(id=d).update(visibility="private")
        harbour = await actions.create_collection(services, mira, title="Harbour", featured=True,
                                                  description="One harbour, four seasons.")
        for work in (a, b, c, d):
            await actions.add_work(services, mira, harbour.id, work)
        await actions.order_works(services, mira, harbour.id, [c, a, d, b])
        theirs = await actions.create_collection(services, ines, title="Dunes", featured=True)
        await actions.add_work(services, ines, theirs.id, e)
        path = f"/@mira/collections/{harbour.id}"

        visitor, owner, other = app.test_client(), app.test_client(), app.test_client()
        await log_in(owner, "mira")
        await log_in(other, "ines")

        # The public page: the artist's order, the private work for its owner only.
        body = await page(visitor, path)
        assert "<h1>Harbour</h1>" in body and "One harbour, four seasons." in body
        assert grid(body) == [c, a, b]
        assert 'loading="lazy"' in body or body.count("srcset=") >= 3  # the portfolio grid's images
        assert grid(await page(other, path)) == [c, a, b]
        mine = await page(owner, path)
        assert grid(mine) == [c, a, d, b]
        images = thumbs(mine)
        for missing in ("/@mira/collections/999999", f"/@mira/collections/{theirs.id}",
                        f"/@ines/collections/{harbour.id}", f"/@nobody/collections/{harbour.id}"):
            await page(visitor, missing, 404)

        # The portfolio: the collection by its cover (the first work, none chosen yet).
        assert profile_cover(await page(visitor, "/@mira"), harbour.id) == images[c]

        # Choosing the cover: the owner only, one of the collection's works, CSRF checked.
        token = TOKEN.search(await page(owner, f"/collections/{harbour.id}")).group(1)
        cover = f"/collections/{harbour.id}/cover"
        answer = await owner.post(cover, form={"csrf_token": token, "cover": str(b)})
        assert answer.status_code == 302
        edit = await page(owner, f"/collections/{harbour.id}")
        assert f'<option value="{b}" selected>' in edit
        assert profile_cover(await page(visitor, "/@mira"), harbour.id) == images[b]
        for form, status, message in (
            ({"cover": str(e)}, 400, "The cover must be one of the works in this collection"),
            ({"cover": "x"}, 422, "The cover must be a whole number"),
        ):
            answer = await owner.post(cover, form={"csrf_token": token, **form})
            text = await answer.get_data(as_text=True)
            assert answer.status_code == status and message in text, (form, answer.status_code)
        assert (await owner.post(cover, form={"cover": str(a)})).status_code == 400  # no token
        other_token = TOKEN.search(await page(other, "/collections")).group(1)
        answer = await other.post(cover, form={"csrf_token": other_token, "cover": str(a)})
        assert answer.status_code == 404
        answer = await other.post(f"/collections/{theirs.id}/cover",
                                  form={"csrf_token": other_token, "cover": str(a)})
        assert answer.status_code == 400  # mira's work is not in ines's collection
        assert profile_cover(await page(visitor, "/@mira"), harbour.id) == images[b]

        # A private cover: its owner sees it, a visitor the first work they may see.
        await owner.post(cover, form={"csrf_token": token, "cover": str(d)})
        assert profile_cover(await page(owner, "/@mira"), harbour.id) == images[d]
        assert profile_cover(await page(visitor, "/@mira"), harbour.id) == images[c]

        # The chosen work leaves the collection, or is deleted: the first work again.
        await owner.post(cover, form={"csrf_token": token, "cover": str(b)})
        await owner.post(f"/collections/{harbour.id}/works/{b}/remove", form={"csrf_token": token})
        assert profile_cover(await page(visitor, "/@mira"), harbour.id) == images[c]
        await owner.post(cover, form={"csrf_token": token, "cover": str(a)})
        assert profile_cover(await page(visitor, "/@mira"), harbour.id) == images[a]
        await Work.filter(id=a).update(deleted_at=datetime.now(UTC))
        assert profile_cover(await page(visitor, "/@mira"), harbour.id) == images[c]
        assert grid(await page(visitor, path)) == [c]
        # Back to the default: the first work.
        await owner.post(cover, form={"csrf_token": token, "cover": ""})
        assert grid(await page(owner, path)) == [c, d]
