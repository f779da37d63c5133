"""Remote media: fetched through the SSRF guard with a size bound, checked for declared
AI, cached as cleaned variants, skipped for domains that reject media, pruned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from instance.attachments.remote import RemoteMediaError, fetch_remote_media, prune_remote_cache
from instance.moderation.blocklist_formats import BlockEntry
from instance.moderation.domains import block_domain
from instance.storage.models import Account, MediaAttachment
from media.storage import Area
from tests.media_integration.conftest import encode, fixture_file, textured_rgb
from tests.rig.loopback import loopback_server


@pytest.fixture
async def image_server():
    """Serves fixed bodies by path on 127.0.0.1 and records requests."""
    async with loopback_server() as server:
        yield server


@pytest.fixture
async def remote_artist(media_env):
    return await Account.create(ap_id="https://elsewhere.example/users/bo", username="bo",
                                domain="elsewhere.example", display_name="Bo")


async def test_remote_image_is_cached_clean_and_checked(media_env, image_server, remote_artist,
                                                        shared_dir):
    image_server.files["/a.png"] = ("image/png", encode(textured_rgb(300, 200)))
    image_server.files["/ai.png"] = ("image/png", fixture_file(shared_dir,
                                                               "comfyui_sdxl-turbo.png"))
    store = media_env.services.media_store
    media = await fetch_remote_media(media_env.services, remote_artist, image_server.url("/a.png"))
    assert (media.state, media.provenance_verdict, media.ai_label) == ("ready", "none", False)
    assert media.original_key is None and media.cloak_level == "off"
    key = media.variants["display"]["webp"]
    assert key.startswith("cache/") and store.exists(Area.VARIANTS, key)
    assert (media.width, media.height) == (300, 200)
    ai = await fetch_remote_media(media_env.services, remote_artist, image_server.url("/ai.png"))
    assert (ai.state, ai.provenance_verdict, ai.ai_label) == ("ready", "ai", True)
    assert any(s["signal"] == "comfyui" for s in ai.provenance_evidence)
    # Fetched once: a second call finds the cached copy.
    again = await fetch_remote_media(media_env.services, remote_artist, image_server.url("/a.png"))
    assert again.id == media.id and image_server.paths.count("/a.png") == 1


async def test_rejecting_domain_is_not_fetched(media_env, image_server, remote_artist):
    image_server.files["/a.png"] = ("image/png", encode(textured_rgb(300, 200)))
    await block_domain(BlockEntry(domain="127.0.0.1", severity="silence", reject_media=True))
    media = await fetch_remote_media(media_env.services, remote_artist, image_server.url("/a.png"))
    assert media.state == "rejected" and "domain policy" in media.state_reason
    assert image_server.requests == [] and media.variants == {}


async def test_ssrf_guard_and_size_bound(media_env, image_server, remote_artist, tmp_path):
    image_server.files["/big.png"] = ("image/png", encode(textured_rgb(300, 200)))
    media_env.rebuild(loopback=False)
    with pytest.raises(RemoteMediaError):
        await fetch_remote_media(media_env.services, remote_artist,
                                 image_server.url("/big.png"))
    assert image_server.requests == []  # refused before connecting
    media_env.rebuild(FEDERATION_MAX_REMOTE_MEDIA_BYTES="1000")
    with pytest.raises(RemoteMediaError, match="larger|too large"):
        await fetch_remote_media(media_env.services, remote_artist,
                                 image_server.url("/big.png"))
    media = await MediaAttachment.get(remote_url=image_server.url("/big.png"))
    assert media.state == "processing" and media.variants == {}


async def test_prune_drops_old_cached_copies(media_env, image_server, remote_artist):
    image_server.files["/a.png"] = ("image/png", encode(textured_rgb(300, 200)))
    image_server.files["/b.png"] = ("image/png", encode(textured_rgb(300, 200, seed=2)))
    old = await fetch_remote_media(media_env.services, remote_artist, image_server.url("/a.png"))
    new = await fetch_remote_media(media_env.services, remote_artist, image_server.url("/b.png"))
    await MediaAttachment.filter(id=old.id).update(
        processed_at=datetime.now(UTC) - timedelta(days=40))
    assert await prune_remote_cache(media_env.services, 30) == 1
    store = media_env.services.media_store
    assert not store.exists(Area.VARIANTS, old.variants["display"]["webp"])
    assert store.exists(Area.VARIANTS, new.variants["display"]["webp"])
    assert (await MediaAttachment.get(id=old.id)).variants == {}
    refetched = await fetch_remote_media(media_env.services, remote_artist,
                                         image_server.url("/a.png"))
    assert refetched.id == old.id and refetched.state == "ready"


async def test_inbox_record_is_cached_by_the_job_and_keeps_its_declared_label(
        media_env, image_server, remote_artist):
    """The inbox stores remote attachments as hotlinked `ready` records; the
    media.fetch_remote job caches them without losing what the sender declared."""
    image_server.files["/a.png"] = ("image/png", encode(textured_rgb(300, 200)))
    media = await MediaAttachment.create(account=remote_artist, remote_url=image_server.url("/a.png"),
                                         state="ready", ai_label=True, description="sea")
    await media_env.services.jobs.enqueue("media.fetch_remote", {"media_id": media.id})
    assert await media_env.run_jobs() == 1
    media = await MediaAttachment.get(id=media.id)
    assert media.variants["display"]["jpeg"].startswith("cache/")
    assert (media.provenance_verdict, media.ai_label) == ("none", True)
