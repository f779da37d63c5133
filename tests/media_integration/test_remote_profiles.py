"""Remote avatars and headers are fetched, checked and cached like work media, never
hot-linked: the profile serves our own copy's path once it is ready (a placeholder
before), a new image replaces the old copy, a dead link leaves the placeholder, and the
cache pruning keeps the copies in use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from instance.actors.remote import store_actor
from instance.api.entities import account_entity
from instance.attachments.remote import prune_remote_cache
from instance.storage.models import Account, MediaAttachment
from media.storage import Area
from tests.media_integration.conftest import encode, textured_rgb
from tests.rig.loopback import loopback_server

ACTOR = "https://elsewhere.example/users/bo"


@pytest.fixture
async def image_server():
    async with loopback_server() as server:
        yield server


def actor_doc(icon: str | None, image: str | None) -> dict:
    doc = {"id": ACTOR, "type": "Person", "preferredUsername": "bo", "inbox": f"{ACTOR}/inbox"}
    if icon:
        doc["icon"] = {"type": "Image", "url": icon}
    if image:
        doc["image"] = {"type": "Image", "url": image}
    return doc


async def test_remote_profile_images_are_cached_not_hot_linked(media_env, image_server):
    services, store = media_env.services, media_env.services.media_store
    image_server.files["/av1.png"] = ("image/png", encode(textured_rgb(400, 400)))
    image_server.files["/av2.png"] = ("image/png", encode(textured_rgb(400, 400, seed=2)))
    image_server.files["/head.png"] = ("image/png", encode(textured_rgb(1500, 500)))
    av1, av2, head = (image_server.url(p) for p in ("/av1.png", "/av2.png", "/head.png"))
    base = services.urls.base

    bo = await store_actor(actor_doc(av1, head), ACTOR, services)
    entity = account_entity(bo, base)
    assert entity["avatar"].startswith(base) and entity["header"].startswith(base)
    assert image_server.base not in entity["avatar"]  # the placeholder, not the remote file
    await media_env.run_jobs()

    bo = await Account.get(id=bo.id)
    assert bo.avatar_url.startswith("/media/cache/") and bo.header_url.startswith("/media/cache/")
    entity = account_entity(bo, base)
    assert entity["avatar"] == f"{base}{bo.avatar_url}"
    assert store.exists(Area.VARIANTS, bo.avatar_url.removeprefix("/media/"))
    assert store.exists(Area.VARIANTS, bo.header_url.removeprefix("/media/"))
    assert image_server.paths.count("/av1.png") == 1

    # The same document again fetches nothing; a new avatar replaces the old copy.
    await store_actor(actor_doc(av1, head), ACTOR, services)
    assert await media_env.run_jobs() == 0
    old_path = bo.avatar_url
    bo = await store_actor(actor_doc(av2, head), ACTOR, services)
    assert bo.avatar_url is None and bo.header_url is not None  # placeholder meanwhile
    await media_env.run_jobs()
    bo = await Account.get(id=bo.id)
    assert bo.avatar_url.startswith("/media/cache/") and bo.avatar_url != old_path
    assert not store.exists(Area.VARIANTS, old_path.removeprefix("/media/"))
    assert await MediaAttachment.filter(account_id=bo.id, remote_url=av1).count() == 0

    # Pruning old cached copies keeps the ones a profile shows.
    await MediaAttachment.filter(account_id=bo.id).update(
        processed_at=datetime.now(UTC) - timedelta(days=90))
    assert await prune_remote_cache(services, 30) == 0
    assert store.exists(Area.VARIANTS, bo.avatar_url.removeprefix("/media/"))


async def test_a_dead_avatar_link_leaves_the_placeholder(media_env, image_server):
    services = media_env.services
    bo = await store_actor(actor_doc(image_server.url("/gone.png"), None), ACTOR, services)
    await media_env.run_jobs()
    bo = await Account.get(id=bo.id)
    assert bo.avatar_url is None and bo.header_url is None
    record = await MediaAttachment.get(account_id=bo.id)
    assert record.state == "failed" and "404" in record.state_reason
    assert account_entity(bo, services.urls.base)["avatar"].endswith("favicon.svg")
