"""The `outbox.deliver_batch` job: one activity to many inboxes from one job (a send to
many followers, outbox.fanout). A job per inbox cost about a third of each delivery in
claims, finishes and pool traffic (docs/federation.md "Performance"); a batch pays them
once.

Only the plain case is sent from the batch: the same checks and the same signed POST as
`outbox.deliver`, IN_FLIGHT at a time (the client still allows 4 per host). An inbox
whose host is failing or has its circuit open, or that answers anything but 2xx, becomes
its own `outbox.deliver` job, which owns retries, a failing host's shared slots and the
breaker (outbox.delivery); once a host fails in the batch, its inboxes not yet started
are handed on untried, so a dead host costs the batch a timeout per request already under
way, not one per inbox. Progress is written every FLUSH_EVERY settled inboxes (the
inboxes left, and the jobs handed on, in one transaction), so a batch run again after a
crash re-sends at most what it served since its last write."""

from __future__ import annotations

import asyncio
from enum import Enum

from tortoise.transactions import in_transaction

from federation.delivery_policy import is_retryable, is_success, next_retry_delay
from instance.jobs import Permanent
from instance.jobs.registry import JobContext
from instance.storage.models import Job
from outbox.delivery import screen, send_and_record
from outbox.fanout import queue_deliveries
from outbox.prepared import Prepared, prepared

IN_FLIGHT = 16
FLUSH_EVERY = 32


class Outcome(Enum):
    SENT = "sent"
    DROPPED = "dropped"  # suspended, or its host unavailable: nothing goes there
    HAND_ON = "hand on"  # its host is failing: an `outbox.deliver` job, runnable now
    FAILED = "failed"  # tried and refused or unreachable: an `outbox.deliver` job, later


class _Progress:
    """What the batch has settled and not yet written."""

    def __init__(self, ctx: JobContext, activity: int, inboxes: list[str]) -> None:
        self.ctx, self.activity, self.left = ctx, activity, dict.fromkeys(inboxes)
        self.hand_on: list[str] = []
        self.failed: list[str] = []
        self.unsaved = 0

    def settle(self, inbox: str, outcome: Outcome) -> None:
        self.left.pop(inbox, None)
        if outcome is Outcome.HAND_ON:
            self.hand_on.append(inbox)
        elif outcome is Outcome.FAILED:
            self.failed.append(inbox)
        self.unsaved += 1

    async def save(self) -> None:
        """The jobs handed on and the inboxes left, in one transaction (nothing when
        nothing was settled since the last write)."""
        if not self.unsaved:
            return
        services = self.ctx.services
        async with in_transaction() as connection:
            if self.hand_on:
                await queue_deliveries(services, self.activity, self.hand_on, using_db=connection)
            if self.failed:
                await queue_deliveries(services, self.activity, self.failed, using_db=connection,
                                       delay=next_retry_delay(1) or 0.0)
            await Job.filter(id=self.ctx.job_id).using_db(connection).update(
                payload={"activity": self.activity, "inboxes": list(self.left)})
        self.hand_on, self.failed, self.unsaved = [], [], 0


async def _send(ctx: JobContext, ready: Prepared, inbox: str, failing: set[str]) -> Outcome:
    screened = await screen(ctx.services, inbox)
    if screened is None:
        return Outcome.DROPPED
    if screened.host in failing or screened.failing or screened.decision.action == "wait":
        return Outcome.HAND_ON
    status = await send_and_record(ctx.services, ready, inbox, screened)
    if status is not None and is_success(status):
        return Outcome.SENT
    if is_retryable(status):
        failing.add(screened.host)  # down or overloaded: the rest of its inboxes wait
    return Outcome.FAILED


async def deliver_batch(ctx: JobContext, payload: dict) -> None:
    ready = await prepared(payload["activity"])
    if ready is None:
        raise Permanent("the activity no longer exists")
    inboxes = list(dict.fromkeys(payload["inboxes"]))
    progress = _Progress(ctx, payload["activity"], inboxes)
    failing: set[str] = set()
    waiting = iter(inboxes)  # shared by the senders: each inbox is taken by one of them
    settled: asyncio.Queue[tuple[str, Outcome | BaseException]] = asyncio.Queue()

    async def sender() -> None:
        for inbox in waiting:
            try:
                outcome: Outcome | BaseException = await _send(ctx, ready, inbox, failing)
            except Exception as exc:  # a bug: the batch fails with it (below)
                outcome = exc
            settled.put_nowait((inbox, outcome))
            if isinstance(outcome, BaseException):
                return

    # IN_FLIGHT senders, not a task per inbox: a task, a semaphore wait and a completion
    # callback per inbox were a measurable part of a delivery. Progress is written here,
    # never from a sender: a failure cancels the sends still under way, and must not
    # cancel a write half-done.
    senders = [asyncio.create_task(sender()) for _ in range(min(IN_FLIGHT, len(inboxes)))]
    try:
        for _ in inboxes:
            inbox, outcome = await settled.get()
            if isinstance(outcome, BaseException):
                raise outcome
            progress.settle(inbox, outcome)
            if progress.unsaved >= FLUSH_EVERY:
                await progress.save()
    finally:
        for task in senders:
            task.cancel()
        await asyncio.gather(*senders, return_exceptions=True)
    await progress.save()
