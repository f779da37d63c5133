"""The inbox handlers' stored effects, driven the way the inbox view does it (a stored
InboxItem run through the `inbox.process` job) but in-process, without signatures or
HTTP: Reject of our follows, Undo of likes, boosts and blocks (only by whoever made
them), Create of every object type we keep, Update of a held work, and an actor's
Delete of itself (both forms) — each checked in storage, counters included."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from inbox.process import process
from instance.actions import social, works
from instance.jobs.registry import JobContext
from instance.storage.models import (
    Account,
    Block,
    Boost,
    Follow,
    InboxItem,
    Like,
    MediaAttachment,
    Work,
)
from tests.test_actions import local, remote

AS = "https://www.w3.org/ns/activitystreams"
PUBLIC = f"{AS}#Public"




async def receive(services: Any, actor: Account, kind: str, obj: Any, **extra: Any) -> InboxItem:
    """Store `actor`'s activity as the inbox view does and run its `inbox.process` job."""
    activity = {"@context": AS, "id": f"{actor.ap_id}#activities/{uuid.uuid4().hex}", "type": kind,
                "actor": actor.ap_id, "object": obj, **extra}
    item = await InboxItem.create(activity_id=activity["id"], actor_id=actor.ap_id,
                                  activity_type=kind, document=activity)
    await process(JobContext(services, job_id=0, attempt=1, max_attempts=1), {"item": item.id})
    return await InboxItem.get(id=item.id)


async def counts(account: Account) -> tuple[int, int]:
    fresh = await Account.get(id=account.id)
    return fresh.followers_count, fresh.following_count


# --- Reject{Follow} ---------------------------------------------------------------------


async def test_reject_ends_a_pending_follow_request(services):
    fan = await local(services, "fan")
    artist = await remote("pix", "far.example")
    follow = await social.follow(services, fan, artist)
    stranger = await remote("eve", "far.example")
    item = await receive(services, stranger, "Reject", follow.ap_id)
    assert item.state == "dropped"  # only the one followed answers
    assert await Follow.filter(id=follow.id).exists()
    item = await receive(services, artist, "Reject", follow.ap_id)
    assert item.state == "processed"
    assert not await Follow.filter(id=follow.id).exists()
    assert await counts(fan) == (0, 0)


async def test_reject_of_an_accepted_follow_by_its_embedded_actor_fixes_counts(services):
    fan = await local(services, "fan")
    artist = await remote("pix", "far.example")
    follow = await social.follow(services, fan, artist)
    assert (await receive(services, artist, "Accept", follow.ap_id)).state == "processed"
    assert await counts(fan) == (0, 1) and await counts(artist) == (1, 0)
    inner = {"id": "https://far.example/unknown-id", "type": "Follow", "actor": fan.ap_id,
             "object": artist.ap_id}  # an id the peer made up: matched by its actor
    assert (await receive(services, artist, "Reject", inner)).state == "processed"
    assert not await Follow.exists()
    assert await counts(fan) == (0, 0) and await counts(artist) == (0, 0)


# --- Undo{Like / Announce / Block} ------------------------------------------------------


async def published(services: Any, artist: Account) -> Work:
    return await works.create_work(services, artist, title="Fox", content_source="A fox")


async def test_undo_like_only_by_whoever_liked(services):
    artist = await local(services, "ada")
    work = await published(services, artist)
    fan, other = await remote("x", "one.example"), await remote("y", "two.example")
    like = await receive(services, fan, "Like", work.ap_id)
    assert like.state == "processed" and (await Work.get(id=work.id)).likes_count == 1
    inner = {"id": like.activity_id, "type": "Like", "actor": fan.ap_id, "object": work.ap_id}
    assert (await receive(services, other, "Undo", inner)).state == "dropped"
    assert await Like.filter(account=fan).exists() and (await Work.get(id=work.id)).likes_count == 1
    assert (await receive(services, fan, "Undo", inner)).state == "processed"
    assert not await Like.exists()
    assert (await Work.get(id=work.id)).likes_count == 0


async def test_undo_announce_named_by_id_only_by_whoever_boosted(services):
    artist = await local(services, "ada")
    work = await published(services, artist)
    fan, other = await remote("x", "one.example"), await remote("y", "two.example")
    boost = await receive(services, fan, "Announce", work.ap_id, to=[PUBLIC])
    assert boost.state == "processed" and (await Work.get(id=work.id)).boosts_count == 1
    assert (await receive(services, other, "Undo", boost.activity_id)).state == "dropped"
    assert await Boost.filter(account=fan).exists()
    assert (await receive(services, fan, "Undo", boost.activity_id)).state == "processed"
    assert not await Boost.exists()
    assert (await Work.get(id=work.id)).boosts_count == 0


async def test_block_ends_follows_with_counts_and_undo_lifts_it(services):
    artist = await local(services, "ada")
    troll, other = await remote("t", "bad.example"), await remote("y", "two.example")
    assert (await receive(services, troll, "Follow", artist.ap_id)).state == "processed"
    assert await counts(artist) == (1, 0)
    block = await receive(services, troll, "Block", artist.ap_id)
    assert block.state == "processed" and await Block.filter(account=troll, target=artist).exists()
    assert not await Follow.exists()
    assert await counts(artist) == (0, 0) and await counts(troll) == (0, 0)
    inner = {"id": block.activity_id, "type": "Block", "actor": troll.ap_id, "object": artist.ap_id}
    assert (await receive(services, other, "Undo", inner)).state == "dropped"
    assert await Block.exists()
    assert (await receive(services, troll, "Undo", inner)).state == "processed"
    assert not await Block.exists()


