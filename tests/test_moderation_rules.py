"""Blocklist subscriptions (drafts, excludes, priorities), the AI-policy rules, NodeInfo
refresh, periodic jobs and allowlist mode — against a real loopback HTTP server."""

from __future__ import annotations

import json

import pytest

from instance.config import load_config
from instance.jobs.schedule import ensure_periodic_jobs
from instance.moderation.blocklist_formats import MASTODON_CSV_HEADER, BlockEntry
from instance.moderation.domains import allow_domain, block_domain, covering_policy, is_suspended
from instance.moderation.instances import ai_report, record_work_seen
from instance.moderation.subscriptions import apply_drafts, subscribe
from instance.services import close_services
from instance.storage.models import DomainPolicy, DomainPolicyDraft, InstanceInfo, Job
from tests.rig.jobs import run_jobs_until_idle
from tests.rig.loopback import loopback_server
from tests.rig.services import make_services


@pytest.fixture
async def static_server():
    async with loopback_server() as server:
        yield server


def csv_list(*rows: str) -> bytes:
    return (MASTODON_CSV_HEADER + "\n" + "".join(r + "\n" for r in rows)).encode()


async def test_subscription_drafts_changes_for_review(connected, static_server):
    services = make_services()
    url = f"http://127.0.0.1:{static_server.port}/list.csv"
    static_server.files["/list.csv"] = (
        "text/csv",
        csv_list(
            "farm.example,suspend,true,false,AI farm,false",
            "friend.example,suspend,false,false,,false",
            "mine.example,silence,false,false,,false",
        ),
    )
    await block_domain(BlockEntry(domain="mine.example", severity="noop"))  # an admin's own
    subscription = await subscribe(url, excludes=["friend.example"])
    await services.jobs.enqueue("moderation.refresh_blocklist", {"subscription_id": subscription.id})
    try:
        await run_jobs_until_idle(services)
        drafts = await DomainPolicyDraft.filter(state="pending")
        assert [d.domain for d in drafts] == ["farm.example"]  # excluded and manual skipped
        assert await covering_policy("farm.example") is None  # nothing applies before review
        assert await apply_drafts([drafts[0].id]) == ["farm.example"]
        policy = await DomainPolicy.get(domain="farm.example")
        assert policy.severity == "suspend" and policy.reject_media and policy.source == url
        assert (await DomainPolicy.get(domain="mine.example")).severity == "noop"

        # The list changes: the change is drafted again; an unchanged entry is not.
        static_server.files["/list.csv"] = (
            "text/csv",
            csv_list(
                "farm.example,suspend,true,false,AI farm,false",
                "new.example,silence,false,false,,false",
            ),
        )
        await services.jobs.enqueue("moderation.refresh_blocklist", {"subscription_id": subscription.id})
        await run_jobs_until_idle(services)
        assert await DomainPolicyDraft.filter(state="pending").values_list("domain", flat=True) == [
            "new.example"
        ]
        # A lower-priority list may not override a higher one's policy.
        low = await subscribe(f"http://127.0.0.1:{static_server.port}/low.csv", priority=-5)
        static_server.files["/low.csv"] = ("text/csv", csv_list("farm.example,noop,false,false,,false"))
        await services.jobs.enqueue("moderation.refresh_blocklist", {"subscription_id": low.id})
        await run_jobs_until_idle(services)
        assert not await DomainPolicyDraft.filter(subscription=low, state="pending").exists()
    finally:
        await close_services(services)


async def test_unreachable_blocklist_is_retried_with_its_error_kept(connected, static_server):
    services = make_services()
    subscription = await subscribe(f"http://127.0.0.1:{static_server.port}/missing.csv")
    await services.jobs.enqueue("moderation.refresh_blocklist", {"subscription_id": subscription.id})
    try:
        await run_jobs_until_idle(services)
    finally:
        await close_services(services)
    await subscription.refresh_from_db()
    assert "HTTP 404" in subscription.last_error
    job = await Job.get(kind="moderation.refresh_blocklist")
    assert job.state == "queued" and job.attempts == 1


NODEINFO_LINKS = {
    "links": [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": "NODEINFO_URL"}]
}


@pytest.mark.parametrize(
    ("rule", "expected"), [("off", None), ("suspend", "suspend"), ("silence", "silence")]
)
async def test_nodeinfo_refresh_and_declared_ai_rule(connected, static_server, rule, expected):
    domain = f"127.0.0.1:{static_server.port}"
    links = json.dumps(NODEINFO_LINKS).replace("NODEINFO_URL", f"http://{domain}/nodeinfo/2.1")
    static_server.files["/.well-known/nodeinfo"] = ("application/json", links.encode())
    nodeinfo = {
        "version": "2.1",
        "software": {"name": "SlopServer", "version": "6.6"},
        "openRegistrations": True,
        "metadata": {"aiContentPolicy": "allowed"},
    }
    static_server.files["/nodeinfo/2.1"] = ("application/json", json.dumps(nodeinfo).encode())
    services = make_services(ai_defederate_declared_ai=rule)
    await services.jobs.enqueue("instances.refresh_nodeinfo", {"domain": domain, "scheme": "http"})
    try:
        await run_jobs_until_idle(services)
    finally:
        await close_services(services)
    info = await InstanceInfo.get(domain=domain)
    assert (info.software, info.version, info.declared_ai_policy) == ("slopserver", "6.6", "allowed")
    policy = await covering_policy(domain)
    assert (policy.severity if policy else None) == expected
    rows = await ai_report()
    assert rows[0].domain == domain and rows[0].declared_ai_policy == "allowed"
    assert rows[0].policy == (expected or "none")


async def test_ai_rate_rule_only_proposes(connected):
    quiet = load_config(None, environ={})
    on = load_config(
        None, environ={"IMPASTO_AI_PROPOSE_BY_AI_RATE": "true", "IMPASTO_AI_PROPOSE_MIN_WORKS": "10"}
    )
    for n in range(12):
        await record_work_seen(quiet, "mostly-ai.example", ai=n < 9)
    assert not await DomainPolicyDraft.exists()  # off by default
    await record_work_seen(on, "mostly-ai.example", ai=True)
    draft = await DomainPolicyDraft.get(domain="mostly-ai.example")
    assert draft.state == "pending" and "AI rate 77% over 13 works" in draft.reason
    assert await covering_policy("mostly-ai.example") is None  # proposed, never applied
    for _ in range(12):
        await record_work_seen(on, "human.example", ai=False)
    assert not await DomainPolicyDraft.filter(domain="human.example").exists()


async def test_periodic_jobs_are_queued_once(connected):
    services = make_services()
    try:
        assert await ensure_periodic_jobs(services) == 5  # blocklists, two prunes, listing and archive expiry
        assert await ensure_periodic_jobs(services) == 0
    finally:
        await close_services(services)
    kinds = set(await Job.all().values_list("kind", flat=True))
    assert kinds == {"moderation.refresh_all_blocklists", "maintenance.prune_jobs",
                     "maintenance.prune_counters", "jobboard.expire", "portability.expire_archives"}


async def test_allowlist_mode(connected):
    await allow_domain("friends.example")
    assert not await is_suspended("stranger.example")
    assert await is_suspended("stranger.example", allowlist_mode=True)
    assert not await is_suspended("art.friends.example", allowlist_mode=True)
