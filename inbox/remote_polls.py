"""Polls over federation, receiving side: the options and tallies of an incoming
Question (kept with its Work), and a remote vote on a local poll (a Note with a `name`
in reply to it), counted once per voter and option and never stored as a reply."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from federation.polls import is_vote, read_question
from federation.vocab import id_of
from inbox.errors import Drop
from instance.actions.polls import expired, queue_update, recount
from instance.services import Services
from instance.storage.models import Account, Poll, PollVote, Work


async def store_poll(work: Work, obj: dict) -> None:
    """Keep (or refresh) the poll of a remote work from its Question; a Question whose
    options changed loses the votes cast here, as Mastodon does."""
    if obj.get("type") != "Question":
        return
    read = read_question(obj)
    if read is None:
        return
    voters = read["voters_count"]
    if voters is None:
        voters = 0 if read["multiple"] else sum(read["tallies"])
    closed = read["closed"] if read["closed"] is not True else read["end_time"]
    values = {"options": read["options"], "tallies": read["tallies"], "multiple": read["multiple"],
              "voters_count": voters, "expires_at": read["end_time"]}
    poll = await Poll.get_or_none(work_id=work.id)
    if poll is None:
        await Poll.create(work_id=work.id, closed_at=closed if closed else None, **values)
        return
    if poll.options != read["options"]:
        await PollVote.filter(poll_id=poll.id).delete()
    await Poll.filter(id=poll.id).update(**values, **({"closed_at": closed} if closed else {}))


async def receive_vote(services: Services, actor: Account, obj: dict) -> bool:
    """Count `obj` if it is a vote on a local poll (True), else False (not a vote)."""
    if not is_vote(obj):
        return False
    work = await Work.get_or_none(ap_id=id_of(obj.get("inReplyTo")), local=True, deleted_at=None)
    poll = await Poll.get_or_none(work_id=work.id) if work else None
    if work is None or poll is None:
        return False
    if work.account_id == actor.id:
        raise Drop("a vote on one's own poll")
    if expired(poll):
        raise Drop("a vote on a poll that has ended")
    if obj["name"] not in poll.options:
        raise Drop("a vote for no option of the poll")
    choice = poll.options.index(obj["name"])
    async with in_transaction() as connection:
        earlier = await PollVote.filter(poll_id=poll.id, account_id=actor.id).using_db(
            connection).values_list("choice", flat=True)
        if choice in earlier:
            return True  # the same vote again: counted once
        if earlier and not poll.multiple:
            raise Drop("a second vote on a single-choice poll")
        await PollVote.create(poll_id=poll.id, account_id=actor.id, choice=choice,
                              ap_id=str(id_of(obj))[:2048], using_db=connection)
        await recount(poll, connection)
        await queue_update(services, poll, connection)
    return True
