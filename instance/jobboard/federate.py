"""What the board sends, called from `hooks` inside the caller's transaction.

A local listing's Create goes to its poster's followers and the jobs actor Announces it
(the listing embedded) to the jobs actor's followers; its Update (edit, close, fill,
expiry) and Delete go to both sets of followers and to every inbox that got it before.
An application to a listing on another server is sent as a direct reply to the listing,
addressed to its poster only (federation/jobapplication.py)."""

from __future__ import annotations

import uuid

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from federation import documents
from federation.jobapplication import answer_to_note, application_to_note
from federation.vocab import PUBLIC
from instance.actions import social
from instance.actors.jobs_actor import JOBS_WEBFINGER_NAME, existing_jobs_actor, jobs_actor
from instance.actors.remote import resolve_acct
from instance.errors import Refused
from instance.moderation.reports import file_report
from instance.services import Services
from instance.storage.models import (
    Account,
    AuditEntry,
    Follow,
    JobApplication,
    JobListing,
    ListingState,
    Report,
    Work,
)
from instance.translation import gettext as _
from outbox.documents import listing_note
from outbox.fanout import follower_inboxes, inboxes_of, previous_recipients, send


async def listing_changed(services: Services, listing: JobListing, change: str,
                          connection: BaseDBAsyncClient) -> None:
    """Federate a local listing's Create, Update or Delete."""
    if not listing.local or not listing.ap_id:
        return
    urls = services.urls
    poster = await Account.get(id=listing.poster_id, using_db=connection)
    board = await existing_jobs_actor(connection)
    board_followers = await follower_inboxes(board, connection) if board else []
    inboxes = await follower_inboxes(poster, connection)
    board_cc = [board.followers_url] if board and board.followers_url else []
    if change == "Delete":
        activity = documents.activity(
            "Delete", urls.delete_activity(listing.ap_id), poster.ap_id,
            documents.tombstone(listing.ap_id), to=[PUBLIC],
            cc=[poster.followers_url or urls.followers_of(poster.ap_id), *board_cc])
        inboxes += board_followers + await previous_recipients(listing.ap_id, connection)
        await send(services, poster, activity, inboxes, object_ap_id=listing.ap_id,
                   using_db=connection)
        return
    note = await listing_note(services, listing, connection)
    if change == "Create":
        activity = documents.activity("Create", urls.create_activity(listing.ap_id),
                                      poster.ap_id, note, to=note["to"], cc=note["cc"],
                                      published=listing.published_at)
        await send(services, poster, activity, inboxes, object_ap_id=listing.ap_id,
                   using_db=connection)
        if board is None:
            return
        announce = documents.activity(
            "Announce", urls.listing_announce(listing.id), board.ap_id, note, to=[PUBLIC],
            cc=[*board_cc, poster.ap_id], published=listing.published_at)
        await send(services, board, announce, board_followers, object_ap_id=listing.ap_id,
                   using_db=connection)
        return
    activity = documents.activity("Update", urls.update_activity(listing.ap_id, uuid.uuid4().hex),
                                  poster.ap_id, note, to=note["to"], cc=note["cc"])
    inboxes += board_followers + await previous_recipients(listing.ap_id, connection)
    await send(services, poster, activity, inboxes, object_ap_id=listing.ap_id,
               using_db=connection)


