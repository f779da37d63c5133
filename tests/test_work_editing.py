"""`instance.actions.editing.edit_work`, the one edit both the web form and the client API
call, on SQLite and PostgreSQL: each edit of a published work sends one Update; images
are processed again only where the served copy changes (counted as `media.process`
jobs); an image an edit adds goes out in a later Update once processed; a refused edit
changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from instance.actions import editing, publishing, works
from instance.actions.editing import ImageEdit
from instance.jobs import kinds
from instance.storage.models import Account, Follow, Job, MediaAttachment, OutboxActivity, Work
from tests.rig.services import built_services
from tests.test_actions import local, remote

LEVEL, OTHER = "low", "high"


async def image(account: Account, name: str, *, level: str = LEVEL, state: str = "ready") -> MediaAttachment:
    """An upload the pipeline has finished (variants recorded, no file needed here)."""
    return await MediaAttachment.create(
        account=account, state=state, description=name, width=800, height=600, cloak_level=level,
        variants={"display": {"jpeg": f"aa/{name}.jpg", "width": 800, "height": 600}},
        processed_at=datetime.now(UTC),
    )


async def process_jobs() -> list[dict]:
    return [job.payload for job in await Job.filter(kind=kinds.PROCESS_MEDIA).order_by("id")]


async def updates() -> list[dict]:
    rows = await OutboxActivity.filter(activity_type="Update").order_by("id")
    return [row.document["object"] for row in rows]


def alts(note: dict) -> list[str]:
    return [a["name"] for a in note["attachment"]]


@pytest.fixture
async def cloak_low(connected, tmp_path):
    """Services whose default cloak level is LEVEL, so the images above need no work."""
    async for built in built_services(connected, tmp_path, CLOAK_DEFAULT_LEVEL=LEVEL):
        yield built


async def test_only_what_changed_is_processed_again(cloak_low):
    services = cloak_low
    artist = await local(services, "ada")
    await Follow.create(follower=await remote("x", "one.example"), target=artist, state="accepted")
    heron, reeds = await image(artist, "heron"), await image(artist, "reeds")
    work = await works.create_work(services, artist, title="Heron", content_source="Ink #bird",
                                   media_ids=[heron.id, reeds.id])
    assert work.state == "ready" and await process_jobs() == []

    # Title, alt text, order, focal point, licence, tags: one Update, nothing processed.
    await editing.edit_work(services, artist, work.id, title="Grey heron", licence="CC-BY-4.0",
                            tags=["study"], images=[ImageEdit(reeds.id, "Reeds, grey wash"),
                                                   ImageEdit(heron.id, None, (0.5, -0.5))])
    assert await process_jobs() == []
    [note] = await updates()
    assert note["name"] == "Grey heron" and alts(note) == ["Reeds, grey wash", "heron"]
    assert note["attachment"][1]["focalPoint"] == [0.5, -0.5]
    assert note["licence"] == "https://creativecommons.org/licenses/by/4.0/"
    assert note["content"].endswith('rel="license">CC BY 4.0</a></p>')
    assert {t["name"] for t in note["tag"]} == {"#bird", "#study"}

    # A new upload rendered at another level: only it is processed (at the work's level),
    # and it is left out of the Update until it is ready.
    dunes = await image(artist, "dunes", level=OTHER)
    await editing.edit_work(services, artist, work.id, images=[
        ImageEdit(reeds.id), ImageEdit(heron.id), ImageEdit(dunes.id, "Dunes")])
    assert await process_jobs() == [{"media_id": dunes.id}]
    assert (await MediaAttachment.get(id=dunes.id)).state == "processing"
    assert alts((await updates())[-1]) == ["Reeds, grey wash", "heron"]
    # The job renders it (what processing.process_media records), then asks to publish.
    await MediaAttachment.filter(id=dunes.id).update(state="ready", cloak_level=LEVEL,
                                                     processed_at=datetime.now(UTC))
    assert await publishing.publish_if_ready(services, work.id) is False  # published already
    assert alts((await updates())[-1]) == ["Reeds, grey wash", "heron", "Dunes"]
    assert len(await updates()) == 3
    assert await publishing.update_if_grown(services, work.id) is False  # once
    assert len(await updates()) == 3

    # A new cloak level: every image again, in place (they stay shown meanwhile).
    await editing.edit_work(services, artist, work.id, cloak_level=OTHER)
    recloaks = (await process_jobs())[1:]
    assert sorted(p["media_id"] for p in recloaks) == sorted([heron.id, reeds.id, dunes.id])
    assert all(p["recloak"] is True for p in recloaks)
    assert set(await MediaAttachment.filter(work_id=work.id).values_list("state", flat=True)) == {"ready"}
    assert len(await updates()) == 4

    # A removed image is gone with its record; the next Update lists the rest, never an
    # added image a moderator holds.
    held = await image(artist, "held", level=OTHER, state="held")
    await editing.edit_work(services, artist, work.id, images=[
        ImageEdit(dunes.id), ImageEdit(heron.id), ImageEdit(held.id)])
    assert not await MediaAttachment.filter(id=reeds.id).exists()
    assert alts((await updates())[-1]) == ["Dunes", "heron"]


async def test_refused_edits_change_nothing(cloak_low):
    services = cloak_low
    artist, other = await local(services, "ada"), await local(services, "bo")
    first, second = await image(artist, "one"), await image(artist, "two")
    work = await works.create_work(services, artist, title="Pair", content_source="x",
                                   media_ids=[first.id, second.id])
    theirs = await image(other, "theirs")
    spare = [await image(artist, f"spare{n}") for n in range(9)]
    before = await OutboxActivity.all().count()
    keep = [ImageEdit(first.id), ImageEdit(second.id)]
    for changes, message in (
        ({"title": "  "}, "a work needs a title"),
        ({"images": []}, "at least one image"),
        ({"images": keep + [ImageEdit(m.id) for m in spare]}, "at most 10 images"),
        ({"images": keep + [ImageEdit(theirs.id)]}, "your own uploads"),
        ({"images": [ImageEdit(first.id), ImageEdit(first.id)]}, "listed twice"),
        ({"images": [ImageEdit(first.id, None, (2.0, 0.0))]}, "from -1 to 1"),
        ({"visibility": "direct", "title": "Changed"}, "stays direct"),
        ({"licence": "mine", "title": "Changed"}, "licence must be one of"),
        ({"cloak_level": "max", "title": "Changed"}, "cloak_level must be one of"),
    ):
        with pytest.raises(works.WorkError, match=message):
            await editing.edit_work(services, artist, work.id, **changes)
    with pytest.raises(works.NoSuchWork) as refused:
        await editing.edit_work(services, other, work.id, title="Mine")
    assert refused.value.status == 404
    stored = await Work.get(id=work.id)
    assert (stored.title, stored.visibility, stored.licence) == ("Pair", "public", "")
    assert stored.cloak_level is None
    assert await MediaAttachment.filter(work_id=work.id).order_by("position").values_list(
        "id", flat=True) == [first.id, second.id]
    assert await OutboxActivity.all().count() == before and await process_jobs() == []
