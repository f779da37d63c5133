"""`impasto jobs-board …`: the admin's job board commands (list, close, remove, approve a
poster, follow another server's board, release or reject a held remote listing; the
decisions are instance.jobboard.moderation's, shared with the admin pages). Named so it
never reads as the background queue (`impasto worker`, jobs)."""

from __future__ import annotations

import argparse

from instance.cli.support import CliError, audit, with_database
from instance.config import Config
from instance.storage.models.jobboard import ListingState


def add_commands(commands: argparse._SubParsersAction) -> None:
    board = commands.add_parser("jobs-board", help="the job board: listings and who may post")
    actions = board.add_subparsers(dest="jobs_board_command", metavar="ACTION", required=True)

    listing = actions.add_parser("list", help="list listings (newest first)")
    listing.add_argument("--state", choices=[s.value for s in ListingState],
                         help="only listings in this state (default: all but removed)")
    listing.add_argument("--limit", type=int, default=50, help="at most this many (default 50)")
    listing.set_defaults(handler=_list)

    close = actions.add_parser("close", help="close an open listing (or mark it filled)")
    close.add_argument("id", type=int)
    close.add_argument("--filled", action="store_true", help="mark it filled instead")
    close.set_defaults(handler=_close)

    remove = actions.add_parser("remove", help="remove a listing (moderation; cannot be undone)")
    remove.add_argument("id", type=int)
    remove.add_argument("--reason", default="", help="kept with the listing, for moderators")
    remove.set_defaults(handler=_remove)

    approve = actions.add_parser(
        "approve", help="let a local account post when [jobboard] posting = \"approved\"")
    approve.add_argument("username")
    approve.add_argument("--revoke", action="store_true", help="take the permission back")
    approve.set_defaults(handler=_approve)

    follow = actions.add_parser(
        "follow", help="follow another server's job board (jobs@domain or a domain): its "
        "listings fill the \"other servers\" tab")
    follow.add_argument("board")
    follow.set_defaults(handler=_follow)

    release = actions.add_parser(
        "release", help="approve a listing from another server held for approval "
        "([jobboard] hold_remote_listings)")
    release.add_argument("id", type=int)
    release.set_defaults(handler=_release)

    reject = actions.add_parser(
        "reject", help="refuse a listing from another server held for approval")
    reject.add_argument("id", type=int)
    reject.add_argument("--reason", default="", help="kept with the listing, for moderators")
    reject.set_defaults(handler=_reject)


async def _listing(listing_id: int):
    from instance.storage.models import JobListing

    listing = await JobListing.get_or_none(id=listing_id)
    if listing is None:
        raise CliError(f"no listing {listing_id}")
    return listing


async def _with_services(config: Config, action):
    from instance.services import build_services, close_services

    services = build_services(config)
    try:
        return await action(services)
    finally:
        await close_services(services)


def _list(config: Config, args: argparse.Namespace) -> int:
    from instance.storage.models import JobListing

    async def rows():
        query = JobListing.all() if args.state else JobListing.exclude(
            state=ListingState.REMOVED)
        if args.state:
            query = query.filter(state=args.state)
        return await query.order_by("-created_at", "-id").limit(max(1, args.limit)) \
            .prefetch_related("poster")

    print(f"{'ID':>6} {'STATE':<8} {'POSTER':<30} {'APPS':>4}  TITLE")
    for row in with_database(config, rows):
        poster = row.poster.username + (f"@{row.poster.domain}" if row.poster.domain else "")
        held = " (held for approval)" if row.held else ""
        print(f"{row.id:>6} {row.state:<8} {poster:<30} {row.applications_count:>4}  "
              f"{row.title}{held}")
    return 0


def _close(config: Config, args: argparse.Namespace) -> int:
    from instance.jobboard.listings import end_listing

    state = ListingState.FILLED if args.filled else ListingState.CLOSED

    async def run(services):
        await end_listing(services, await _listing(args.id), state, "closed by an admin")

    with_database(config, lambda: _with_services(config, run))
    print(f"listing {args.id} is {state}")
    return 0


def _remove(config: Config, args: argparse.Namespace) -> int:
    from instance.jobboard.moderation import moderate_remove

    async def run(services):
        await moderate_remove(services, (await _listing(args.id)).id, None, args.reason)

    with_database(config, lambda: _with_services(config, run))
    print(f"listing {args.id} is removed; its applications are deleted")
    return 0


def _approve(config: Config, args: argparse.Namespace) -> int:
    from instance.storage.models import User

    async def run() -> None:
        user = await User.get_or_none(account__username=args.username.lower(),
                                      account__domain=None)
        if user is None:
            raise CliError(f"no local account {args.username}")
        user.settings = {**(user.settings or {}), "jobboard_poster": not args.revoke}
        await user.save(update_fields=["settings"])
        await audit("jobboard.poster", str(user.account_id), allowed=not args.revoke)

    with_database(config, run)
    print(f"{args.username} {'may no longer' if args.revoke else 'may'} post listings")
    return 0


def _follow(config: Config, args: argparse.Namespace) -> int:
    from instance.jobboard.federate import follow_board

    async def run(services):
        return await follow_board(services, args.board)

    follow = with_database(config, lambda: _with_services(config, run))
    print(f"following {args.board}: {follow.state}")
    return 0


def _release(config: Config, args: argparse.Namespace) -> int:
    from instance.jobboard.moderation import release_listing

    with_database(config, lambda: release_listing(args.id))
    print(f"listing {args.id} is on the other-servers tab")
    return 0


def _reject(config: Config, args: argparse.Namespace) -> int:
    from instance.jobboard.moderation import reject_listing

    async def run(services):
        await reject_listing(services, args.id, None, args.reason)

    with_database(config, lambda: _with_services(config, run))
    print(f"listing {args.id} is refused; it will not be shown")
    return 0
