"""A local account's vote on a remote poll, delivered to the poll's origin as Mastodon
does: one Create of a Note per chosen option, addressed only to the poll's author."""

from __future__ import annotations

from tortoise.backends.base.client import BaseDBAsyncClient

from federation import documents
from federation.polls import vote_note
from instance.services import Services
from instance.storage.models import Account, Poll, PollVote, Work
from outbox.fanout import inboxes_of, send


async def send_votes(services: Services, account: Account, work: Work, poll: Poll,
                     choices: list[int], connection: BaseDBAsyncClient) -> None:
    author = await Account.get(id=work.account_id, using_db=connection)
    rows = await PollVote.filter(poll_id=poll.id, account_id=account.id).using_db(connection)
    for row in rows:
        ident = f"{account.ap_id}#votes/{row.id}"
        row.ap_id = ident
        await row.save(update_fields=["ap_id"], using_db=connection)
        note = vote_note(ident, account.ap_id, work.ap_id, author.ap_id, poll.options[row.choice])
        activity = documents.activity("Create", f"{ident}/activity", account.ap_id, note,
                                      to=[author.ap_id])
        await send(services, account, activity, inboxes_of([author]), object_ap_id=ident,
                   using_db=connection)
