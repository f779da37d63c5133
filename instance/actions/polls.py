"""Polls: the bounds of a new poll, voting (local and remote polls), counting and closing.
The one owner of the poll rules; the API and the inbox call these."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from instance.errors import Refused
from instance.jobs import JobContext, kinds
from instance.services import Services
from instance.storage.models import Account, Notification, Poll, PollVote, Work
from instance.translation import gettext as _
from outbox.fanout import inboxes_of

MAX_OPTIONS = 4  # Mastodon's defaults, announced in /api/v2/instance
MAX_OPTION_CHARS = 50
MIN_EXPIRATION = 300
MAX_EXPIRATION = 2_629_746


class PollError(Refused):
    """A poll that cannot be made, or a vote that cannot be cast (422)."""


@dataclass(frozen=True)
class PollSpec:
    """A checked new poll, before its work exists."""

    options: list[str]
    expires_in: int
    multiple: bool = False
    hide_totals: bool = False


def now() -> datetime:
    return datetime.now(UTC)


def check_spec(options: list[str], expires_in: int | None, multiple: bool = False,
               hide_totals: bool = False) -> PollSpec:
    """The new poll, or PollError saying which bound it breaks."""
    options = [o.strip() for o in options]
    if not 2 <= len(options) <= MAX_OPTIONS:
        raise PollError(_("a poll needs 2 to %(max_options)s options", max_options=MAX_OPTIONS))
    if any(not o for o in options):
        raise PollError(_("poll options can't be blank"))
    if any(len(o) > MAX_OPTION_CHARS for o in options):
        raise PollError(_("poll options are at most %(max_option_chars)s characters",
                          max_option_chars=MAX_OPTION_CHARS))
    if len(set(options)) != len(options):
        raise PollError(_("poll options must be different"))
    if expires_in is None or not MIN_EXPIRATION <= expires_in <= MAX_EXPIRATION:
        raise PollError(_("poll expires_in must be between 5 minutes and 1 month"))
    return PollSpec(options, expires_in, multiple, hide_totals)


async def create_poll(services: Services, work: Work, spec: PollSpec,
                      connection: BaseDBAsyncClient) -> Poll:
    """The poll of a new local work, and the job that closes it at its end."""
    poll = await Poll.create(
        work_id=work.id, options=spec.options, tallies=[0] * len(spec.options),
        multiple=spec.multiple, hide_totals=spec.hide_totals,
        expires_at=now() + timedelta(seconds=spec.expires_in), using_db=connection)
    await services.jobs.enqueue(kinds.CLOSE_POLL, {"poll_id": poll.id}, at=poll.expires_at,
                                using_db=connection)
    return poll


def expired(poll: Poll) -> bool:
    return poll.closed_at is not None or (poll.expires_at is not None and poll.expires_at <= now())


async def recount(poll: Poll, connection: BaseDBAsyncClient) -> None:
    """Tallies and voters of a local poll from its votes (a remote poll keeps the origin's
    counts, plus ours until its next Update)."""
    rows = await PollVote.filter(poll_id=poll.id).using_db(connection).values_list(
        "account_id", "choice")
    tallies = [0] * len(poll.options)
    for _voter, choice in rows:
        if 0 <= choice < len(tallies):
            tallies[choice] += 1
    poll.tallies, poll.voters_count = tallies, len({a for a, _choice in rows})
    await poll.save(update_fields=["tallies", "voters_count"], using_db=connection)


async def vote(services: Services, account: Account, poll_id: int, choices: list[int]) -> Poll:
    """Cast the account's vote; checked whole before anything is written."""
    poll = await Poll.get_or_none(id=poll_id)
    if poll is None:
        raise PollError(_("Record not found"), status=404)
    work = await Work.get(id=poll.work_id)
    if work.account_id == account.id:
        raise PollError(_("you cannot vote in your own poll"))
    if expired(poll):
        raise PollError(_("the poll has already ended"))
    if not choices:
        raise PollError(_("choose at least one option"))
    if len(set(choices)) != len(choices) or any(not 0 <= c < len(poll.options) for c in choices):
        raise PollError(_("a choice is not one of the poll's options"))
    if len(choices) > 1 and not poll.multiple:
        raise PollError(_("this poll allows one choice only"))
    async with in_transaction() as connection:
        if await PollVote.filter(poll_id=poll.id, account_id=account.id).using_db(
                connection).exists():
            raise PollError(_("you have already voted in this poll"))
        for choice in choices:
            await PollVote.create(poll_id=poll.id, account_id=account.id, choice=choice,
                                  using_db=connection)
        if work.local:
            await recount(poll, connection)
            await queue_update(services, poll, connection)
        else:
            for choice in choices:
                poll.tallies[choice] += 1
            poll.voters_count += 1
            await poll.save(update_fields=["tallies", "voters_count"], using_db=connection)
            from instance.actions.poll_votes import send_votes
            await send_votes(services, account, work, poll, choices, connection)
    return poll