# --- Create / Update of remote works ----------------------------------------------------


def remote_object(author: Account, kind: str, n: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{author.ap_id}/objects/{n}", "type": kind, "attributedTo": author.ap_id,
        "to": [PUBLIC], "cc": [author.followers_url], "published": "2024-05-01T10:00:00Z",
        "content": "<p>Oil on <b>linen</b></p><script>alert(1)</script>",
        "tag": [{"type": "Hashtag", "name": "#Painting"}], **extra,
    }


IMAGE = {"type": "Image", "mediaType": "image/png", "url": "https://far.example/media/a.png",
         "name": "A fox in snow", "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
         "focalPoint": [0.5, -0.25], "width": 1200, "height": 800}


@pytest.mark.parametrize("kind", ["Image", "Article", "Page", "Question"])
async def test_create_from_a_followed_artist_stores_each_object_type(services, kind):
    fan = await local(services, "fan")
    artist = await remote("pix", "far.example")
    await Follow.create(follower=fan, target=artist, state="accepted")
    extra: dict[str, Any] = {"name": f"A {kind}", "attachment": [IMAGE]}
    if kind == "Question":
        extra = {"oneOf": [{"type": "Note", "name": "red"}, {"type": "Note", "name": "blue"}]}
    obj = remote_object(artist, kind, 1, **extra)
    item = await receive(services, artist, "Create", obj, to=[PUBLIC])
    assert item.state == "processed", item.reason
    work = await Work.get(ap_id=obj["id"])
    assert work.account_id == artist.id and not work.local and work.state == "ready"
    assert work.content == "<p>Oil on <b>linen</b></p>" and work.visibility == "public"
    assert work.published_at.year == 2024
    assert await work.tags.all().values_list("name", flat=True) == ["painting"]
    media = await MediaAttachment.filter(work_id=work.id)
    if kind == "Question":
        assert work.title == "" and media == []
        return
    assert work.title == f"A {kind}"
    assert [(m.remote_url, m.description, m.blurhash, m.width, m.height, m.focus_y)
            for m in media] == [(IMAGE["url"], "A fox in snow", IMAGE["blurhash"], 1200, 800, -0.25)]


async def test_create_nobody_here_wants_is_not_stored(services):
    artist = await remote("pix", "far.example")
    obj = remote_object(artist, "Article", 2, name="Unasked")
    item = await receive(services, artist, "Create", obj, to=[PUBLIC])
    assert item.state == "dropped" and not await Work.exists()


async def test_update_replaces_text_and_hashtags(services):
    fan = await local(services, "fan")
    artist = await remote("pix", "far.example")
    await Follow.create(follower=fan, target=artist, state="accepted")
    obj = remote_object(artist, "Note", 3, attachment=[IMAGE])
    assert (await receive(services, artist, "Create", obj)).state == "processed"
    edited = {**obj, "content": "<p>Oil on canvas</p>", "tag": [{"type": "Hashtag", "name": "#Oil"}],
              "updated": "2024-05-02T10:00:00Z"}
    item = await receive(services, artist, "Update", edited)
    assert item.state == "processed", item.reason
    work = await Work.get(ap_id=obj["id"])
    assert work.content == "<p>Oil on canvas</p>" and work.edited_at is not None
    assert await work.tags.all().values_list("name", flat=True) == ["oil"]
    assert await MediaAttachment.filter(work_id=work.id).count() == 1  # same image kept


# --- Delete of an actor -----------------------------------------------------------------


@pytest.mark.parametrize("form", ["id", "tombstone"])
async def test_actor_delete_removes_its_works_follows_and_interactions(services, form):
    artist, fan = await local(services, "ada"), await local(services, "fan")
    work = await published(services, artist)
    gone = await remote("gone", "far.example")
    assert (await receive(services, gone, "Follow", artist.ap_id)).state == "processed"
    await social.follow(services, fan, gone)
    follow = await Follow.get(follower=fan, target=gone)
    assert (await receive(services, gone, "Accept", follow.ap_id)).state == "processed"
    assert (await receive(services, gone, "Like", work.ap_id)).state == "processed"
    assert (await receive(services, gone, "Announce", work.ap_id)).state == "processed"
    reply = remote_object(gone, "Note", 4, inReplyTo=work.ap_id)
    assert (await receive(services, gone, "Create", reply)).state == "processed"
    assert (await Work.get(id=work.id)).replies_count == 1
    bystander = await remote("by", "far.example")
    assert (await receive(services, bystander, "Delete", gone.ap_id)).state == "dropped"
    assert not (await Account.get(id=gone.id)).suspended

    obj = gone.ap_id if form == "id" else {"type": "Tombstone", "id": gone.ap_id}
    item = await receive(services, gone, "Delete", obj)
    assert item.state == "processed", item.reason
    assert (await Account.get(id=gone.id)).suspended
    theirs = await Work.get(ap_id=reply["id"])
    assert theirs.deleted_at is not None and theirs.state == "deleted" and theirs.content == ""
    assert not await Follow.exists()
    assert not await Like.exists() and not await Boost.exists()
    assert await counts(artist) == (0, 0) and await counts(fan) == (0, 0)
    mine = await Work.get(id=work.id)
    assert (mine.likes_count, mine.boosts_count, mine.replies_count) == (0, 0, 0)
    assert mine.deleted_at is None  # only the actor's own works go
