"""Where the job board tells the rest of the server that something changed, inside the
caller's transaction. The core board needs nothing here; federation fills these in (a
Create/Update/Delete of a listing to followers, an application to a remote listing sent
as a direct reply), so the rules in listings.py and applications.py stay one copy."""

from __future__ import annotations

from typing import Literal

from tortoise.backends.base.client import BaseDBAsyncClient

from instance.jobboard import federate
from instance.services import Services
from instance.storage.models import JobApplication, JobListing

ListingChange = Literal["Create", "Update", "Delete"]


async def listing_changed(services: Services, listing: JobListing, change: ListingChange,
                          connection: BaseDBAsyncClient) -> None:
    """A local listing was opened (Create), edited or left the open state (Update), or
    was removed (Delete)."""
    await federate.listing_changed(services, listing, change, connection)


async def application_sent(services: Services, application: JobApplication,
                           listing: JobListing, connection: BaseDBAsyncClient) -> None:
    """A local artist applied (to a local or a remote listing)."""
    await federate.application_sent(services, application, listing, connection)
