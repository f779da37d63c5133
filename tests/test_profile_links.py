"""Profile-link verification (the `accounts.verify_links` job) against real pages on a
loopback server: a page linking back with rel="me" verifies its field, others do not, a
suspended domain is never contacted, and the result shows in the client API and the
federated Person. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from instance.actions.social import update_profile
from instance.actors.accounts import create_local_user
from instance.api.entities import account_entity
from instance.jobs import kinds
from instance.moderation.blocklist_formats import BlockEntry
from instance.moderation.domains import block_domain
from instance.storage.models import Account, Job
from outbox.documents import person_for
from tests.rig.jobs import run_jobs_until_idle
from tests.rig.loopback import Response, loopback_server
from tests.rig.services import built_services

HTML = {"Content-Type": "text/html; charset=utf-8"}


@pytest.fixture
async def services(connected, tmp_path):
    """An instance that may reach exactly the loopback pages this test opens."""
    async for built in built_services(connected, tmp_path):
        yield built


def page(body: str) -> Response:
    return Response(200, HTML, f"<!doctype html><html><body>{body}</body></html>".encode())


async def test_only_pages_linking_back_are_verified(services):
    user = await create_local_user(services.urls, "mira", "a long enough password")
    profile = services.urls.profile("mira")
    pages = {
        "/good": page(f'<a rel="me" href="{profile}">Mira on art.test</a>'),
        "/no-rel": page(f'<a href="{profile}">Mira</a>'),
        "/other": page('<a rel="me" href="https://art.test/@someone">them</a>'),
        "/text": Response(200, {"Content-Type": "text/plain"}, f'<a rel="me" href="{profile}">'.encode()),
    }
    async with loopback_server(lambda r: pages.get(r["target"], Response(404))) as site:
        links = {path: site.url(path) for path in (*pages, "/missing")}
        account = await Account.get(id=user.account_id)
        await update_profile(services, account, fields_json=[
            {"name": path.strip("/"), "value": url} for path, url in links.items()
        ])
        await run_jobs_until_idle(services)
        assert sorted(site.paths) == sorted(links)  # each page fetched once
    fields = (await Account.get(id=user.account_id)).fields_json
    verified = {f["name"] for f in fields if f.get("verified_at")}
    assert verified == {"good"}

    # a save that keeps the link keeps its check until the job has looked again
    account = await Account.get(id=user.account_id)
    kept = [{"name": "Shop", "value": links["/good"]}]
    await update_profile(services, account, fields_json=kept)
    assert (await Account.get(id=user.account_id)).fields_json[0].get("verified_at")

    account = await Account.get(id=user.account_id)
    entity = account_entity(account, services.config.base_url)  # the client API's account
    assert entity["fields"][0]["verified_at"] == account.fields_json[0]["verified_at"]
    person = person_for(services, account)
    assert person["attachment"][0]["value"].startswith(f'<a href="{links["/good"]}" rel="me ')


async def test_a_suspended_domain_is_not_contacted(services):
    user = await create_local_user(services.urls, "mira", "a long enough password")
    profile = services.urls.profile("mira")
    async with loopback_server(lambda r: page(f'<a rel="me" href="{profile}">')) as site:
        await block_domain(BlockEntry(domain=f"localhost:{site.port}", severity="suspend"))
        account = await Account.get(id=user.account_id)
        await update_profile(services, account, fields_json=[
            {"name": "Blocked", "value": f"http://localhost:{site.port}/me"},
            {"name": "Fine", "value": site.url("/me")},
        ])
        await run_jobs_until_idle(services)
        assert site.paths == ["/me"]  # only the 127.0.0.1 one
    fields = (await Account.get(id=user.account_id)).fields_json
    assert [bool(f.get("verified_at")) for f in fields] == [False, True]


async def test_plain_text_fields_queue_no_job(services):
    user = await create_local_user(services.urls, "mira", "a long enough password")
    account = await Account.get(id=user.account_id)
    await update_profile(services, account, fields_json=[{"name": "Medium", "value": "oil & ink"}])
    assert not await Job.filter(kind=kinds.VERIFY_PROFILE_LINKS).exists()
