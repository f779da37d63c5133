"""Custom emoji on SQLite and PostgreSQL: a local upload goes through the media pipeline
(bad shortcode, too big, not an image are refused with a message), a work using it
federates an Emoji tag, an incoming Emoji tag is stored for its domain and its icon
fetched over real HTTP and cached (never hot-linked), entities list the emoji of each
text's origin only, and web rendering escapes text around the images."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from federation.jsonld import outgoing_context
from inbox.remote_works import store_work
from instance.actors.remote import store_actor
from instance.api.status_batch import statuses_for
from instance.emoji.entities import attach
from instance.emoji.remote import MAX_PER_OBJECT
from instance.emoji.store import EmojiRefused, add_local, local_list, remove_local, web_map
from instance.emoji.text import emojify
from instance.storage.models import Account, CustomEmoji, MediaAttachment, Work
from media.storage import Area
from outbox.documents import note_for
from tests.media_integration.conftest import encode, textured_rgb
from tests.rig.loopback import loopback_server

ACTOR = "https://elsewhere.example/users/bo"


def png(size: int = 64, seed: int = 1) -> bytes:
    return encode(textured_rgb(size, size, seed=seed))


@pytest.fixture
async def image_server():
    async with loopback_server() as server:
        yield server


async def test_local_emoji_upload_checks_and_reencodes(media_env):
    services = media_env.services
    row = await add_local(services, "blob_cat", png(300))
    assert row.domain is None and row.image_path.startswith("/media/emoji/")
    stored = services.media_store.get(Area.VARIANTS, row.image_key)
    assert stored[:4] == b"RIFF" and stored[8:12] == b"WEBP"  # re-encoded, not the upload
    for shortcode, data, words in (
        ("a", png(), "shortcode"), ("no-dash", png(), "shortcode"), ("x<b>", png(), "shortcode"),
        ("big", b"\x89PNG" + b"0" * (256 * 1024 + 10), "KB"),
        ("text", b"just some text, not an image", "Not an accepted image"),
        ("jpeg", encode(textured_rgb(32, 32), "JPEG"), "PNG, GIF or WebP"),
        ("blob_cat", png(), "already"),
    ):
        with pytest.raises(EmojiRefused, match=words):
            await add_local(services, shortcode, data)
    for shortcode, fmt in (("gif_one", "GIF"), ("webp_one", "WEBP")):
        await add_local(services, shortcode, encode(textured_rgb(48, 48), fmt))
        assert await remove_local(services, shortcode)
    assert [r.shortcode for r in await local_list()] == ["blob_cat"]
    assert await remove_local(services, "blob_cat")
    assert not services.media_store.exists(Area.VARIANTS, row.image_key)
    assert await CustomEmoji.all().count() == 0


async def test_a_work_using_a_local_emoji_federates_an_emoji_tag(media_env):
    services, artist = media_env.services, media_env.artist
    row = await add_local(services, "palette", png())
    await add_local(services, "unused", png(seed=3))
    work = await Work.create(ap_id=f"{artist.ap_id}/works/1", account=artist, state="ready",
                             content="<p>New piece :palette: and :unknown:</p>")
    note = await note_for(services, work)
    emoji = [t for t in note["tag"] if t["type"] == "Emoji"]
    base = services.config.base_url
    assert emoji == [{"id": f"{base}/emojis/{row.id}", "type": "Emoji", "name": ":palette:",
                      "updated": emoji[0]["updated"],
                      "icon": {"type": "Image", "mediaType": "image/webp",
                               "url": f"{base}{row.image_path}"}}]
    assert outgoing_context()[-1]["Emoji"] == "toot:Emoji"
    await CustomEmoji.filter(id=row.id).update(disabled=True)
    assert not [t for t in (await note_for(services, work))["tag"] if t["type"] == "Emoji"]


def emoji_tag(name: str, url: str) -> dict:
    return {"type": "Emoji", "id": f"https://elsewhere.example/emojis/{name}",
            "name": f":{name}:", "icon": {"type": "Image", "mediaType": "image/png", "url": url}}


async def test_incoming_emoji_tags_are_stored_per_domain_and_cached(media_env, image_server):
    services, store = media_env.services, media_env.services.media_store
    image_server.files["/wave.png"] = ("image/png", png(seed=4))
    image_server.files["/huge.png"] = ("image/png", encode(textured_rgb(1400, 1400), "PNG"))
    wave, huge = image_server.url("/wave.png"), image_server.url("/huge.png")
    await add_local(services, "wave", png(seed=5))  # a local :wave: is another emoji
    bo = await store_actor({"id": ACTOR, "type": "Person", "preferredUsername": "bo",
                            "inbox": f"{ACTOR}/inbox", "name": "Bo :wave:",
                            "tag": [emoji_tag("wave", wave)]}, ACTOR, services)
    note = {"id": f"{ACTOR}/notes/1", "type": "Note", "attributedTo": ACTOR,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "content": "<p>hello :wave: :huge: :palette:</p>",
            "tag": [emoji_tag("wave", wave), emoji_tag("huge", huge),
                    *[emoji_tag(f"e{i}", wave) for i in range(MAX_PER_OBJECT + 20)]]}
    work = await store_work(services, bo, note)
    remote = await CustomEmoji.get(shortcode="wave", domain="elsewhere.example")
    assert remote.image_path is None  # nothing shown before the icon is checked and cached
    assert await CustomEmoji.filter(domain="elsewhere.example").count() == MAX_PER_OBJECT
    await media_env.run_jobs()
    assert image_server.paths.count("/wave.png") >= 1
    remote = await CustomEmoji.get(id=remote.id)
    assert remote.image_path.startswith("/media/cache/")
    assert store.exists(Area.VARIANTS, remote.image_path.removeprefix("/media/"))
    too_big = await CustomEmoji.get(shortcode="huge", domain="elsewhere.example")
    assert too_big.image_path is None  # over the size bound: never shown
    refused = await MediaAttachment.get(remote_url=huge)
    assert refused.state == "rejected" and "256 KB" in refused.state_reason

    base = services.config.base_url
    [status] = await statuses_for([work.id], base, None)
    assert [e["shortcode"] for e in status["emojis"]] == ["wave"]  # not :palette:, not :huge:
    assert status["emojis"][0]["url"] == f"{base}{remote.image_path}"
    assert image_server.base not in str(status)
    assert [e["shortcode"] for e in status["account"]["emojis"]] == ["wave"]
    local = await Account.get(id=media_env.artist.id)
    await Account.filter(id=local.id).update(display_name="Pat :wave:")
    body = {"acct": local.username, "display_name": "Pat :wave:", "note": "", "fields": []}
    await attach(base, accounts=[body])
    assert body["emojis"][0]["url"] != status["emojis"][0]["url"]  # the local :wave:

    # The same tag again fetches nothing more.
    fetched = image_server.paths.count("/wave.png")
    await store_work(services, bo, note)
    await media_env.run_jobs()
    assert image_server.paths.count("/wave.png") == fetched


async def test_rendering_escapes_and_keeps_origins_apart(media_env):
    services = media_env.services
    await add_local(services, "star", png())
    known = await web_map((None, ("a :star: <b>",)), ("elsewhere.example", (":star:",)))
    assert set(known) == {None}
    html = str(emojify('<script>x</script> :star: :nope:', known, None))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'alt=":star:"' in html and "height:1.2em" in html and ":nope:" in html
    assert ":star:" in str(emojify(":star:", known, "elsewhere.example"))
    assert "<img" not in str(emojify(":star:", known, "elsewhere.example"))
    # markup already sanitised keeps its tags; shortcodes inside attributes stay text
    html = str(emojify(Markup('<a href="/:star:/">:star:</a>'), known, None))
    assert html.startswith('<a href="/:star:/">') and html.count("<img") == 1
