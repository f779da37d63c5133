"""Scheduled statuses: keep a status's arguments until its time, then publish it through
create_work (with its media and poll). Each publish job carries the time it was queued
for: a rescheduled status is published only by the job of its current time, a deleted one
by none."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from instance.actions.polls import PollSpec, check_spec
from instance.errors import Refused
from instance.jobs import JobContext, kinds
from instance.services import Services
from instance.storage.models import Account, ScheduledStatus
from instance.translation import gettext as _

MIN_AHEAD = timedelta(minutes=5)  # Mastodon's bound


class ScheduleError(Refused):
    """A time too soon, or a scheduled status that is not the asker's."""


def _check_time(when: datetime) -> datetime:
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if when < datetime.now(UTC) + MIN_AHEAD:
        raise ScheduleError(_("scheduled_at must be at least 5 minutes in the future"))
    return when


async def _queue(services: Services, row: ScheduledStatus) -> None:
    await services.jobs.enqueue(kinds.PUBLISH_SCHEDULED, {
        "scheduled_id": row.id, "at": row.scheduled_at.isoformat()}, at=row.scheduled_at)


async def schedule(services: Services, account: Account, when: datetime,
                   params: dict[str, Any]) -> ScheduledStatus:
    """Keep `params` (create_work's keyword arguments, JSON-safe; a poll as a dict of
    check_spec's arguments) until `when`."""
    row = await ScheduledStatus.create(account_id=account.id, scheduled_at=_check_time(when),
                                       params=params)
    await _queue(services, row)
    return row


async def reschedule(services: Services, account: Account, row_id: int,
                     when: datetime) -> ScheduledStatus:
    row = await own(account, row_id)
    row.scheduled_at = _check_time(when)
    await row.save(update_fields=["scheduled_at"])
    await _queue(services, row)
    return row


async def own(account: Account, row_id: int) -> ScheduledStatus:
    row = await ScheduledStatus.get_or_none(id=row_id, account_id=account.id)
    if row is None:
        raise ScheduleError(_("Record not found"), status=404)
    return row


def poll_of(params: dict[str, Any]) -> PollSpec | None:
    raw = params.get("poll")
    if not isinstance(raw, dict):
        return None
    return check_spec(list(raw.get("options") or []), raw.get("expires_in"),
                      bool(raw.get("multiple")), bool(raw.get("hide_totals")))


async def publish_job(ctx: JobContext, payload: dict) -> None:
    """The `statuses.publish_scheduled` job: publish the status if this job is for its
    current time (an older job of a rescheduled one does nothing)."""
    from instance.actions.works import create_work

    row = await ScheduledStatus.get_or_none(id=int(payload.get("scheduled_id", 0)))
    if row is None or payload.get("at") != row.scheduled_at.isoformat():
        return
    account = await Account.get(id=row.account_id)
    params = {k: v for k, v in row.params.items() if k != "poll"}
    await create_work(ctx.services, account, poll=poll_of(row.params), **params)
    await ScheduledStatus.filter(id=row.id).delete()
