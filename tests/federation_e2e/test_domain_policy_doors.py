"""Domain policies at every door, between two real instances over HTTP: B declares AI
content allowed and publishes works, one with a real AI-declared image from the shared
fixtures. On A: the AI report shows B; reject_media keeps B's images out; silence keeps B
off public timelines but not off followers' home; the remote AI policy hides the AI work;
one `impasto domain block` suspends B, after which nothing from B is stored and nothing is
delivered to B."""

from __future__ import annotations

import json

import httpx
import pytest

from instance.actions import social, works
from instance.actors.accounts import create_local_user
from instance.actors.remote import resolve_acct
from instance.attachments.uploads import create_upload
from instance.moderation.blocklist_formats import BlockEntry
from instance.moderation.domains import block_domain, unblock_domain
from instance.storage.models import (
    Account,
    InboxItem,
    InstanceInfo,
    Job,
    MediaAttachment,
    OAuthApplication,
    Work,
)
from tests.rig.loopback import Response, loopback_server
from tests.rig.peers import make_peer, serving
from tests.rig.processes import run_cli
from tests.rig.signing import signed_headers

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("policy_doors")]
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("doors")
    a = make_peer("a", tmp)
    b = make_peer("b", tmp, AI_DECLARED_POLICY="allowed", AI_LOCAL_AI_VERDICT="label", CLOAK_ENABLED="false")
    with serving(a, b):
        yield a, b


async def publish(peer, username: str, title: str, image: bytes | None = None, name: str = "") -> str:
    async with peer.open() as services:
        account = await Account.get(username=username, domain=None)
        media_ids = []
        if image is not None:
            media = await create_upload(
                services, account, image, filename=name, content_type="", description=title
            )
            media_ids.append(media.id)
    if media_ids:
        await peer.run_jobs()  # B processes its upload (labelled, not rejected, under B's policy)
    async with peer.open() as services:
        account = await Account.get(username=username, domain=None)
        work = await works.create_work(
            services, account, title=title, content_source=title, media_ids=media_ids
        )
        return work.ap_id


async def post_raw_image_work(a, b, image: bytes) -> str:
    """Sign, as ben on B, a Create whose image is served as-is (metadata intact) by a
    plain file server, and POST it to A's inbox — what a peer that keeps originals does."""
    jpeg = Response(200, {"Content-Type": "image/jpeg"}, image)
    async with loopback_server(lambda request: jpeg) as files:
        return await _post_note_with_image(a, b, files.port)


async def _post_note_with_image(a, b, port: int) -> str:
    async with b.open():
        ben = await Account.get(username="ben", domain=None)
    note_id = f"{ben.ap_id}/raw/1"
    activity = {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": f"{note_id}#create",
        "type": "Create",
        "actor": ben.ap_id,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "cc": [ben.followers_url],
        "object": {
            "id": note_id,
            "type": "Note",
            "attributedTo": ben.ap_id,
            "content": "<p>Butterfly, raw</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "published": "2026-11-24T12:00:00Z",
            "attachment": [
                {
                    "type": "Image",
                    "mediaType": "image/jpeg",
                    "name": "A butterfly",
                    "url": f"http://127.0.0.1:{port}/butterfly.jpg",
                }
            ],
        },
    }
    body = json.dumps(activity).encode()
    headers = signed_headers(f"{a.url}/inbox", body, ben)
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{a.url}/inbox", content=body, headers=headers)
    assert response.status_code == 202, response.text
    await a.run_jobs()  # the inbox item, and the image fetched from the file server
    return note_id


def public_timeline(peer) -> list[str]:
    answer = httpx.get(f"{peer.url}/api/v1/timelines/public?limit=40")
    assert answer.status_code == 200, "\n".join(peer.log[-60:])
    return [s["uri"] for s in answer.json()]


async def home_timeline(peer, username: str) -> list[str]:
    from instance.api.oauth.tokens import issue_token
    from instance.storage.models import User

    async with peer.open():
        app = await OAuthApplication.create(
            name="t", client_id=f"c-{username}", client_secret="s", scopes="read"
        )
        user = await User.get(account__username=username, account__domain=None)
        token, _ = await issue_token(app, user, ["read"])
    response = httpx.get(
        f"{peer.url}/api/v1/timelines/home?limit=40", headers={"Authorization": f"Bearer {token}"}
    )
    return [s["uri"] for s in response.json()]


