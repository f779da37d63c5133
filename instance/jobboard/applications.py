"""Applying to a listing and the poster's answer. An application carries a message, up to
`[jobboard] works_per_application` of the applicant's own published works and a contact;
it is private to the applicant, the poster and moderators. The poster marks it new,
shortlisted or declined and may reply."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from instance.errors import Refused
from instance.jobboard import hooks
from instance.jobboard.listings import STAFF, ListingNotFound, now, row_id
from instance.services import Services
from instance.storage.models import (
    ApplicationState,
    JobApplication,
    JobListing,
    ListingState,
    User,
    Work,
    WorkState,
)
from instance.storage.models.jobboard import ApplyVia
from instance.text import render
from instance.translation import gettext as _

MAX_MESSAGE = 5000
MAX_REPLY = 5000
MAX_CONTACT = 320


class ApplicationError(Refused):
    """An application that cannot be sent or changed; the message says why."""

    title = "Application not sent"


class TooManyApplications(ApplicationError):
    status = 429


class ApplicationNotFound(Refused):
    status = 404
    title = "No such application"


async def _chosen_works(services: Services, user: User, work_ids: Iterable[int]) -> list[int]:
    ids = list(dict.fromkeys(work_ids))
    limit = services.config.jobboard.works_per_application
    if len(ids) > limit:
        raise ApplicationError(_("Pick at most %(limit)s works", limit=limit))
    found = await Work.filter(
        id__in=ids, account_id=user.account_id, local=True, state=WorkState.READY,
        deleted_at=None, hidden=False, visibility__in=("public", "unlisted"),
    ).values_list("id", flat=True)
    if len(found) != len(ids):
        raise ApplicationError(_("Pick only your own published works"))
    return ids


def check_takes_applications(listing: JobListing, user: User) -> None:
    """The one rule for whether `user` may apply to `listing` here (the form and `apply`)."""
    if listing.state in (ListingState.DRAFT, ListingState.REMOVED) or listing.held:
        raise ListingNotFound(_("No such listing"))
    if listing.state != ListingState.OPEN:
        raise ApplicationError(_("This listing is %(state)s and takes no applications", state=listing.state),
                               status=409)
    if listing.apply_via != ApplyVia.IMPASTO:
        raise ApplicationError(_("This listing takes applications at %(apply_target)s",
                                 apply_target=listing.apply_target),
                               status=409)
    if listing.poster_id == user.account_id:
        raise ApplicationError(_("You cannot apply to your own listing"))


async def apply(services: Services, user: User, listing_id: int, *, message: str,
                work_ids: Iterable[int] = (), contact: str = "") -> JobApplication:
    """Send an application to an open listing that takes them through Impasto."""
    listing = await JobListing.get_or_none(id=row_id(listing_id, ListingNotFound, "listing"))
    if listing is None:
        raise ListingNotFound(_("No such listing"))
    check_takes_applications(listing, user)
    message = message.strip()
    if not message:
        raise ApplicationError(_("Write a message to the poster"))
    if len(message) > MAX_MESSAGE:
        raise ApplicationError(_("The message is longer than %(max_message)s characters",
                                 max_message=MAX_MESSAGE))
    contact = contact.strip()
    if len(contact) > MAX_CONTACT:
        raise ApplicationError(_("The contact is longer than %(max_contact)s characters",
                                 max_contact=MAX_CONTACT))
    chosen = await _chosen_works(services, user, work_ids)
    limit = services.config.jobboard.applications_per_day
    since = now() - timedelta(days=1)
    if await JobApplication.filter(applicant_id=user.account_id, created_at__gte=since
                                   ).count() >= limit:
        raise TooManyApplications(_("You have sent %(limit)s applications in the last 24 hours; try again "
                                    "tomorrow", limit=limit), headers={"Retry-After": "3600"})
    try:
        async with in_transaction() as connection:
            application = await JobApplication.create(
                listing_id=listing.id, applicant_id=user.account_id,
                message=render(message, services.config.base_url).html, work_ids=chosen,
                contact=contact, using_db=connection)
            await JobListing.filter(id=listing.id).using_db(connection).update(
                applications_count=F("applications_count") + 1)
            await hooks.application_sent(services, application, listing, connection)
    except IntegrityError:
        raise ApplicationError(_("You have already applied to this listing"), status=409) from None
    return application


async def _posters_application(user: User, application_id: int) -> JobApplication:
    application = await JobApplication.get_or_none(
        id=row_id(application_id, ApplicationNotFound, "application")).prefetch_related("listing")
    if application is None or (application.listing.poster_id != user.account_id
                               and user.role not in STAFF):
        raise ApplicationNotFound(_("No such application to your listings"))
    return application


async def mark(user: User, application_id: int, state: str) -> JobApplication:
    """The poster marks an application new, shortlisted or declined."""
    if state not in {s.value for s in ApplicationState}:
        raise ApplicationError(_("Mark an application new, shortlisted or declined"))
    application = await _posters_application(user, application_id)
    application.state = state
    await application.save(update_fields=["state", "updated_at"])
    return application


async def reply(user: User, application_id: int, text: str) -> JobApplication:
    """The poster's reply, shown to the applicant beside the application's state."""
    text = text.strip()
    if not text:
        raise ApplicationError(_("Write a reply"))
    if len(text) > MAX_REPLY:
        raise ApplicationError(_("The reply is longer than %(max_reply)s characters", max_reply=MAX_REPLY))
    application = await _posters_application(user, application_id)
    application.reply, application.replied_at = text, now()
    await application.save(update_fields=["reply", "replied_at", "updated_at"])
    return application


async def for_listing(user: User, listing_id: int) -> tuple[JobListing, list[JobApplication]]:
    """A listing's applications, for its poster (or staff), newest first."""
    listing = await JobListing.get_or_none(id=row_id(listing_id, ListingNotFound, "listing"))
    if listing is None or (listing.poster_id != user.account_id and user.role not in STAFF):
        raise ListingNotFound(_("No such listing of yours"))
    applications = await JobApplication.filter(listing_id=listing.id).order_by(
        "-created_at", "-id").prefetch_related("applicant")
    return listing, applications


async def mine(user: User) -> list[JobApplication]:
    """The applications this artist sent, newest first, with their listings."""
    return await JobApplication.filter(applicant_id=user.account_id).order_by(
        "-created_at", "-id").prefetch_related("listing", "listing__poster")


async def works_of(applications: list[JobApplication]) -> dict[int, Work]:
    """The picked works of these applications by id, with their media (for thumbnails)."""
    ids = {i for a in applications for i in a.work_ids}
    works = await Work.filter(id__in=ids, deleted_at=None).prefetch_related("media", "account")
    return {w.id: w for w in works}
