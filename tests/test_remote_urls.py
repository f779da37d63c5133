"""URLs from remote documents (federation/remote_urls.py): only http(s), parsed and
normalised, reach storage (actor cache, received works) and clients/pages (API entities
and templates check rows again); every other kind is dropped with a logged reason."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest

from federation.remote_urls import check, first_http_url
from instance.actors.remote import store_actor
from instance.api.entities import account_entity, media_entity
from instance.storage.models import Follow, MediaAttachment, Work
from tests.test_actions import local, remote
from tests.test_inbox_handlers import PUBLIC, receive, remote_object

HOSTILE = {
    "javascript:alert(document.cookie)": "javascript:",
    "JaVaScRiPt:alert(1)": "javascript:",
    "java\tscript:alert(1)": "control characters",
    "data:text/html;base64,PHNjcmlwdD4=": "data:",
    "vbscript:msgbox(1)": "vbscript:",
    "mailto:someone@far.example": "mailto:",
    "file:///etc/passwd": "file:",
    "ftp://far.example/a.png": "ftp:",
    "/relative/avatar.png": "relative",
    "//far.example/scheme-relative.png": "relative",
    "avatar.png": "relative",
    "https://user:pw@far.example/a.png": "user information",
    "https://far.example\\@evil.example/": "backslashes",
    "https://far.example/a b.png": "spaces",
    "https://far.example/\x00.png": "control characters",
    "https:///no-host.png": "without a host",
    "https://far.example:99999/": "unparsable",
    "https://ev<il>.example/": "invalid host",
    "https://" + "a" * 3000 + ".example/": "longer than",
    "": "empty",
}
NORMALISED = {
    "HTTPS://Far.EXAMPLE:443/a.png": "https://far.example/a.png",
    "http://far.example:80/x?q=1#f": "http://far.example/x?q=1#f",
    "https://bücher.example/é.png": "https://xn--bcher-kva.example/%C3%A9.png",
    "https://far.example/<x>\"y": "https://far.example/%3Cx%3E%22y",
    "https://far.example:8443": "https://far.example:8443/",
    "http://[2001:db8::1]:8080/a": "http://[2001:db8::1]:8080/a",
}


@pytest.mark.parametrize("url", list(HOSTILE))
def test_every_other_kind_is_dropped_with_a_reason(url):
    kept, reason = check(url)
    assert kept is None and HOSTILE[url] in reason


@pytest.mark.parametrize("url", list(NORMALISED))
def test_http_urls_are_normalised(url):
    assert check(url) == (NORMALISED[url], None)


def test_first_usable_candidate_of_link_objects_and_the_reason_logged(caplog):
    value = [{"type": "Link", "href": "javascript:alert(1)"}, "data:x",
             {"type": "Image", "url": {"type": "Link", "href": "https://far.example/ok.png"}}]
    with caplog.at_level(logging.INFO, "impasto.federation"):
        assert first_http_url(value, "icon", "https://far.example/u") == "https://far.example/ok.png"
    reasons = [r.reason for r in caplog.records if r.getMessage().startswith("dropped a URL")]
    assert reasons == ["javascript: URL (only http and https)", "data: URL (only http and https)"]


async def test_actor_cache_keeps_only_http_urls(connected):
    actor = "https://far.example/users/mal"
    doc = {"id": actor, "type": "Person", "preferredUsername": "mal", "inbox": f"{actor}/inbox",
           "url": "javascript:alert(1)", "icon": {"type": "Image", "url": "data:image/png;base64,AA"},
           "image": [{"type": "Image", "url": "//evil.example/h.png"},
                     {"type": "Image", "url": "HTTPS://Far.Example/h.png"}]}
    stored = await store_actor(doc, actor)
    assert (stored.url, stored.avatar_remote_url, stored.header_remote_url) == (
        actor, None, "https://far.example/h.png")
    assert (stored.avatar_url, stored.header_url) == (None, None)  # served once cached


async def test_received_works_keep_only_http_urls(services, caplog):
    fan = await local(services, "fan")
    artist = await remote("pix", "far.example")
    await Follow.create(follower=fan, target=artist, state="accepted")
    good = {"type": "Image", "mediaType": "image/png", "url": "https://far.example/m/a.png"}
    bad = [dict(good, url=u) for u in ("javascript:alert(1)", "/m/b.png", "data:image/png,AA")]
    obj = remote_object(artist, "Image", 7, url="javascript:alert(2)", attachment=[*bad, good])
    with caplog.at_level(logging.INFO, "impasto.federation"):
        item = await receive(services, artist, "Create", obj, to=[PUBLIC])
    assert item.state == "processed", item.reason
    work = await Work.get(ap_id=obj["id"])
    assert work.url == obj["id"]  # the javascript: url dropped; the id is the link
    assert await MediaAttachment.filter(work_id=work.id).values_list("remote_url", flat=True) == [
        "https://far.example/m/a.png"]
    assert len([r for r in caplog.records if r.getMessage().startswith("dropped a URL")]) == 4


def test_rows_stored_before_the_rule_are_checked_at_render():
    base = "https://art.test"
    row = SimpleNamespace(
        id=1, username="old", domain="far.example", display_name="", locked=False, bot=False,
        actor_type="Person", discoverable=False, indexable=False, created_at=None, note="",
        url="javascript:alert(1)", ap_id="https://far.example/users/old",
        avatar_url="javascript:alert(2)", header_url="data:text/html,x", followers_count=0,
        following_count=0, works_count=0, last_work_at=None, fields_json=[], moved_to_id=None)
    entity = account_entity(row, base)
    assert entity["url"] == row.ap_id
    assert entity["avatar"].startswith(base) and entity["header"].startswith(base)
    media = MediaAttachment(id=2, state="ready", variants={}, remote_url="javascript:alert(3)",
                            focus_x=0, focus_y=0)
    shown = media_entity(media, base)
    assert shown["url"] is None and shown["remote_url"] is None
