"""Invite codes for the `invite` registration mode."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from instance.storage.models import Account, Invite


async def create_invite(
    created_by: Account | None, *, max_uses: int | None = 1, days: float | None = 7
) -> Invite:
    if max_uses is not None and max_uses < 1:
        raise ValueError("max uses must be at least 1")
    expires = datetime.now(UTC) + timedelta(days=days) if days else None
    return await Invite.create(
        code=secrets.token_urlsafe(9), created_by=created_by, max_uses=max_uses, expires_at=expires
    )


def is_usable(invite: Invite, now: datetime | None = None) -> bool:
    now = now or datetime.now(UTC)
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return False
    return invite.expires_at is None or invite.expires_at > now
