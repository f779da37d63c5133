"""Invites: links (/invite/CODE) that let someone sign up in every registration mode,
skipping approval, with an expiry, a use limit and a note; revocable by staff."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from instance.errors import Refused
from instance.storage.models import Account, AuditEntry, Invite
from instance.translation import gettext as _
from instance.translation import lazy_gettext

NOTE_CHARS = 200


class InviteRefused(Refused):
    """An invite that cannot be used (unknown, expired, used up or revoked), in words."""

    status = 422
    title = lazy_gettext("This invite cannot be used")


async def create_invite(
    created_by: Account | None, *, max_uses: int | None = 1, days: float | None = 7, note: str = ""
) -> Invite:
    if max_uses is not None and max_uses < 1:
        raise ValueError("max uses must be at least 1")
    if days is not None and days <= 0:
        raise ValueError("days must be more than 0")
    if len(note) > NOTE_CHARS:
        raise ValueError(f"the note must be at most {NOTE_CHARS} characters")
    expires = datetime.now(UTC) + timedelta(days=days) if days else None
    invite = await Invite.create(code=secrets.token_urlsafe(9), created_by=created_by,
                                 max_uses=max_uses, expires_at=expires, note=note.strip())
    await AuditEntry.create(actor=created_by, action="invite.create", target=str(invite.id),
                            detail={"max_uses": max_uses, "days": days, "note": invite.note})
    return invite


def problem(invite: Invite | None, now: datetime | None = None) -> str | None:
    """Why this invite cannot be used now, or None when it can."""
    now = now or datetime.now(UTC)
    if invite is None:
        return _("There is no invite with that code. Check the link you were sent.")
    if invite.revoked_at is not None:
        return _("This invite was withdrawn by the server's staff.")
    if invite.expires_at is not None and invite.expires_at <= now:
        return _("This invite expired on %(day)s. Ask for a new one.",
                 day=invite.expires_at.strftime("%Y-%m-%d"))
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return _("This invite has been used as many times as it allows. Ask for a new one.")
    return None


def state(invite: Invite, now: datetime | None = None) -> str:
    """One word for the invites page: active, withdrawn, expired or used up."""
    now = now or datetime.now(UTC)
    if invite.revoked_at is not None:
        return "withdrawn"
    if invite.expires_at is not None and invite.expires_at <= now:
        return "expired"
    return "used up" if problem(invite, now) else "active"


def is_usable(invite: Invite, now: datetime | None = None) -> bool:
    return problem(invite, now) is None


async def usable_invite(code: str) -> Invite:
    """The invite with this code, or `InviteRefused` saying why it cannot be used."""
    invite = await Invite.get_or_none(code=code.strip()[:64]) if code.strip() else None
    reason = problem(invite)
    if reason:
        raise InviteRefused(reason)
    assert invite is not None
    return invite


async def revoke(invite_id: int) -> bool:
    """Withdraw an invite; True if it was still active."""
    return bool(await Invite.filter(id=invite_id, revoked_at=None).update(revoked_at=datetime.now(UTC)))
