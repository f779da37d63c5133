"""An edited work reaches a second Impasto instance as an Update with its new fields (title,
description, tags, licence, medium, tools, images added, reordered, with new alt text and
focal point), and a work deleted from the web reaches it as a Delete. Real servers on
loopback, real signatures; each instance's jobs run in order, driven by the test."""

from __future__ import annotations

import httpx
import pytest

from instance.actions import editing, works
from instance.actions.editing import ImageEdit
from instance.storage.models import Account, MediaAttachment, Work
from tests.federation_e2e.test_two_instances import PASSWORD, exchange, follow, user
from tests.web.test_auth_pages import csrf, login

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]
BY = "https://creativecommons.org/licenses/by/4.0/"
BY_SA = "https://creativecommons.org/licenses/by-sa/4.0/"


async def image(account: Account, name: str) -> MediaAttachment:
    """A processed image (variants recorded; the peer fetches nothing in this test)."""
    return await MediaAttachment.create(
        account=account, state="ready", description=name, width=900, height=600,
        variants={"display": {"jpeg": f"ee/{name}.jpg", "width": 900, "height": 600}},
    )


async def received(peer, ap_id: str) -> tuple[Work, list[MediaAttachment], list[str]]:
    async with peer.open():
        work = await Work.get(ap_id=ap_id).prefetch_related("tags")
        media = await MediaAttachment.filter(work_id=work.id).order_by("position", "id")
        return work, media, sorted(t.name for t in work.tags)


async def test_an_edit_arrives_as_an_update_and_a_web_delete_as_a_delete(peers):
    a, b = peers
    await user(a, "ana")
    await user(b, "ben")
    await follow(a, "ana", b, "ben")
    await exchange(a, b, a)

    async with b.open() as services:
        ben = await Account.get(username="ben", domain=None)
        heron, reeds = await image(ben, "heron"), await image(ben, "reeds")
        work = await works.create_work(services, ben, title="Heron", content_source="Ink #heron",
                                       licence="CC-BY-4.0", medium="ink", media_ids=[heron.id, reeds.id])
    await exchange(b, a)
    first, media, tags = await received(a, work.ap_id)
    assert first.licence == BY and "Licence:" not in first.content  # shown once, from `licence`
    assert [m.description for m in media] == ["heron", "reeds"] and tags == ["heron"]

    async with b.open() as services:
        dunes = await image(ben, "dunes")
        await editing.edit_work(
            services, ben, work.id, title="Grey heron", content_source="Ink and wash #heron #grey",
            licence="CC-BY-SA-4.0", medium="ink and wash", tools=["brush", "reed pen"],
            tags=["study"], images=[ImageEdit(reeds.id, "Reeds in a grey wash"),
                                    ImageEdit(dunes.id, "Dunes"),
                                    ImageEdit(heron.id, None, (0.5, 0.25))])
    await exchange(b, a)
    edited, media, tags = await received(a, work.ap_id)
    assert (edited.title, edited.medium, edited.tools) == ("Grey heron", "ink and wash",
                                                           ["brush", "reed pen"])
    assert "Ink and wash" in edited.content and "Licence:" not in edited.content
    assert edited.licence == BY_SA and edited.edited_at is not None
    assert tags == ["grey", "heron", "study"]
    assert [m.description for m in media] == ["Reeds in a grey wash", "Dunes", "heron"]
    assert media[1].remote_url == f"{b.url}/media/ee/dunes.jpg"
    assert (media[2].focus_x, media[2].focus_y) == (0.5, 0.25)

    with httpx.Client(base_url=b.url) as browser:
        assert login(browser, "ben", PASSWORD).status_code == 302
        page = browser.get(f"/works/{work.id}/delete")
        assert page.status_code == 200 and "Delete this work" in page.text
        gone = browser.post(f"/works/{work.id}/delete", data={"csrf_token": csrf(browser, "/upload")})
        assert gone.status_code == 302
    await exchange(b, a)
    async with a.open():
        deleted = await Work.get(ap_id=work.ap_id)
        assert deleted.state == "deleted" and deleted.deleted_at is not None
        assert not await MediaAttachment.filter(work_id=deleted.id).exists()
