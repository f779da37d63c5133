"""Reports across instances: a report on A about an artist on B, forwarded, arrives in
B's moderation queue as a Flag from A's instance actor (the reporter stays anonymous);
with reject_reports on B for A's domain it is dropped."""

from __future__ import annotations

import pytest

from instance.actors.accounts import create_local_user
from instance.actors.remote import resolve_acct
from instance.moderation.blocklist_formats import BlockEntry
from instance.moderation.domains import block_domain
from instance.moderation.reports import file_report
from instance.storage.models import Account, Report

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


async def test_forwarded_report_reaches_the_remote_queue(peers):
    a, b = peers
    async with b.open() as services:
        await create_local_user(services.urls, "copycat", "correct horse battery")
    async with a.open() as services:
        me = (await create_local_user(services.urls, "reporter1", "correct horse battery")).account_id
        target = await resolve_acct(services, "copycat", b.domain)
        reporter = await Account.get(id=me)
        await file_report(
            reporter, target, comment="traces my work", category="copyright", forward=True, services=services
        )
    await a.run_jobs()  # Flag → B
    await b.run_jobs()  # B's inbox
    async with b.open():
        report = await Report.get(target__username="copycat").prefetch_related("reporter")
        assert report.comment == "traces my work"
        assert report.reporter.actor_type == "Application"  # A's instance actor, not the person
        assert report.reporter.domain == a.domain

    async with b.open():
        await block_domain(BlockEntry(domain=a.domain, severity="noop", reject_reports=True))
    async with a.open() as services:
        target = await resolve_acct(services, "copycat", b.domain)
        await file_report(await Account.get(id=me), target, comment="again", forward=True, services=services)
    await a.run_jobs()
    await b.run_jobs()
    async with b.open():
        assert not await Report.filter(comment="again").exists()
        from instance.moderation.domains import unblock_domain

        await unblock_domain(a.domain)
