"""Valid ActivityPub that once broke the inbox, each shape stored as Mastodon would: list
types, list attributedTo, unknown JSON-LD contexts, Audio/Video/Document/Event objects,
non-image attachments kept as typed links, `as:Mention` and untyped mentions (each once),
a 404 attachment failed at once (a 5xx retried), and a handler's bug ending the item as
failed with its traceback in the log instead of retrying. SQLite and PostgreSQL."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from inbox import process as inbox_process
from instance.api.entities import media_entity
from instance.attachments.remote import fetch_job
from instance.jobs import Permanent, Retry
from instance.jobs.registry import JobContext
from instance.storage.models import (
    Follow,
    InboxItem,
    Job,
    MediaAttachment,
    MediaState,
    Notification,
    Work,
)
from tests.rig.loopback import Response, loopback_server
from tests.rig.services import built_services
from tests.test_actions import local, remote
from tests.test_inbox_handlers import AS, PUBLIC, receive, remote_object


@pytest.fixture
async def services(connected, tmp_path):
    async for built in built_services(connected, tmp_path):  # reaches its loopback servers
        yield built


async def followed(services: Any):
    fan = await local(services, "fan")
    artist = await remote("pix", "far.example")
    await Follow.create(follower=fan, target=artist, state="accepted")
    return fan, artist


async def stored(services, artist, obj, **extra) -> Work:
    item = await receive(services, artist, "Create", obj, to=[PUBLIC], **extra)
    assert item.state == "processed", item.reason
    return await Work.get(ap_id=obj["id"])


@pytest.mark.parametrize("kind", [["Note", "https://schema.example/Painting"],
                                  ["https://schema.example/Painting", "Image"], ["as:Note"],
                                  "as:Article", f"{AS}#Page"])
async def test_list_and_prefixed_types_take_the_first_known(services, kind):
    _, artist = await followed(services)
    work = await stored(services, artist, remote_object(artist, kind, 1))
    assert work.content.startswith("<p>Oil on")


@pytest.mark.parametrize("shape", ["list of one", "objects with a group"])
async def test_list_valued_attributed_to(services, shape):
    _, artist = await followed(services)
    authors: list[Any] = [artist.ap_id] if shape == "list of one" else [
        {"type": "Person", "id": artist.ap_id}, {"type": "Group", "id": "https://far.example/c/oil"}]
    work = await stored(services, artist, remote_object(artist, "Note", 2, attributedTo=authors))
    assert work.account_id == artist.id
    stranger = remote_object(artist, "Note", 3, attributedTo=["https://far.example/users/other"])
    item = await receive(services, artist, "Create", stranger, to=[PUBLIC])
    assert item.state == "dropped" and "not attributed" in item.reason


async def test_unknown_contexts_are_ignored_and_known_terms_read(services):
    _, artist = await followed(services)
    obj = remote_object(artist, "Note", 4)
    obj["proof"] = {"type": "DataIntegrityProof", "cryptosuite": "eddsa-jcs-2022",
                    "proofValue": "z3sx"}
    work = await stored(services, artist, obj, **{"@context": [
        AS, "https://www.w3.org/ns/credentials/v2", "https://unknown.example/ns.jsonld"]})
    assert work.content.startswith("<p>Oil on") and work.visibility == "public"


@pytest.mark.parametrize("kind", ["Audio", "Video", "Document", "Event"])
async def test_audio_video_document_and_event_objects_are_kept(services, kind):
    _, artist = await followed(services)
    work = await stored(services, artist, remote_object(artist, kind, 5, name=f"A {kind}"))
    assert work.title == f"A {kind}"


async def test_attachments_of_other_kinds_are_kept_as_typed_links(services):
    _, artist = await followed(services)
    attachments = [
        {"type": "Document", "mediaType": "image/jpeg", "url": "https://far.example/a.jpg"},
        {"type": "Document", "mediaType": "video/mp4", "url": "https://far.example/v.mp4"},
        {"type": "Audio", "url": "https://far.example/s.ogg"},
        {"type": "Document", "mediaType": "application/pdf", "url": "https://far.example/d.pdf"},
    ]
    work = await stored(services, artist, remote_object(artist, "Note", 6, attachment=attachments))
    media = await MediaAttachment.filter(work_id=work.id).order_by("position")
    shown = [media_entity(m, "https://art.test") for m in media]
    assert [s["type"] for s in shown] == ["image", "video", "audio", "unknown"]
    assert [m.state for m in media] == ["processing", "ready", "ready", "ready"]
    assert [s["url"] for s in shown[1:]] == [a["url"] for a in attachments[1:]]
    fetches = await Job.filter(kind="media.fetch_remote").values_list("payload", flat=True)
    assert [p["media_id"] for p in fetches] == [media[0].id]  # only the image is fetched


async def test_mentions_in_every_spelling_each_listed_once(services):
    _, artist = await followed(services)
    ada = await local(services, "ada")
    bea = await local(services, "bea")
    tags = [{"type": "as:Mention", "href": ada.ap_id, "name": "@ada"},
            {"type": "Mention", "href": ada.ap_id, "name": "@ada@art.test"},
            {"href": bea.ap_id, "name": "@bea"},
            {"href": "https://far.example/tags/oil", "name": "#oil"}]
    work = await stored(services, artist, remote_object(artist, "Note", 7, tag=tags))
    assert work.mentions == [ada.ap_id, bea.ap_id]
    notified = await Notification.filter(kind="mention", work_id=work.id).values_list(
        "recipient_id", flat=True)
    assert sorted(notified) == sorted([ada.id, bea.id])


async def test_a_handler_bug_fails_the_item_at_once_with_its_traceback(services, monkeypatch, caplog):
    _, artist = await followed(services)

    async def broken(services, activity):
        raise KeyError("a bug")

    monkeypatch.setitem(inbox_process.HANDLERS, "Like", broken)
    item = await InboxItem.create(activity_id=f"{artist.ap_id}#l1", actor_id=artist.ap_id,
                                  activity_type="Like", document={"@context": AS, "type": "Like"})
    with caplog.at_level(logging.ERROR, "impasto.inbox"), pytest.raises(Permanent):
        await inbox_process.process(JobContext(services, 0, attempt=1, max_attempts=8), {"item": item.id})
    item = await InboxItem.get(id=item.id)
    assert item.state == "failed" and "handler error KeyError" in item.reason
    logged = [r for r in caplog.records if r.getMessage() == "inbox handler failed"]
    assert logged and logged[0].exc_info and "a bug" in str(logged[0].exc_info[1])

    async def unreachable(services, activity):
        raise Retry(60, "peer down")

    monkeypatch.setitem(inbox_process.HANDLERS, "Like", unreachable)
    again = await InboxItem.create(activity_id=f"{artist.ap_id}#l2", actor_id=artist.ap_id,
                                   activity_type="Like", document={"@context": AS, "type": "Like"})
    with pytest.raises(Retry):  # the network gets further attempts
        await inbox_process.process(JobContext(services, 0, attempt=1, max_attempts=8), {"item": again.id})
    assert (await InboxItem.get(id=again.id)).state == "received"


@pytest.mark.parametrize(("status", "final"), [(404, True), (410, True), (403, True),
                                               (503, False), (500, False), (429, False)])
async def test_a_missing_attachment_fails_at_once_and_a_server_error_is_retried(services, status, final):
    _, artist = await followed(services)
    async with loopback_server() as peer:
        peer.handler = lambda request: Response(status, {"Content-Type": "text/plain"}, b"no")
        media = await MediaAttachment.create(account_id=artist.id, remote_url=peer.url("/a.png"),
                                             state=MediaState.PROCESSING, original_type="image/png")
        ctx = JobContext(services, 0, attempt=1, max_attempts=5)
        if final:
            await fetch_job(ctx, {"media_id": media.id})
        else:
            with pytest.raises(Retry):
                await fetch_job(ctx, {"media_id": media.id})
        record = await MediaAttachment.get(id=media.id)
        assert record.state == ("failed" if final else "processing")
        assert final is False or str(status) in record.state_reason
        if not final:  # the last attempt ends the record too
            with pytest.raises(Retry):
                await fetch_job(JobContext(services, 0, attempt=5, max_attempts=5), {"media_id": media.id})
            record = await MediaAttachment.get(id=media.id)
            assert record.state == "failed" and "gave up after 5 attempts" in record.state_reason


async def test_a_boosted_object_with_a_list_attributed_to_is_stored_for_its_author(services):
    fan, booster = await followed(services)
    async with loopback_server() as origin:
        pat = f"{origin.base}/users/pat"
        note = {"@context": AS, "id": f"{origin.base}/notes/1", "type": ["Note", "x:Painting"],
                "attributedTo": [{"type": "Group", "id": "https://far.example/c/oil"},
                                 {"type": "Person", "id": pat}],
                "to": [PUBLIC], "content": "<p>Boosted</p>"}
        origin.documents = {"/notes/1": note, "/users/pat": {
            "@context": AS, "id": pat, "type": "Person", "preferredUsername": "pat",
            "inbox": f"{pat}/inbox"}}
        item = await receive(services, booster, "Announce", note["id"], to=[PUBLIC])
        assert item.state == "processed", item.reason
        work = await Work.get(ap_id=note["id"])
        assert (await work.account).ap_id == pat and work.content == "<p>Boosted</p>"
        orphan = dict(note, id=f"{origin.base}/notes/2", attributedTo="https://far.example/u/x")
        origin.documents["/notes/2"] = orphan
        dropped = await receive(services, booster, "Announce", orphan["id"], to=[PUBLIC])
        assert dropped.state == "dropped" and "no author on its origin" in dropped.reason
