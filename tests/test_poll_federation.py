"""Polls arriving over federation, in process (InboxItems run through inbox.process), on
SQLite and PostgreSQL: a remote Question keeps its options and tallies (and an Update
refreshes them); remote votes on a local poll are counted once per voter and option,
never stored as replies, refused on a closed poll, and the new tallies go out as an
Update of the Question."""

from __future__ import annotations

from datetime import timedelta

from instance.actions import works
from instance.actions.polls import check_spec, now, update_job
from instance.jobs import JobContext
from instance.storage.models import Job, OutboxActivity, Poll, PollVote, Work
from tests.test_actions import local, remote
from tests.test_inbox_handlers import PUBLIC, receive


def _question(author, tallies, closed=False):
    doc = {"id": f"{author.ap_id}/statuses/9", "type": "Question", "attributedTo": author.ap_id,
           "content": "<p>Oil or acrylic?</p>", "to": [PUBLIC],
           "endTime": "2099-01-01T00:00:00Z", "votersCount": sum(tallies),
           "oneOf": [{"type": "Note", "name": name, "replies": {"type": "Collection",
                                                                "totalItems": count}}
                     for name, count in zip(["oil", "acrylic"], tallies, strict=True)]}
    if closed:
        doc["closed"] = "2026-01-01T00:00:00Z"
    return doc


async def test_a_remote_question_keeps_its_options_and_tallies(services):
    await local(services, "fan")  # addressed below: the Question is kept for her
    author = await remote("pix", "far.example")
    await receive(services, author, "Create", _question(author, [3, 1]),
                  to=[PUBLIC, f"{services.urls.local_prefix}/users/fan"])
    work = await Work.get(ap_id=f"{author.ap_id}/statuses/9")
    poll = await Poll.get(work_id=work.id)
    assert poll.options == ["oil", "acrylic"] and poll.tallies == [3, 1]
    assert poll.voters_count == 4 and not poll.multiple and poll.closed_at is None
    await receive(services, author, "Update", _question(author, [5, 2], closed=True))
    poll = await Poll.get(id=poll.id)
    assert poll.tallies == [5, 2] and poll.closed_at is not None


async def test_remote_votes_on_a_local_poll(services):
    ada = await local(services, "ada")
    voter, other = await remote("v", "one.example"), await remote("w", "two.example")
    work = await works.create_work(services, ada, title="", content_source="Oil or acrylic?",
                                   poll=check_spec(["oil", "acrylic"], 3600))
    poll = await Poll.get(work_id=work.id)

    def vote(who, name, n=1):
        return {"id": f"{who.ap_id}#votes/{n}", "type": "Note", "name": name,
                "attributedTo": who.ap_id, "inReplyTo": work.ap_id, "to": [ada.ap_id]}

    assert (await receive(services, voter, "Create", vote(voter, "acrylic"))).state == "processed"
    await receive(services, voter, "Create", vote(voter, "acrylic", 2))  # again: once
    assert (await receive(services, voter, "Create", vote(voter, "oil", 3))).state == "dropped"
    assert (await receive(services, other, "Create", vote(other, "watercolour"))).state == "dropped"
    await receive(services, other, "Create", vote(other, "oil"))
    poll = await Poll.get(id=poll.id)
    assert poll.tallies == [1, 1] and poll.voters_count == 2
    assert await Work.filter(in_reply_to_id=work.id).count() == 0
    assert (await Work.get(id=work.id)).replies_count == 0

    assert await Job.filter(kind="polls.update").count() == 1  # one Update for the burst
    [queued] = await Job.filter(kind="polls.update")
    await update_job(JobContext(services, queued.id, 1, 1), queued.payload)  # not the
    # deliveries: those would go to the network
    update = await OutboxActivity.filter(activity_type="Update", object_ap_id=work.ap_id).first()
    assert update is not None
    assert [o["replies"]["totalItems"] for o in update.document["object"]["oneOf"]] == [1, 1]
    sent_to = {j.payload["inbox"] for j in await Job.filter(kind="outbox.deliver")
               if j.payload["activity"] == update.id}
    assert sent_to == {"https://one.example/inbox", "https://two.example/inbox"}  # the voters

    await Poll.filter(id=poll.id).update(expires_at=now() - timedelta(seconds=1))
    late = await remote("late", "three.example")
    assert (await receive(services, late, "Create", vote(late, "oil"))).state == "dropped"
    assert await PollVote.filter(account_id=late.id).count() == 0
