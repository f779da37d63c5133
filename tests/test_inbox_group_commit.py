"""Group commit of inbox items (inbox/batch.py): requests waiting together share one
transaction, each is answered only after the transaction holding its item committed,
every stored item has exactly one job, and duplicates (already stored, or twice in one
batch) are told apart from the rest. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from inbox import batch
from instance.jobs import JobQueue
from instance.storage.models import InboxItem, Job


def fields(n: int, signature: str = "s") -> dict:
    return dict(activity_id=f"https://peer.test/a/{n}", actor_id="https://peer.test/u",
                activity_type="Create", document={"id": f"https://peer.test/a/{n}"},
                signature_digest=signature)


async def test_waiting_requests_share_a_transaction_and_return_after_its_commit(
        connected, monkeypatch):
    committed: set[str] = set()
    real = batch.in_transaction

    @asynccontextmanager
    async def watched():
        async with real() as connection:
            yield connection
            names = [row["activity_id"] for row in await InboxItem.all().using_db(connection)
                     .values("activity_id")]
        committed.update(names)  # only now, after the transaction's commit

    monkeypatch.setattr(batch, "in_transaction", watched)
    group, queue = batch.GroupCommit(), JobQueue()

    async def store(n: int) -> bool:
        outcome = await group.store(queue, fields(n))
        return outcome == "stored" and fields(n)["activity_id"] in committed

    results = await asyncio.gather(*(store(n) for n in range(20)))

    assert all(results)  # every request answered after its item was committed
    assert group.batches < 20  # the ones that waited together were written together
    assert await InboxItem.all().count() == 20
    items = set(await InboxItem.all().values_list("id", flat=True))
    payloads = [job["item"] for job in await Job.filter(kind="inbox.process").values_list(
        "payload", flat=True)]
    assert sorted(payloads) == sorted(items)  # one job per item, none twice


async def test_duplicates_are_told_apart_and_the_rest_stored(connected):
    group, queue = batch.GroupCommit(), JobQueue()
    assert await group.store(queue, fields(1)) == "stored"

    outcomes = await asyncio.gather(
        group.store(queue, fields(2)),
        group.store(queue, fields(1, signature="other")),  # already stored
        group.store(queue, fields(3)),
        group.store(queue, fields(3, signature="again")),  # twice in one batch
        group.store(queue, fields(4)),
    )

    assert sorted(outcomes) == ["duplicate", "duplicate", "stored", "stored", "stored"]
    assert outcomes[1] == "duplicate"
    assert await InboxItem.all().count() == 4
    assert await Job.filter(kind="inbox.process").count() == 4


async def test_a_failed_write_fails_every_request_of_its_batch(connected, monkeypatch):
    group, queue = batch.GroupCommit(), JobQueue()

    async def broken(jobs, pending):
        raise RuntimeError("database went away")

    monkeypatch.setattr(group, "_insert", broken)
    results = await asyncio.gather(*(group.store(queue, fields(n)) for n in range(3)),
                                   return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert await InboxItem.all().count() == 0
    monkeypatch.undo()
    assert await group.store(queue, fields(9)) == "stored"  # the next request is served


async def test_a_stored_item_reads_back_as_it_came(connected):
    """On PostgreSQL a batch is one multi-row INSERT written by hand: every column must
    still read back as the ORM would have written it."""
    group, queue = batch.GroupCommit(), JobQueue()
    document = {"id": "https://peer.test/a/é", "object": {"content": "<p>Ciel ☁</p>", "n": [1, 2.5, None]}}
    wanted = dict(fields(1), document=document)
    assert (await asyncio.gather(group.store(queue, wanted), group.store(queue, fields(2))))[0] == "stored"
    item = await InboxItem.get(activity_id=wanted["activity_id"])
    assert item.document == document and item.actor_id == wanted["actor_id"]
    assert (item.activity_type, item.signature_digest) == ("Create", "s")
    assert (item.state, item.reason) == ("received", "")
    assert item.received_at is not None and item.received_at.tzinfo is not None and item.processed_at is None
