"""Discovery and actor documents over real HTTP: WebFinger round-trips, NodeInfo carries
the AI policy, the actor has every field peers read, browsers get the HTML profile, and
authorized fetch refuses unsigned ActivityPub GETs (but not the instance actor)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from federation.discovery import parse_jrd
from instance.actions import collections, social, works
from instance.actors.accounts import create_local_user
from instance.actors.instance_actor import instance_signer
from instance.storage.models import Account, Work
from instance.web.activitypub.actors import PAGE_SIZE
from tests.federation_e2e.test_two_instances import PASSWORD

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]
AP = {"Accept": "application/activity+json"}


async def collection_items(http: Any, doc: dict, signer: Any, max_pages: int = 20) -> list:
    """Every item of a collection as peers read one: inline `orderedItems`/`items`, then
    `first` (an embedded page or its URL) and each `next` after it."""
    items = list(doc.get("orderedItems") or doc.get("items") or [])
    page = doc.get("first")
    for _ in range(max_pages):
        if not page:
            break
        if isinstance(page, str):
            page = await http.fetch_json(page, signer=signer)
        items += page.get("orderedItems") or page.get("items") or []
        page = page.get("next")
    return items


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
        await Account.filter(id=mia.id).update(avatar_url="/media/av/mia.png",
                                               header_url="/media/hd/mia.jpg")
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
        streams = [(c["name"], await collection_items(services.http, c, signer)) for c in streams]
    assert doc["type"] == "Person" and doc["preferredUsername"] == "mia"
    assert doc["publicKey"]["owner"] == actor_url and "BEGIN PUBLIC KEY" in doc["publicKey"]["publicKeyPem"]
    assert doc["endpoints"]["sharedInbox"] == f"{a.url}/inbox"
    for name in ("inbox", "outbox", "followers", "following", "featured", "url", "published",
                 "manuallyApprovesFollowers", "discoverable", "indexable"):
        assert name in doc, name
    assert doc["icon"] == {"type": "Image", "mediaType": "image/png", "url": f"{a.url}/media/av/mia.png"}
    assert doc["image"] == {"type": "Image", "mediaType": "image/jpeg", "url": f"{a.url}/media/hd/mia.jpg"}
    assert outbox["type"] == "OrderedCollection" and outbox["totalItems"] == 1
    assert [item["object"]["id"] for item in page["orderedItems"]] == [work.ap_id]
    assert followers["totalItems"] == 1 and first["orderedItems"] == [f"{a.url}/users/ned"]
    assert note["type"] == "Note" and note["name"] == "Moth" and note["attributedTo"] == actor_url
    assert httpx.get(work.ap_id, headers=AP).status_code == 401
    assert streams == [("Insects", [work.ap_id])]


async def test_featured_and_portfolio_collections_page(peers):
    """More than a page of pinned works and portfolio items: the collection embeds its first
    page (PAGE_SIZE items and `next`), `?page=2` has the rest and no `next`, and every page
    is behind authorized fetch."""
    a, b = peers
    count = PAGE_SIZE + 3
    async with a.open() as services:
        ova = await Account.get(id=(await create_local_user(services.urls, "ova", PASSWORD)).account_id)
        made = [await works.create_work(services, ova, title=f"Egg {n}", content_source="shell")
                for n in range(count)]
        start = datetime(2024, 1, 1, tzinfo=UTC)
        for n, work in enumerate(made):
            await Work.filter(id=work.id).update(pinned_at=start + timedelta(minutes=n))
        shelf = await collections.create_collection(services, ova, title="Clutch", description="Eggs")
        for work in made:
            await collections.add_work(services, ova, shelf.id, work.id)
    pinned = [w.ap_id for w in reversed(made)]  # newest pin first
    in_order = [w.ap_id for w in made]
    featured_url, shelf_url = f"{a.url}/users/ova/collections/featured", shelf.ap_id

    for url in (featured_url, f"{featured_url}?page=2", shelf_url, f"{shelf_url}?page=2"):
        assert httpx.get(url, headers=AP).status_code == 401, url  # unsigned, authorized fetch

    async with b.open() as services:
        signer = await instance_signer(services)
        actor = await services.http.fetch_json(f"{a.url}/users/ova", signer=signer)
        featured = await services.http.fetch_json(actor["featured"], signer=signer)
        featured_rest = await services.http.fetch_json(featured["first"]["next"], signer=signer)
        featured_all = await collection_items(services.http, featured, signer)
        assert actor["streams"] == [shelf_url]
        shelf_doc = await services.http.fetch_json(shelf_url, signer=signer)
        shelf_rest = await services.http.fetch_json(shelf_doc["first"]["next"], signer=signer)
        shelf_all = await collection_items(services.http, shelf_doc, signer)

    assert featured["type"] == "OrderedCollection" and featured["totalItems"] == count
    assert featured["id"] == featured_url and "orderedItems" not in featured
    first = featured["first"]
    assert first["type"] == "OrderedCollectionPage" and first["id"] == f"{featured_url}?page=1"
    assert first["partOf"] == featured_url and first["next"] == f"{featured_url}?page=2"
    assert [note["id"] for note in first["orderedItems"]] == pinned[:PAGE_SIZE]
    assert {note["type"] for note in first["orderedItems"]} == {"Note"}
    assert featured_rest["id"] == f"{featured_url}?page=2" and featured_rest["partOf"] == featured_url
    assert featured_rest["type"] == "OrderedCollectionPage" and "next" not in featured_rest
    assert [note["id"] for note in featured_rest["orderedItems"]] == pinned[PAGE_SIZE:]
    assert [note["id"] for note in featured_all] == pinned

    assert shelf_doc["type"] == "OrderedCollection" and shelf_doc["totalItems"] == count
    assert (shelf_doc["name"], shelf_doc["summary"]) == ("Clutch", "Eggs")
    assert shelf_doc["attributedTo"] == f"{a.url}/users/ova" and "orderedItems" not in shelf_doc
    assert shelf_doc["first"]["id"] == f"{shelf_url}?page=1" and shelf_doc["first"]["partOf"] == shelf_url
    assert shelf_doc["first"]["orderedItems"] == in_order[:PAGE_SIZE]
    assert shelf_doc["first"]["next"] == f"{shelf_url}?page=2"
    assert shelf_rest["orderedItems"] == in_order[PAGE_SIZE:] and "next" not in shelf_rest
    assert shelf_all == in_order
