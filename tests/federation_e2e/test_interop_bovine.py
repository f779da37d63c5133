"""bovine-herd as a real peer, in both directions.

Impasto → bovine: Impasto finds a bovine actor by WebFinger, fetches it with a signed GET
(bovine refuses unsigned ones) and delivers a Follow that bovine verifies — fetching our
actor through our authorized-fetch gate with its own signature. bovine's owner accepts
with bovine's client library; bovine delivers the Accept and then a public Note to its
followers, which Impasto stores.

bovine → Impasto: bovine's client posts a Follow to the bovine actor's outbox; bovine
delivers it signed with `#serverKey`; Impasto accepts; an Impasto work then reaches
bovine's inbox with its images, alt text and blurhash, and our extension terms expand
to their IRIs under bovine's JSON-LD processing."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass

import pytest

from instance.actions import social, works
from instance.actors.accounts import create_local_user
from instance.actors.remote import resolve_acct
from instance.jobboard import listings
from instance.storage.models import (
    Account,
    Follow,
    Job,
    JobApplication,
    JobListing,
    MediaAttachment,
    User,
    Work,
)
from tests.conftest import REPO_ROOT
from tests.federation_e2e.interop import interop_python
from tests.federation_e2e.test_two_instances import PASSWORD
from tests.rig.peers import third_party_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]
HERE = REPO_ROOT / "tests/federation_e2e"


@dataclass
class Bovine:
    """A running bovine-herd with one actor, and its owner's client."""

    python: str
    domain: str
    secret: str

    def client(self, command: str, argument: str | None = None):
        """Run one bovine_client.py command as the bovine actor; its JSON answer."""
        args = [self.python, str(HERE / "bovine_client.py"), f"http://{self.domain}", self.secret,
                command, *([argument] if argument else [])]
        done = subprocess.run(args, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout)


