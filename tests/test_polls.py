"""Polls, services-level on SQLite and PostgreSQL: the bounds of a new poll, votes
checked whole (nothing half-applied), tallies, the Question a local poll federates as,
closing at the end (notifications, final Update), and a vote on a remote poll delivered
to its author only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from instance.actions import works
from instance.actions.polls import PollError, check_spec, close_job, now, vote
from instance.jobs import JobContext
from instance.storage.models import Job, Notification, OutboxActivity, Poll, PollVote, Work
from outbox.documents import note_for
from tests.test_actions import local, remote


def test_bounds_of_a_new_poll():
    assert check_spec(["a", "b"], 300).options == ["a", "b"]
    for options, expires in ((["a"], 300), (["a", "b", "c", "d", "e"], 300), (["a", ""], 300),
                             (["a", "x" * 51], 300), (["a", "a"], 300), (["a", "b"], 299),
                             (["a", "b"], 2_629_747), (["a", "b"], None)):
        with pytest.raises(PollError):
            check_spec(options, expires)


async def _poll_work(services, author, multiple=False):
    work = await works.create_work(services, author, title="", content_source="Which palette?",
                                   poll=check_spec(["warm", "cool", "mono"], 3600, multiple))
    return work, await Poll.get(work_id=work.id)


async def test_votes_are_checked_whole_and_counted(services):
    ada, bo, cy = [await local(services, n) for n in ("ada", "bo", "cy")]
    work, poll = await _poll_work(services, ada)
    assert await Job.filter(kind="polls.close").count() == 1
    for who, choices in ((ada, [0]), (bo, []), (bo, [3]), (bo, [0, 1]), (bo, [1, 1])):
        with pytest.raises(PollError):
            await vote(services, who, poll.id, choices)
    assert await PollVote.all().count() == 0
    await vote(services, bo, poll.id, [1])
    with pytest.raises(PollError):
        await vote(services, bo, poll.id, [2])  # twice
    await vote(services, cy, poll.id, [1])
    poll = await Poll.get(id=poll.id)
    assert poll.tallies == [0, 2, 0] and poll.voters_count == 2

    question = await note_for(services, work)
    assert question["type"] == "Question" and "anyOf" not in question
    assert [(o["name"], o["replies"]["totalItems"]) for o in question["oneOf"]] == [
        ("warm", 0), ("cool", 2), ("mono", 0)]
    assert question["votersCount"] == 2 and question["endTime"] and "closed" not in question

    # Its end: a job that comes early does nothing; at the end it closes and tells people.
    ctx = JobContext(services, 0, 1, 1)
    await close_job(ctx, {"poll_id": poll.id})
    assert (await Poll.get(id=poll.id)).closed_at is None
    await Poll.filter(id=poll.id).update(expires_at=now() - timedelta(seconds=1))
    await close_job(ctx, {"poll_id": poll.id})
    await close_job(ctx, {"poll_id": poll.id})  # once only
    told = sorted(await Notification.filter(kind="poll").values_list("recipient_id", flat=True))
    assert told == sorted([ada.id, bo.id, cy.id])
    with pytest.raises(PollError):
        await vote(services, (await local(services, "dee")), poll.id, [0])
    final = await note_for(services, work)
    assert final["closed"]
    assert await OutboxActivity.filter(activity_type="Update", object_ap_id=work.ap_id).exists()


async def test_multiple_choice(services):
    ada, bo = await local(services, "ada"), await local(services, "bo")
    work, poll = await _poll_work(services, ada, multiple=True)
    await vote(services, bo, poll.id, [0, 2])
    poll = await Poll.get(id=poll.id)
    assert poll.tallies == [1, 0, 1] and poll.voters_count == 1
    assert "anyOf" in await note_for(services, work)


async def test_vote_on_a_remote_poll_goes_to_its_author_only(services):
    bo = await local(services, "bo")
    author = await remote("pollster", "far.example", shared=False)
    work = await Work.create(ap_id="https://far.example/notes/1", account_id=author.id,
                             local=False, content="<p>Q?</p>", state="ready",
                             published_at=now())
    poll = await Poll.create(work_id=work.id, options=["yes", "no"], tallies=[3, 1],
                             voters_count=4, expires_at=now() + timedelta(hours=1))
    await vote(services, bo, poll.id, [1])
    assert (await Poll.get(id=poll.id)).tallies == [3, 2]
    [sent] = await OutboxActivity.filter(activity_type="Create")
    note = sent.document["object"]
    assert note["name"] == "no" and note["inReplyTo"] == work.ap_id
    assert note["to"] == [author.ap_id] and sent.document["to"] == [author.ap_id]
    inboxes = [j.payload["inbox"] for j in await Job.filter(kind="outbox.deliver")]
    assert inboxes == [author.inbox_url]