async def test_every_door(pair, shared_dir):
    a, b = pair
    async with a.open() as services:
        await create_local_user(services.urls, "ana", PASSWORD)
    async with b.open() as services:
        await create_local_user(services.urls, "ben", PASSWORD)
    async with a.open() as services:
        ana = await Account.get(username="ana", domain=None)
        await social.follow(services, ana, await resolve_acct(services, "ben", b.domain))
    await a.run_jobs()  # Follow → B, and A reads B's NodeInfo (first meeting)
    await b.run_jobs()
    await a.run_jobs()  # Accept

    # The AI report shows B's declared policy.
    report = run_cli(["domain", "ai-report"], a.env).stdout
    assert b.domain in report and "allowed" in report
    async with a.open():
        assert (await InstanceInfo.get(domain=b.domain)).software == "impasto"

    # reject_media: B's work arrives, its image is never fetched.
    async with a.open():
        await block_domain(BlockEntry(domain=b.domain, severity="noop", reject_media=True))
    photo = (shared_dir / "fixtures/provenance/exif_canon-rebel-t3.jpg").read_bytes()
    no_media = await publish(b, "ben", "Study in grey", photo, "study.jpg")
    await b.run_jobs()
    await a.run_jobs()
    async with a.open():
        work = await Work.get(ap_id=no_media).prefetch_related("media")
        assert [m.state for m in work.media] == ["rejected"] and not work.media[0].variants
        await unblock_domain(b.domain)

    # The remote AI policy. B labelled its upload of an AI-declared image (C2PA, Firefly);
    # B serves only cleaned copies, so A learns it from B's declaration and hides it.
    firefly = (shared_dir / "fixtures/provenance/c2pa_firefly_butterfly.jpg").read_bytes()
    labelled = await publish(b, "ben", "Butterfly", firefly, "butterfly.jpg")
    plain = await publish(b, "ben", "Harbour")
    await b.run_jobs()
    await a.run_jobs()
    async with a.open():
        received = await Work.get(ap_id=labelled)
        assert received.ai_label and received.hidden
    # A server that passes original files on: A reads the image's own C2PA declaration.
    raw = await post_raw_image_work(a, b, firefly)
    await a.run_jobs()  # inbox, then the media fetch and its provenance check
    async with a.open():
        received = await Work.get(ap_id=raw).prefetch_related("media")
        assert received.media[0].provenance_verdict == "ai" and received.media[0].variants
        assert any(s["signal"] == "c2pa" for s in received.media[0].provenance_evidence)
        assert received.ai_label and received.hidden
        info = await InstanceInfo.get(domain=b.domain)
        assert info.works_seen == 4 and info.ai_works_seen == 2
    assert (
        plain in public_timeline(a) and raw not in public_timeline(a) and labelled not in public_timeline(a)
    )

    # silence: off public timelines, still in followers' home.
    async with a.open():
        await block_domain(BlockEntry(domain=b.domain, severity="silence"))
    assert plain not in public_timeline(a)
    assert plain in await home_timeline(a, "ana")

    # One command suspends B: content purged, follows severed, nothing stored, nothing sent.
    result = run_cli(["domain", "block", b.domain, "--severity", "suspend"], a.env)
    assert result.returncode == 0, result.stderr
    await a.run_jobs()  # the purge
    async with a.open():
        assert not await Work.filter(account__domain=b.domain).exists()
        assert not await MediaAttachment.filter(account__domain=b.domain).exists()
        inbox_before = await InboxItem.all().count()
    after = await publish(b, "ben", "After the block")
    await b.run_jobs()  # B delivers (it does not know); A answers 202 and stores nothing
    async with a.open():
        assert not await Work.filter(ap_id=after).exists()
        assert await InboxItem.all().count() == inbox_before
        ana = await Account.get(username="ana", domain=None)
    await publish(a, "ana", "A new painting")
    async with a.open():
        deliveries = await Job.filter(kind="outbox.deliver", state__in=("queued", "running")).values_list(
            "payload", flat=True
        )
        assert not [p for p in deliveries if b.domain in str(p)], (
            "a delivery to a suspended domain was queued"
        )
    await a.run_jobs()
    async with b.open():
        assert not await Work.filter(title="A new painting").exists()
    assert ana
