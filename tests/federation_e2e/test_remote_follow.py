"""Following from another server's page, between two real instances over HTTP: WebFinger
offers the OStatus subscribe template, "follow from your server" on B sends the visitor to
A's `/authorize_interaction`, where they log in and follow. Failures are sentences, and a
suspended server is never contacted."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest

from instance.actions import works
from instance.moderation.blocklist_formats import BlockEntry
from instance.moderation.domains import block_domain
from instance.storage.models import Account, Follow
from tests.federation_e2e.test_two_instances import PASSWORD, user
from tests.rig.loopback import loopback_server
from tests.rig.peers import LOOPBACK_SITE, third_party_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]
SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
RAW = re.compile(r"Errno|Traceback|Exception|\bGET\b|answered \d{3}")


async def token(client: httpx.AsyncClient, url: str) -> str:
    page = await client.get(url)
    assert page.status_code == 200, page.text
    found = TOKEN.search(page.text)
    assert found is not None
    return found.group(1)


async def follow_from_b(client: httpx.AsyncClient, b, artist: str, handle: str) -> httpx.Response:
    """A visitor on B's page of `artist` gives their handle (the form, with its token)."""
    form = {"csrf_token": await token(client, f"{b.url}/@{artist}"), "handle": handle}
    return await client.post(f"{b.url}/@{artist}/follow-from-elsewhere", data=form)


def sentence(response: httpx.Response) -> str:
    """The message page's text, checked to be words and not a raw error."""
    text = re.sub(r"<[^>]+>", " ", response.text)
    assert not RAW.search(text), text
    return " ".join(text.split())


async def test_webfinger_offers_the_subscribe_template(peers):
    a, _ = peers
    await user(a, "tess")
    jrd = httpx.get(f"{a.url}/.well-known/webfinger", params={"resource": f"acct:tess@{a.domain}"}).json()
    links = {link["rel"]: link for link in jrd["links"]}
    assert links[SUBSCRIBE]["template"] == f"{a.url}/authorize_interaction?uri={{uri}}"
    assert "href" not in links[SUBSCRIBE]


async def test_remote_follow_through_the_subscribe_template(peers):
    a, b = peers
    await user(a, "remi")
    await user(b, "odile")
    async with b.open() as services:
        author = await Account.get(username="odile", domain=None)
        dune = await works.create_work(services, author, title="Dune grass", content_source="Charcoal")
    odile = f"{b.url}/users/odile"
    async with httpx.AsyncClient() as client:
        sent = await follow_from_b(client, b, "odile", f"@remi@{a.domain}")
        assert sent.status_code == 302, sent.text
        assert sent.headers["location"] == f"{a.url}/authorize_interaction?uri={quote(odile, safe='')}"
        arrived = await client.get(sent.headers["location"])  # not logged in on A yet
        assert arrived.status_code == 302 and arrived.headers["location"].startswith("/login?next=")
        login = {"csrf_token": await token(client, f"{a.url}/login"), "username": "remi",
                 "password": PASSWORD, "next": f"/authorize_interaction?uri={quote(odile, safe='')}"}
        logged_in = await client.post(f"{a.url}/login", data=login)
        assert logged_in.status_code == 302
        page = await client.get(a.url + logged_in.headers["location"])
        assert page.status_code == 200, page.text
        assert f"@odile@{b.domain}" in page.text and ">Follow<" in page.text
        from_work = await client.get(f"{a.url}/authorize_interaction", params={"uri": dune.ap_id})
        assert from_work.status_code == 200, from_work.text
        assert "The work you came from" in from_work.text and "Dune grass" in from_work.text
        own = await client.get(f"{a.url}/authorize_interaction", params={"uri": f"{a.url}/users/remi"})
        assert own.status_code == 422 and "That is your own account." in sentence(own)
        nowhere = await client.get(f"{a.url}/authorize_interaction",
                                   params={"uri": "acct:x@no-such-server.invalid"})
        assert "There is no server called no-such-server.invalid" in sentence(nowhere)
        action = re.search(r'<form method="post" action="(/accounts/\d+/follow)"', page.text)
        assert action is not None
        followed = await client.post(a.url + action.group(1),
                                     data={"csrf_token": TOKEN.search(page.text).group(1)})
        assert followed.status_code == 302
    await a.run_jobs()  # Follow → B
    await b.run_jobs()  # B accepts → A
    await a.run_jobs()
    async with a.open():
        follow = await Follow.get(follower__username="remi", follower__domain=None)
        assert follow.state == "accepted"
    async with b.open():
        odile_row = await Account.get(username="odile", domain=None)
        assert await Follow.filter(target_id=odile_row.id, follower__username="remi",
                                   state="accepted").exists()


async def test_failures_are_sentences_and_a_blocked_server_is_not_contacted(peers):
    _, b = peers
    await user(b, "pia")
    # The peers may reach exactly the ports reserved for servers started after them.
    async with loopback_server(port=third_party_port(LOOPBACK_SITE)) as elsewhere, \
            httpx.AsyncClient() as client:
        elsewhere.documents["/.well-known/webfinger?resource=acct:kim@" + f"127.0.0.1:{elsewhere.port}"] = {
            "subject": f"acct:kim@127.0.0.1:{elsewhere.port}",
            "links": [{"rel": "self", "type": "application/activity+json", "href": elsewhere.url("/kim")}],
        }
        server = f"127.0.0.1:{elsewhere.port}"

        unknown = await follow_from_b(client, b, "pia", "@kim@no-such-server.invalid")
        assert unknown.status_code == 404
        assert "There is no server called no-such-server.invalid" in sentence(unknown)

        no_template = await follow_from_b(client, b, "pia", f"@kim@{server}")
        assert no_template.status_code == 422
        assert f"{server} does not offer following" in sentence(no_template)

        missing = await follow_from_b(client, b, "pia", f"@nobody@{server}")
        assert missing.status_code == 404
        assert f"{server} has no account @nobody@{server}" in sentence(missing)

        bad = await follow_from_b(client, b, "pia", "not a handle")
        assert bad.status_code == 422 and "@you@your.server" in sentence(bad)
        assert len(elsewhere.requests) == 2  # the two lookups above, nothing else

        async with b.open():
            await block_domain(BlockEntry(domain=server, severity="suspend"))
        blocked = await follow_from_b(client, b, "pia", f"@kim@{server}")
        assert blocked.status_code == 403
        assert f"does not exchange with {server}" in sentence(blocked)
        assert len(elsewhere.requests) == 2  # the suspended server was not contacted
