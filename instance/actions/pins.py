"""Pinning: an artist features a few of their own public works in the strip at the top of
their portfolio and in the actor's `featured` collection (peers re-read it from the
actor, so a pin needs no activity of its own). One rule for the web and the API."""

from __future__ import annotations

from datetime import UTC, datetime

from instance.errors import Refused
from instance.storage.models import Work
from instance.translation import gettext as _

MAX_PINNED = 12  # a strip, not a second portfolio


class PinError(Refused):
    """A pin that cannot be done; the message says why."""


async def set_pinned(account_id: int, work: Work, pinned: bool) -> None:
    """Pin (newest pin first) or unpin one of the account's own works."""
    if work.account_id != account_id:
        raise PinError(_("Validation failed: you can only pin your own statuses"))
    if not pinned:
        await Work.filter(id=work.id).update(pinned_at=None)
        return
    if work.visibility not in ("public", "unlisted"):
        raise PinError(_("Validation failed: only public and unlisted statuses can be pinned"))
    if work.pinned_at is None:
        count = await Work.filter(account_id=account_id, pinned_at__not_isnull=True,
                                  deleted_at=None).count()
        if count >= MAX_PINNED:
            raise PinError(_("Validation failed: you can pin at most %(max_pinned)s works; unpin one first",
                             max_pinned=MAX_PINNED))
    await Work.filter(id=work.id).update(pinned_at=datetime.now(UTC))