@pytest.fixture
def bovine(tmp_path):
    python = interop_python("bovine_herd", "bovine_store", "hypercorn")
    process = subprocess.Popen(
        [python, str(HERE / "bovine_server.py"), "milou",
         str(REPO_ROOT / "federation/contexts/jsonld-contexts.json"), str(third_party_port(0))],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        port, secret = process.stdout.readline().split()
        yield Bovine(python, f"127.0.0.1:{int(port)}", secret)
    finally:
        process.kill()
        process.wait()


async def local_account(peer, name: str) -> Account:
    async with peer.open() as services:
        user = await create_local_user(services.urls, name, PASSWORD)
        return await Account.get(id=user.account_id)


async def test_impasto_follows_a_bovine_actor_and_receives_its_note(peers, bovine):
    a, _ = peers
    rex = await local_account(a, "rex")
    async with a.open() as services:
        milou = await resolve_acct(services, "milou", bovine.domain)
        assert milou is not None, "WebFinger + signed actor fetch from bovine failed"
        assert milou.inbox_url and milou.public_key_pem.startswith("-----BEGIN")
        await social.follow(services, rex, milou)
    await a.run_jobs()
    async with a.open():
        job = await Job.filter(kind="outbox.deliver").order_by("-id").first()
        assert job.payload["inbox"] == milou.inbox_url
        assert job.state == "done", job.last_error  # bovine verified our signature: 2xx
        follow = await Follow.get(follower_id=rex.id, target_id=milou.id)
        assert follow.state == "pending"

    accepted = bovine.client("accept", follow.ap_id)
    assert accepted["status"] == 201, accepted
    await a.run_jobs()
    async with a.open():
        assert (await Follow.get(id=follow.id)).state == "accepted"

    posted = bovine.client("note", "<p>Drawing dogs all day</p>")
    assert posted["status"] == 201, posted
    await a.run_jobs()
    async with a.open():
        note = await Work.get(account_id=milou.id)
        assert note.local is False and "Drawing dogs all day" in note.content
        assert note.ap_id.startswith(f"http://{bovine.domain}/")


async def test_bovine_follows_an_impasto_artist_and_receives_a_work(peers, bovine):
    a, _ = peers
    ada = await local_account(a, "ada")
    ada_id = f"{a.url}/users/ada"
    sent = bovine.client("follow", ada_id)
    assert sent["status"] == 201, sent
    await a.run_jobs()  # the Follow in; Impasto accepts and delivers the Accept
    async with a.open():
        follow = await Follow.get(target_id=ada.id).prefetch_related("follower")
        assert follow.state == "accepted" and follow.follower.domain == bovine.domain
        accept = await Job.filter(kind="outbox.deliver").order_by("-id").first()
        assert accept.state == "done", accept.last_error

    async with a.open() as services:
        images = [
            await MediaAttachment.create(
                account=ada, state="ready", description=alt, width=800, height=600,
                blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
                variants={"display": {"jpeg": f"aa/{name}.jpg", "width": 800, "height": 600}},
            )
            for name, alt in (("fox", "A fox in gouache"), ("owl", "An owl in charcoal"))
        ]
        work = await works.create_work(services, ada, title="Night animals",
                                       content_source="Two studies #gouache",
                                       media_ids=[image.id for image in images])
    await a.run_jobs()

    inbox = bovine.client("inbox")
    creates = [item for item in inbox if item.get("type") == "Create"]
    assert [create["object"]["id"] for create in creates] == [work.ap_id], inbox
    note = creates[0]["object"]
    assert note["name"] == "Night animals" and "Two studies" in note["content"]
    attachments = note["attachment"]
    assert [item["name"] for item in attachments] == ["A fox in gouache", "An owl in charcoal"]
    # bovine re-compacts with its own context: our terms keep their JSON-LD meaning.
    blurhashes = [item["http://joinmastodon.org/ns#blurhash"] for item in attachments]
    assert blurhashes == ["LEHV6nWB2yk8pyo0adR*.7kCMdnj"] * 2
    assert note["https://impasto.art/ns#aiDeclaration"] == "none"


async def test_bovine_follows_the_job_board_and_applies_by_direct_reply(peers, bovine):
    """bovine follows A's jobs actor, receives a listing as a readable Note (title,
    summary, link) in the board's Announce, and its direct reply is recorded on A as an
    application to the listing."""
    a, _ = peers
    studio = await local_account(a, "owlstudio")
    sent = bovine.client("follow", f"{a.url}/services/jobs")
    assert sent["status"] == 201, sent
    await a.run_jobs()
    async with a.open():
        follow = await Follow.get(target__username="jobs.board", follower__domain=bovine.domain)
        assert follow.state == "accepted"
    async with a.open() as services:
        poster = await User.get(account_id=studio.id)
        listing = await listings.create_listing(services, poster, {
            "title": "Owl mural", "description": "A barn owl, three metres tall.",
            "pay_min": "2000", "pay_currency": "EUR", "pay_period": "project"}, publish=True)
    await a.run_jobs()
    announces = [item for item in bovine.client("inbox") if item.get("type") == "Announce"]
    assert len(announces) == 1, announces
    note = announces[0]["object"]
    if isinstance(note, str):  # bovine keeps a reference; its proxy gives the object
        note = bovine.client("proxy", note)
    assert note["id"] == listing.ap_id and note["name"] == "Owl mural"
    assert note["url"] == f"{a.url}/jobs/{listing.id}"
    assert "2,000 EUR per project" in note["content"] and listing.url in note["content"]

    replied = bovine.client("reply", json.dumps({
        "to": studio.ap_id, "inReplyTo": listing.ap_id,
        "content": "<p>I paint owls. Portfolio: http://milou.example/owls</p>"}))
    assert replied["status"] == 201, replied
    await a.run_jobs()
    async with a.open():
        application = await JobApplication.get(listing_id=listing.id).prefetch_related("applicant")
        assert application.applicant.domain == bovine.domain
        assert "I paint owls." in application.message
        assert (await JobListing.get(id=listing.id)).applications_count == 1
