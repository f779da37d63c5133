"""`impasto db copy SOURCE_URL TARGET_URL`: copy a whole instance database between SQLite
and PostgreSQL (instance/storage/copy.py), with a progress bar per table."""

from __future__ import annotations

import argparse
import asyncio
import sys

from instance.cli.support import CliError, ProgressBar
from instance.config import Config


def add_commands(commands: argparse._SubParsersAction) -> None:
    database = commands.add_parser("db", help="database tools: copy an instance between engines")
    actions = database.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    copy = actions.add_parser(
        "copy",
        help="copy every table from one database to a new, empty one (SQLite <-> PostgreSQL)",
        description="Stop the server and the workers first. The target is migrated, must hold "
        "no rows, and gets every row with its id (PostgreSQL's id sequences are moved past "
        "them); the row counts of both sides are compared at the end. The settings file's "
        "[database] url is not read: name both databases, e.g. "
        "sqlite:///srv/impasto/data/impasto.sqlite3 postgres://impasto@db/impasto",
    )
    copy.add_argument("source", metavar="SOURCE_URL")
    copy.add_argument("target", metavar="TARGET_URL")
    copy.add_argument("--batch-size", type=int, default=1000, metavar="N",
                      help="rows read and written at a time (default 1000)")
    copy.set_defaults(handler=_copy)


def _copy(config: Config, args: argparse.Namespace) -> int:
    from instance.storage.copy import CopyError, copy_database, display

    if not 1 <= args.batch_size <= 100_000:
        raise CliError("--batch-size must be between 1 and 100000")
    bars: dict[str, ProgressBar] = {}

    def progress(table: str, done: int, total: int) -> None:
        bar = bars.get(table)
        if bar is None:
            bar = bars[table] = ProgressBar(total, table)
        bar.advance(done - bar.done)
        if done >= total:
            bar.finish()

    try:
        copied = asyncio.run(copy_database(args.source, args.target,
                                           batch_size=args.batch_size, progress=progress))
    except CopyError as exc:
        raise CliError(str(exc)) from None
    rows = sum(copied.values())
    print(f"copied {rows} rows in {len(copied)} tables to {display(args.target)}; "
          "the row counts match", file=sys.stdout)
    return 0
