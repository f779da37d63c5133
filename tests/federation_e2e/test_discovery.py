"""Discovery and actor documents over real HTTP: WebFinger round-trips, NodeInfo carries
the AI policy, the actor has every field peers read, browsers get the HTML profile, and
authorized fetch refuses unsigned ActivityPub GETs (but not the instance actor)."""

from __future__ import annotations

import httpx
import pytest

from federation.discovery import parse_jrd
from instance.accounts import create_local_user
from instance.actions import collections, social, works
from instance.federation.instance_actor import instance_signer
from instance.storage.models import Account
from tests.federation_e2e.test_two_instances import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]
AP = {"Accept": "application/activity+json"}


async def test_webfinger_nodeinfo_and_host_meta(peers):
    a, _ = peers
    async with a.open() as services:
        await create_local_user(services.urls, "lea", PASSWORD)
    acct = f"acct:lea@{a.domain}"
    response = httpx.get(f"{a.url}/.well-known/webfinger", params={"resource": acct})
    assert response.headers["content-type"] == "application/jrd+json"
    found = parse_jrd(response.json())
    assert found.subject == acct and found.actor_url == f"{a.url}/users/lea"
    assert found.profile_url == f"{a.url}/@lea"
    by_url = httpx.get(f"{a.url}/.well-known/webfinger", params={"resource": found.actor_url})
    assert by_url.json()["subject"] == acct
    assert httpx.get(f"{a.url}/.well-known/webfinger",
                     params={"resource": "acct:lea@elsewhere.example"}).status_code == 404
    links = httpx.get(f"{a.url}/.well-known/nodeinfo").json()["links"]
    assert [link["href"] for link in links] == [f"{a.url}/nodeinfo/2.0", f"{a.url}/nodeinfo/2.1"]
    info = httpx.get(links[1]["href"]).json()
    assert info["metadata"]["aiContentPolicy"] == "prohibited"
    assert info["metadata"]["mediaCloaked"] is True
    assert info["usage"]["users"]["total"] >= 1
    assert "lrdd" in httpx.get(f"{a.url}/.well-known/host-meta").text


async def test_actor_documents_and_authorized_fetch(peers):
    a, b = peers
    async with a.open() as services:
        mia = await Account.get(id=(await create_local_user(services.urls, "mia", PASSWORD)).account_id)
        fan = await Account.get(id=(await create_local_user(services.urls, "ned", PASSWORD)).account_id)
        await social.follow(services, fan, mia)
        work = await works.create_work(services, mia, title="Moth", content_source="wings")
        portfolio = await collections.create_collection(services, mia, title="Insects")
        await collections.add_work(services, mia, portfolio.id, work.id)
    actor_url = f"{a.url}/users/mia"
    assert httpx.get(actor_url, headers=AP).status_code == 401  # unsigned, authorized fetch
    browser = httpx.get(actor_url, headers={"Accept": "text/html"})
    assert browser.status_code == 302 and browser.headers["location"] == "/@mia"
    instance_actor = httpx.get(f"{a.url}/actor", headers=AP)
    assert instance_actor.status_code == 200 and instance_actor.json()["type"] == "Application"

    async with b.open() as services:  # B's instance actor signs the fetch
        signer = await instance_signer(services)
        doc = await services.http.fetch_json(actor_url, signer=signer)
        outbox = await services.http.fetch_json(doc["outbox"], signer=signer)
        page = await services.http.fetch_json(outbox["first"], signer=signer)
        followers = await services.http.fetch_json(doc["followers"], signer=signer)
        first = await services.http.fetch_json(followers["first"], signer=signer)
        note = await services.http.fetch_json(work.ap_id, signer=signer)
        streams = [await services.http.fetch_json(url, signer=signer) for url in doc["streams"]]
    assert doc["type"] == "Person" and doc["preferredUsername"] == "mia"
    assert doc["publicKey"]["owner"] == actor_url and "BEGIN PUBLIC KEY" in doc["publicKey"]["publicKeyPem"]
    assert doc["endpoints"]["sharedInbox"] == f"{a.url}/inbox"
    for name in ("inbox", "outbox", "followers", "following", "featured", "url", "published",
                 "manuallyApprovesFollowers", "discoverable", "indexable"):
        assert name in doc, name
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 1
    assert [item["object"]["id"] for item in page["orderedItems"]] == [work.ap_id]
    assert followers["totalItems"] == 1 and first["orderedItems"] == [f"{a.url}/users/ned"]
    assert note["type"] == "Note" and note["name"] == "Moth" and note["attributedTo"] == actor_url
    assert httpx.get(work.ap_id, headers=AP).status_code == 401
    assert [(c["name"], c["orderedItems"]) for c in streams] == [("Insects", [work.ap_id])]
