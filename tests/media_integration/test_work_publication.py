"""Upload → media job → the work is published once all its media are ready, at the
work's cloak level (instance.actions.works belongs to the federation side)."""

from __future__ import annotations

import pytest

from instance.attachments.processing import sync_work_cloak
from instance.attachments.uploads import create_upload
from instance.storage.models import MediaAttachment, Work
from tests.media_integration.conftest import encode, textured_rgb

works = pytest.importorskip("instance.actions.works",
                            reason="instance.actions.works (federation) is not there yet")


async def test_work_waits_for_its_media_then_publishes(media_env):
    services = media_env.services
    ids = []
    for seed in (1, 2):
        media = await create_upload(services, media_env.artist,
                                    encode(textured_rgb(192, 144, seed)), filename="a.png",
                                    content_type="image/png")
        ids.append(media.id)
    work = await works.create_work(services, media_env.artist, title="Two seas",
                                   content_source="Oil on board", media_ids=ids,
                                   cloak_level="low")
    assert work.state == "processing" and work.published_at is None
    await media_env.run_jobs()
    work = await Work.get(id=work.id)
    assert work.state == "ready" and work.published_at is not None
    for media in await MediaAttachment.filter(id__in=ids):
        assert (media.state, media.cloak_level) == ("ready", "low")  # the work's level


async def test_media_rendered_before_the_work_are_rendered_again_at_its_level(media_env):
    services = media_env.services
    media = await create_upload(services, media_env.artist, encode(textured_rgb(192, 144)),
                                filename="a.png", content_type="image/png")
    await media_env.run_jobs()
    media = await MediaAttachment.get(id=media.id)
    assert media.cloak_level == "medium"  # the instance default: no work yet
    old_key = media.variants["display"]["webp"]
    old_bytes = services.media_store.get("variants", old_key)
    # What create_work should do (see docs/media.md): attach, then sync_work_cloak in
    # the same transaction, before deciding whether the work is ready.
    work = await Work.create(ap_id=f"{media_env.artist.ap_id}/works/x", account=media_env.artist,
                             state="processing", cloak_level="low")
    await MediaAttachment.filter(id=media.id).update(work_id=work.id)
    assert await sync_work_cloak(services, work.id) == 1
    assert (await MediaAttachment.get(id=media.id)).state == "processing"
    await media_env.run_jobs()
    media = await MediaAttachment.get(id=media.id)
    assert (media.state, media.cloak_level) == ("ready", "low")
    assert media.variants["display"]["webp"] == old_key  # same URL, new rendering
    assert services.media_store.get("variants", old_key) != old_bytes
    assert (await Work.get(id=work.id)).state == "ready"
