"""The full archive, in-process on SQLite and PostgreSQL: an artist with two works (one of
two images), a like and a bookmark asks for it on Settings → Export; the job spine builds
the zip (run until idle); it holds actor.json, an outbox.json with one Create per work
whose images point at the originals in the zip, byte-equal to the uploads, likes.json,
bookmarks.json and the CSV files. Only its owner can download it; a second request while
it builds is refused; once expired, the periodic job deletes it and the link is a 404.
`impasto export NAME --archive PATH` writes the same zip."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest

from instance.actions import social
from instance.actions.archive import ArchiveBusy, request_archive
from instance.app import create_app
from instance.attachments.uploads import create_upload
from instance.config import load_config
from instance.image_pool import MediaRuntime
from instance.jobs import kinds
from instance.storage.models import Account, ArchiveExport, Work
from media.storage import Area
from tests.client_api.inprocess import person, work
from tests.media_integration.conftest import encode, textured_rgb
from tests.rig.jobs import run_jobs_until_idle

works = pytest.importorskip("instance.actions.works")
PASSWORD = "a long enough password"


def token_of(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


async def logged_in(app, username: str):
    client = app.test_client()
    token = token_of(await (await client.get("/login")).get_data(as_text=True))
    answer = await client.post("/login", form={"csrf_token": token, "username": username,
                                               "password": PASSWORD})
    assert answer.status_code in (302, 303)
    return client


async def test_full_archive(database_url, tmp_path, image_pool):
    config = load_config(environ={
        "IMPASTO_INSTANCE_DOMAIN": "art.test", "IMPASTO_DATABASE_URL": database_url,
        "IMPASTO_MEDIA_PATH": str(tmp_path / "media"), "IMPASTO_SERVER_RUN_WORKER": "false",
        "IMPASTO_SERVER_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "IMPASTO_CLOAK_ENABLED": "false"})
    app = create_app(config)
    async with app.test_app():
        services = app.extensions["impasto"]
        services.media = MediaRuntime(services.config, executor=image_pool)
        ines, omar = await person("ines"), await person("omar")
        uploads = [encode(textured_rgb(96, 64, seed)) for seed in (1, 2, 3)]
        media = [await create_upload(services, ines, data, filename="a.png", content_type="image/png")
                 for data in uploads]
        two = await works.create_work(services, ines, title="Two seas", content_source="Diptych",
                                      media_ids=[media[0].id, media[1].id])
        one = await works.create_work(services, ines, title="Harbour", content_source="Oil",
                                      media_ids=[media[2].id], visibility="unlisted")
        theirs = await work(omar, "a drawing")
        await social.like(services, ines, theirs)
        await social.bookmark(ines, theirs)
        # an avatar as apply_profile_image leaves it: a served variant's path on the account
        services.media_store.put(Area.VARIANTS, "av/avatar-thumb.jpg", b"avatar bytes")
        await Account.filter(id=ines.id).update(avatar_url=services.urls.media_path("av/avatar-thumb.jpg"))
        await run_jobs_until_idle(services)
        two, one = await Work.get(id=two.id), await Work.get(id=one.id)
        assert (two.state, one.state) == ("ready", "ready")

        owner = await logged_in(app, "ines")
        page = await (await owner.get("/settings/export")).get_data(as_text=True)
        assert "Build my archive" in page
        asked = await owner.post("/settings/export/archive", form={"csrf_token": token_of(page)})
        assert asked.status_code in (302, 303)
        page = await (await owner.get("/settings/export")).get_data(as_text=True)
        assert "Waiting" in page and " of ? " not in page and 'http-equiv="refresh"' in page
        with pytest.raises(ArchiveBusy) as busy:
            await request_archive(services, ines)
        assert busy.value.status == 409 and "already being built" in busy.value.message
        again = await owner.post("/settings/export/archive", form={"csrf_token": token_of(page)})
        assert again.status_code == 409

        await run_jobs_until_idle(services)
        run = await ArchiveExport.get(account_id=ines.id)
        assert run.state == "ready" and run.done == run.total == 2 + 3
        assert run.expires_at is not None and run.expires_at > datetime.now(UTC) + timedelta(days=6)
        page = await (await owner.get("/settings/export")).get_data(as_text=True)
        link = f"/settings/export/archive/{run.token}.zip"
        assert "Ready" in page and link in page and "refresh" not in page

        answer = await owner.get(link)
        assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/zip"
        assert "private" in answer.headers["Cache-Control"]
        data = await answer.get_data()
        assert len(data) == run.size
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        assert {"actor.json", "outbox.json", "likes.json", "bookmarks.json", "following_accounts.csv",
                "bookmarks.csv", "blocked_domains.csv"} <= names

        actor = json.loads(archive.read("actor.json"))
        assert (actor["id"], actor["type"]) == (ines.ap_id, "Person")
        assert actor["icon"]["url"] == "avatar.jpg" and archive.read("avatar.jpg") == b"avatar bytes"
        assert "image" not in actor and not any(n.startswith("header.") for n in names)
        outbox = json.loads(archive.read("outbox.json"))
        assert (outbox["type"], outbox["totalItems"]) == ("OrderedCollection", 2)
        creates = outbox["orderedItems"]
        assert [c["type"] for c in creates] == ["Create", "Create"]
        assert [c["object"]["id"] for c in creates] == [two.ap_id, one.ap_id]
        assert creates[0]["id"] == services.urls.create_activity(two.ap_id)
        assert creates[0]["actor"] == ines.ap_id and creates[1]["cc"] == creates[1]["object"]["cc"]
        for create, expected in zip(creates, (uploads[:2], uploads[2:]), strict=True):
            urls = [a["url"] for a in create["object"]["attachment"]]
            assert len(urls) == len(expected)
            for url, original in zip(urls, expected, strict=True):
                assert url.startswith("/media_attachments/files/") and url.lstrip("/") in names
                assert archive.read(url.lstrip("/")) == original  # the upload, byte for byte
        assert json.loads(archive.read("likes.json"))["orderedItems"] == [theirs.ap_id]
        assert json.loads(archive.read("bookmarks.json"))["orderedItems"] == [theirs.ap_id]
        assert archive.read("bookmarks.csv").decode() == f"{theirs.ap_id}\n"

        stranger = await logged_in(app, "omar")
        assert (await stranger.get(link)).status_code == 404
        assert (await app.test_client().get(link)).status_code in (302, 303)  # log in first

        # a new archive replaces the old one, file and all
        old_key = run.storage_key
        await request_archive(services, ines)
        await run_jobs_until_idle(services)
        assert not services.media_store.exists(Area.ORIGINALS, old_key)
        assert (await owner.get(link)).status_code == 404
        run = await ArchiveExport.get(account_id=ines.id)
        link = f"/settings/export/archive/{run.token}.zip"

        # expired: the periodic job deletes file and row; the link is gone
        await ArchiveExport.filter(id=run.id).update(expires_at=datetime.now(UTC) - timedelta(minutes=1))
        assert (await owner.get(link)).status_code == 404
        await services.jobs.enqueue(kinds.EXPIRE_ARCHIVES, {})
        await run_jobs_until_idle(services)
        assert not await ArchiveExport.exists(account_id=ines.id)
        assert not services.media_store.exists(Area.ORIGINALS, run.storage_key)

        # a build whose job died for good does not block the next request forever
        stuck = await ArchiveExport.create(account_id=ines.id, token="0" * 32, state="building")
        await ArchiveExport.filter(id=stuck.id).update(created_at=datetime.now(UTC) - timedelta(days=2))
        fresh = await request_archive(services, ines)
        assert (await ArchiveExport.get(id=stuck.id)).state == "failed" and fresh.state == "queued"

    # the command writes the same zip (its own loop and connection: after the app's)
    from instance.cli.main import build_parser

    target = tmp_path / "ines.zip"
    args = build_parser().parse_args(["export", "ines", "--archive", str(target)])
    await run_cli_in_thread(args, config)
    written = zipfile.ZipFile(target)
    assert set(written.namelist()) == names
    assert json.loads(written.read("outbox.json"))["orderedItems"] == creates


async def run_cli_in_thread(args, config) -> None:
    """The command opens its own event loop and database connection: run it in a thread."""
    import asyncio

    assert await asyncio.to_thread(args.handler, config, args) == 0
