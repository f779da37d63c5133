"""Who may do what in the administration: the one owner of roles and permissions.

A local account has a role (`artist`, `moderator` or `admin`) and may be granted custom
permissions on top of it (`User.permissions`, space-separated). Admins hold every
permission; moderators hold what moderators could always do (reports, sign-ups and
invites, domain policies, held job listings) but not the instance settings. The web admin
pages, the Mastodon admin API and the CLI's `--as` all ask `require` here, so a
permission means the same thing everywhere. Only admins change roles and permissions.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from tortoise.signals import pre_save

from instance.errors import Refused
from instance.storage.models import AuditEntry, User
from instance.translation import gettext as _
from instance.translation import lazy_gettext

if TYPE_CHECKING:
    from instance.storage.models import Account

MANAGE_REPORTS = "manage_reports"
MANAGE_DOMAINS = "manage_domains"
MANAGE_USERS = "manage_users"
MANAGE_SETTINGS = "manage_settings"
MANAGE_JOBS = "manage_jobs"

# permission → what it covers, in the words the roles page shows
PERMISSIONS: dict[str, str] = {
    MANAGE_REPORTS: "Reports and the image review queue",
    MANAGE_DOMAINS: "Domain policies, blocklists and the AI report",
    MANAGE_USERS: "Sign-ups, invites and suspending accounts",
    MANAGE_SETTINGS: "Instance settings",
    MANAGE_JOBS: "Job listings held for approval and removing listings",
}
ROLES: tuple[str, ...] = ("artist", "moderator", "admin")
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(PERMISSIONS),
    "moderator": frozenset({MANAGE_REPORTS, MANAGE_USERS, MANAGE_DOMAINS, MANAGE_JOBS}),
    "artist": frozenset(),
}


# The staff account a CLI command runs as (`impasto --as NAME`): audit entries written
# without an actor are put in its name, so the log says who acted, not "system".
acting_account: ContextVar[int | None] = ContextVar("acting_account", default=None)


@pre_save(AuditEntry)
async def _actor_of_cli(sender: type[AuditEntry], entry: AuditEntry, using_db: Any,
                        update_fields: Any) -> None:
    acting = acting_account.get()
    if entry.actor_id is None and acting is not None and entry._saved_in_db is False:
        entry.actor_id = acting


class PermissionRefused(Refused):
    """A staff action by someone whose role and permissions do not include it."""

    status = 403
    title = lazy_gettext("Not allowed")


def granted(user: User) -> frozenset[str]:
    """The permissions granted to this account itself, beyond its role."""
    return frozenset(name for name in (user.permissions or "").split() if name in PERMISSIONS)


def permissions_of(user: User | None) -> frozenset[str]:
    """Everything this user may do: their role's permissions and their own grants."""
    if user is None or user.disabled:
        return frozenset()
    return ROLE_PERMISSIONS.get(user.role, frozenset()) | granted(user)


def has(user: User | None, permission: str) -> bool:
    return permission in permissions_of(user)


def is_staff(user: User | None) -> bool:
    """May see the administration at all (the dashboard and the audit log)."""
    return bool(permissions_of(user))


def require(user: User | None, permission: str) -> None:
    """Raise `PermissionRefused`, in words, unless `user` holds `permission`."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission}")
    if not has(user, permission):
        raise PermissionRefused(
            _("This needs the %(permission)s permission (%(lower)s), which your account does not have. An "
              "admin can grant it.", permission=permission, lower=PERMISSIONS[permission].lower()))


def require_staff(user: User | None) -> None:
    if not is_staff(user):
        raise PermissionRefused(_("This page is for moderators and admins."))


def require_admin(user: User | None) -> None:
    if user is None or user.disabled or user.role != "admin":
        raise PermissionRefused(_("Only admins may do this."))


class RoleError(Refused):
    """A role change that cannot be made (unknown role or permission, the last admin)."""


async def set_role(actor: Account | None, user: User, role: str, permissions: list[str]) -> bool:
    """Give `user` a role and custom permissions (an admin's act, audited). Returns whether
    anything changed. The last active admin cannot stop being one."""
    if role not in ROLES:
        raise RoleError(_("Unknown role %(role)r: choose one of %(choices)s.",
                          role=role, choices=', '.join(ROLES)))
    unknown = [name for name in permissions if name not in PERMISSIONS]
    if unknown:
        raise RoleError(_("Unknown permission %(unknown)r.", unknown=unknown[0]))
    if user.role == "admin" and role != "admin" and not await User.filter(
            role="admin", disabled=False).exclude(id=user.id).exists():
        raise RoleError(_("This is the last admin: make someone else an admin first."))
    # grants the role already gives are not stored, so a later role change is clean
    extra = sorted(set(permissions) - ROLE_PERMISSIONS[role])
    stored = " ".join(extra)
    if user.role == role and (user.permissions or "") == stored:
        return False
    before = {"role": user.role, "permissions": sorted(granted(user))}
    await User.filter(id=user.id).update(role=role, permissions=stored)
    user.role, user.permissions = role, stored
    await AuditEntry.create(actor=actor, action="account.role", target=str(user.account_id),
                            detail={"before": before, "role": role, "permissions": extra})
    return True
