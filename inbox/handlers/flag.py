"""Flag: a remote report about local accounts, works or job listings, into the moderators'
queue (a listing is named in the report's comment by its page's address)."""

from __future__ import annotations

from tortoise.exceptions import IntegrityError

from federation.vocab import id_of, ids_of
from inbox.common import sender
from inbox.errors import Drop
from instance.moderation.domains import covering_policy
from instance.services import Services
from instance.storage.models import Account, JobListing, Report, Work


async def handle(services: Services, activity: dict) -> None:
    reporter = await sender(services, activity)
    policy = await covering_policy(reporter.domain)
    if policy is not None and policy.reject_reports:
        raise Drop("reports from this domain are rejected (reject_reports)")
    ids = ids_of(activity.get("object"))
    target = await Account.filter(ap_id__in=ids, domain=None).first()
    works = await Work.filter(ap_id__in=ids, local=True)
    listings = await JobListing.filter(ap_id__in=ids, local=True)
    if target is None and works:
        target = await Account.get(id=works[0].account_id)
    if target is None and listings:
        target = await Account.get(id=listings[0].poster_id)
    if target is None:
        raise Drop("the report names nobody here")
    named = "".join(f"Job listing: {services.urls.listing_page(listing.id)}\n"
                    for listing in listings if listing.poster_id == target.id)
    try:
        await Report.create(
            ap_id=id_of(activity), reporter_id=reporter.id, target_id=target.id,
            work_ids=[w.id for w in works if w.account_id == target.id],
            comment=(named + str(activity.get("content") or ""))[:5000],
        )
    except IntegrityError:
        raise Drop("report already received") from None
