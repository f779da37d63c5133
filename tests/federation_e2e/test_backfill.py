"""Backfill between two real instances: when someone on A follows an artist of B, A
fetches B's outbox (the works as they are now, edits included) and featured collection
and stores them, so the artist's page on A shows their existing works at once — not an
empty portfolio until their next post. Followers-only works and replies stay out."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from instance.actions import editing, social, works
from instance.actors.remote import resolve_acct
from instance.jobs import kinds
from instance.storage.models import Account, Job, Work
from tests.federation_e2e.test_two_instances import user

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("federation_e2e")]


async def test_a_new_follower_sees_the_artists_existing_works(peers):
    a, b = peers
    await user(a, "walt")
    await user(a, "wren")
    await user(b, "vera")
    async with b.open() as services:
        vera = await Account.get(username="vera", domain=None)
        titles = {}
        for title in ("Salt marsh", "Low tide", "Pinned gull"):
            work = await works.create_work(services, vera, title=title,
                                           content_source=f"{title} #coast")
            titles[title] = work
        await editing.edit_work(services, vera, titles["Low tide"].id, title="Low tide, revised")
        await Work.filter(id=titles["Pinned gull"].id).update(pinned_at=datetime.now(UTC))
        await works.create_work(services, vera, title="For followers", content_source="hush",
                                visibility="private")
        await works.create_work(services, vera, title="", content_source="a reply",
                                in_reply_to_id=titles["Salt marsh"].id)
    await b.run_jobs()  # nobody follows yet: nothing reaches A

    async with a.open() as services:
        walt = await Account.get(username="walt", domain=None)
        target = await resolve_acct(services, "vera", b.domain)
        assert target is not None
        assert not await Work.filter(account_id=target.id).exists()
        queued = await Job.filter(kind=kinds.BACKFILL_ACTOR).count()
        await social.follow(services, walt, target)
        wren = await Account.get(username="wren", domain=None)
        await social.follow(services, wren, target)  # a second follower: no second backfill
        assert await Job.filter(kind=kinds.BACKFILL_ACTOR).count() == queued + 1
    await a.run_jobs()  # the backfill runs before B has even accepted

    async with a.open():
        stored = {w.title: w for w in await Work.filter(account_id=target.id)}
        assert set(stored) == {"Salt marsh", "Low tide, revised", "Pinned gull"}
        assert stored["Pinned gull"].pinned_at is not None
        assert stored["Salt marsh"].pinned_at is None
        assert all(w.visibility == "public" for w in stored.values())
    page = httpx.get(f"{a.url}/@vera@{b.domain}")
    assert page.status_code == 200
    for title in ("Salt marsh", "Low tide, revised", "Pinned gull"):
        assert title in page.text
    assert "For followers" not in page.text
