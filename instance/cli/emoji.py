"""`impasto emoji …`: add, list and remove local custom emoji from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from instance.cli.support import CliError, audit, with_database
from instance.config import Config


def add_commands(commands: argparse._SubParsersAction) -> None:
    emoji = commands.add_parser("emoji", help="local custom emoji (:shortcode:)")
    actions = emoji.add_subparsers(dest="emoji_command", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="add an emoji from a PNG, GIF or WebP file (≤ 256 KB)")
    add.add_argument("shortcode")
    add.add_argument("file")
    add.add_argument("--category", default=None)
    add.set_defaults(handler=_add)
    listing = actions.add_parser("list", help="list local custom emoji")
    listing.set_defaults(handler=_list)
    remove = actions.add_parser("remove", help="delete a local custom emoji")
    remove.add_argument("shortcode")
    remove.set_defaults(handler=_remove)


def _add(config: Config, args: argparse.Namespace) -> int:
    from instance.emoji.store import MAX_BYTES, EmojiRefused, add_local
    from instance.services import build_services, close_services

    path = Path(args.file)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror or exc}") from exc

    async def run() -> str:
        services = build_services(config)
        try:
            row = await add_local(services, args.shortcode, data, category=args.category)
        except EmojiRefused as exc:
            raise CliError(str(exc)) from exc
        finally:
            await close_services(services)
        await audit("emoji.add", f":{row.shortcode}:")
        return row.shortcode

    print(f"added :{with_database(config, run)}:")
    return 0


def _list(config: Config, args: argparse.Namespace) -> int:
    from instance.emoji.store import local_list

    rows = with_database(config, local_list)
    for row in rows:
        state = "disabled" if row.disabled else "enabled"
        print(f":{row.shortcode}:\t{state}\t{row.category or ''}\t{row.image_path or ''}")
    if not rows:
        print("no custom emoji")
    return 0


def _remove(config: Config, args: argparse.Namespace) -> int:
    from instance.emoji.store import remove_local
    from instance.services import build_services, close_services

    shortcode = args.shortcode.strip(":")

    async def run() -> bool:
        services = build_services(config)
        try:
            removed = await remove_local(services, shortcode)
        finally:
            await close_services(services)
        if removed:
            await audit("emoji.remove", f":{shortcode}:")
        return removed

    if not with_database(config, run):
        raise CliError(f"there is no local emoji :{shortcode}:")
    print(f"removed :{shortcode}:")
    return 0