async def application_sent(services: Services, application: JobApplication,
                           listing: JobListing, connection: BaseDBAsyncClient) -> None:
    """An application to a remote listing leaves as a direct reply to its poster."""
    if listing.local or not listing.ap_id:
        return
    applicant = await Account.get(id=application.applicant_id, using_db=connection)
    poster = await Account.get(id=listing.poster_id, using_db=connection)
    works = await Work.filter(id__in=list(application.work_ids)).using_db(connection)
    by_id = {w.id: w for w in works}
    chosen = [(by_id[i].url or by_id[i].ap_id, by_id[i].title) for i in application.work_ids
              if i in by_id]
    ident = services.urls.application(applicant.ap_id, application.id)
    note = application_to_note(
        ident=ident, applicant_id=applicant.ap_id, poster_id=poster.ap_id,
        poster_handle=f"@{poster.username}@{poster.domain}", listing_id=listing.ap_id,
        listing_title=listing.title, message_html=application.message, works=chosen,
        contact=application.contact, published=application.created_at)
    await JobApplication.filter(id=application.id).using_db(connection).update(
        ap_id=ident, links=[url for url, _ in chosen])
    activity = documents.activity("Create", services.urls.create_activity(ident), applicant.ap_id,
                                  note, to=note["to"], cc=[], published=application.created_at)
    await send(services, applicant, activity, inboxes_of([poster]), object_ap_id=ident,
               using_db=connection)


class BoardNotFound(Refused):
    status = 404
    title = "No such job board"


async def follow_board(services: Services, handle: str, actor: Account | None = None) -> Follow:
    """This server's jobs actor follows another server's board (`jobs@domain`, any
    `user@domain`, or just `domain`): its listings then fill the "other servers" tab
    under `[jobboard] remote_listings = "followed"`."""
    name, _at, domain = handle.strip().lstrip("@").rpartition("@")
    if not name:
        name, domain = JOBS_WEBFINGER_NAME, handle.strip().lstrip("@")
    target = await resolve_acct(services, name, domain) if domain else None
    if target is None or target.domain is None:
        raise BoardNotFound(_("No job board found at %(handle)r", handle=handle))
    follow = await social.follow(services, await jobs_actor(services), target)
    await AuditEntry.create(actor=actor, action="jobboard.follow_board", target=target.ap_id)
    return follow


async def report_listing(services: Services, reporter: Account, listing_id: int, *,
                         comment: str = "", category: str = "other",
                         forward: bool = False) -> Report:
    """Report a listing: a report against its poster naming the listing for moderators;
    with `forward`, a listing from another server also goes there as an anonymous Flag
    naming the listing's id (as reports of works do)."""
    listing = await JobListing.get_or_none(id=listing_id).prefetch_related("poster")
    if listing is None or listing.state in (ListingState.DRAFT, ListingState.REMOVED):
        raise BoardNotFound(_("No such listing"))
    named = f"Job listing: {services.urls.listing_page(listing.id)}\n"
    return await file_report(
        reporter, listing.poster, comment=named + comment.strip()[:4800], category=category,
        forward=forward, services=services,
        object_ids=[listing.ap_id] if listing.ap_id and not listing.local else [])


async def availability_changed(services: Services, account_id: int) -> None:
    """An artist changed their availability: their followers get the profile again, with
    the "Availability" field (outbox/documents.server_fields) Mastodon shows."""
    account = await Account.get(id=account_id)
    async with in_transaction() as connection:
        await social.send_profile_update(services, account, connection)


async def answer_sent(services: Services, application: JobApplication) -> None:
    """The poster replied to an application that came from another server: the reply
    goes back to the applicant as a direct reply to their application."""
    applicant = await Account.get(id=application.applicant_id)
    if applicant.domain is None or not application.ap_id or not application.reply:
        return
    listing = await JobListing.get(id=application.listing_id)
    poster = await Account.get(id=listing.poster_id)
    ident = f"{services.urls.application(poster.ap_id, application.id)}/answers/{uuid.uuid4().hex}"
    note = answer_to_note(
        ident=ident, poster_id=poster.ap_id, applicant_id=applicant.ap_id,
        applicant_handle=f"@{applicant.username}@{applicant.domain}",
        application_id=application.ap_id, listing_title=listing.title, text=application.reply,
        published=application.replied_at)
    activity = documents.activity("Create", services.urls.create_activity(ident), poster.ap_id,
                                  note, to=note["to"], cc=[], published=application.replied_at)
    await send(services, poster, activity, inboxes_of([applicant]), object_ap_id=ident)
