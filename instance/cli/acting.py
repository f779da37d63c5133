"""Before a CLI command runs: the settings admins saved in the browser, and `--as`.

Without `--as`, the CLI acts as the operator of the machine (whoever can run it can read
the config and the database anyway) with every right. `--as USERNAME` makes an admin
command check that local staff account's permissions first
(instance/moderation/permissions.py, the same rules as the web and the API), so a
moderator given shell access cannot do more there than in the browser.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from instance.cli.support import CliError, with_database
from instance.config import Config
from instance.moderation import permissions
from instance.storage.db import DatabaseError, is_postgres

# command (or "command action") → the permission `--as` must hold
ADMIN_COMMANDS: dict[str, str] = {
    "domain": permissions.MANAGE_DOMAINS,
    "federation reset": permissions.MANAGE_DOMAINS,
    "user": permissions.MANAGE_USERS,
    "emoji add": permissions.MANAGE_SETTINGS,
    "emoji remove": permissions.MANAGE_SETTINGS,
    "jobs-board remove": permissions.MANAGE_JOBS,
    "jobs-board release": permissions.MANAGE_JOBS,
    "jobs-board reject": permissions.MANAGE_JOBS,
    "jobs-board approve": permissions.MANAGE_JOBS,
    "jobs-board follow": permissions.MANAGE_JOBS,
}
# commands that run before or without the stored settings (they read the file only)
FILE_ONLY = frozenset({"run", "worker", "migrate", "setup", "backup", "restore"})


def needed_permission(args: argparse.Namespace) -> str | None:
    """The permission this command needs of an `--as` account, or None if it is no admin
    command."""
    command = str(args.command)
    action = next((str(value) for name, value in vars(args).items()
                   if name.endswith("_command") or name == "action"), "")
    return ADMIN_COMMANDS.get(f"{command} {action}") or ADMIN_COMMANDS.get(command)


def prepare(config: Config, args: argparse.Namespace) -> Config:
    """Check `--as` and lay the stored settings over the file config (one database
    round trip). A database without Impasto tables yet keeps the file config."""
    acting = getattr(args, "as_user", None)
    if args.command in FILE_ONLY and not acting:
        return config
    permission = needed_permission(args) if acting else None
    if acting and permission is None:
        raise CliError(f"--as applies to admin commands; `{args.command}` is not one")

    async def run() -> tuple[Config, int | None]:
        from instance import site_settings

        acting_id = await _check(str(acting), permission or "", args) if acting else None
        try:
            return await site_settings.stored_config(config), acting_id
        except Exception:  # noqa: BLE001 (no tables yet: the command itself says so)
            return config, acting_id

    if acting:
        config, acting_id = with_database(config, run)
        # set here, outside the event loop, so the command's own asyncio.run inherits it
        permissions.acting_account.set(acting_id)
        return config
    url = config.database_url
    if not is_postgres(url) and not Path(url[len("sqlite://"):]).is_file():
        return config  # no database made yet: do not create an empty one here
    try:
        return with_database(config, run)[0]
    except (DatabaseError, CliError):
        return config  # a command that needs no database (media check, …) still runs


async def _check(username: str, permission: str, args: argparse.Namespace) -> int:
    """The account id of the `--as` account, once it holds `permission`."""
    from instance.storage.models import User

    user = await User.filter(account__username=username.lower().lstrip("@"),
                             account__domain=None).first()
    if user is None:
        raise CliError(f"--as {username}: no local account of that name")
    permissions.require(user, permission)
    if getattr(args, "admin", False) or getattr(args, "moderator", False):
        permissions.require_admin(user)  # making staff is an admin's act
    return user.account_id