UPDATE_DELAY = 60.0  # tallies federate at most about once a minute per poll


async def queue_update(services: Services, poll: Poll, connection: BaseDBAsyncClient) -> None:
    """Queue one `polls.update` for the new tallies unless one is already waiting (the
    flag is cleared by the job as it starts): votes in a burst share one Update."""
    claimed = await Poll.filter(id=poll.id, update_queued=False).using_db(connection).update(
        update_queued=True)
    if claimed:
        await services.jobs.enqueue(kinds.UPDATE_POLL, {"poll_id": poll.id},
                                    delay=UPDATE_DELAY, using_db=connection)


async def voter_inboxes(poll: Poll, connection: BaseDBAsyncClient) -> list[str]:
    """The inboxes of a poll's remote voters, who get its Updates even if not followers."""
    voters = await PollVote.filter(poll_id=poll.id).using_db(connection).values_list(
        "account_id", flat=True)
    return inboxes_of(await Account.filter(id__in=list(set(voters))).exclude(
        domain=None).using_db(connection))


async def close_job(ctx: JobContext, payload: dict) -> None:
    """The `polls.close` job at a poll's end: mark it closed, tell the local voters and
    the author, and send the final Question. A poll not yet due (its job came early) or
    already closed is left alone."""
    poll = await Poll.get_or_none(id=int(payload.get("poll_id", 0)))
    if poll is None or poll.closed_at is not None:
        return
    if poll.expires_at is not None and poll.expires_at > now():
        return
    async with in_transaction() as connection:
        changed = await Poll.filter(id=poll.id, closed_at=None).using_db(connection).update(
            closed_at=now())
        if not changed:
            return
        work = await Work.get(id=poll.work_id, using_db=connection)
        voters = set(await PollVote.filter(poll_id=poll.id).using_db(connection).values_list(
            "account_id", flat=True))
        local = set(await Account.filter(id__in=[*voters, work.account_id], domain=None).using_db(
            connection).values_list("id", flat=True))
        for recipient in sorted(local):
            await Notification.create(recipient_id=recipient, kind="poll",
                                      from_account_id=work.account_id, work_id=work.id,
                                      using_db=connection)
        if work.local and work.deleted_at is None and work.published_at is not None:
            from instance.actions.publishing import federate
            await federate(ctx.services, work, "Update", connection,
                           also=await voter_inboxes(poll, connection))


async def update_job(ctx: JobContext, payload: dict) -> None:
    """The `polls.update` job: send the Question with its current tallies to everyone
    the status went to (several votes within UPDATE_DELAY share one job's Update)."""
    poll_id = int(payload.get("poll_id", 0))
    await Poll.filter(id=poll_id).update(update_queued=False)
    poll = await Poll.get_or_none(id=poll_id)
    if poll is None or poll.closed_at is not None:
        return
    work = await Work.get(id=poll.work_id)
    if not work.local or work.deleted_at is not None or work.published_at is None:
        return
    from instance.actions.publishing import federate
    async with in_transaction() as connection:
        await federate(ctx.services, work, "Update", connection,
                       also=await voter_inboxes(poll, connection))
