"""`impasto export ACCOUNT --what following --out FILE`: an account's data as the CSV file
Mastodon writes (the same builders as Settings → Export); `impasto export ACCOUNT
--archive PATH`: the full archive, the same zip as Settings → Export builds; `impasto import ACCOUNT FILE
--what following --mode merge`: such a file queued for import, as Settings → Import does
(the worker applies it; the report is on the settings page)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from instance.actions.importing.files import KIND_NAMES, MAX_BYTES, MODES
from instance.actions.portability import EXPORTS, export_csv
from instance.cli.support import CliError, with_database
from instance.config import Config


def add_commands(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="export a local account's follows, lists… as Mastodon CSV")
    export.add_argument("account", help="a local username")
    export.add_argument("--what", choices=list(EXPORTS), default="following",
                        help="which file (default following)")
    export.add_argument("--out", metavar="FILE", help="write here (default: standard output)")
    export.add_argument("--archive", metavar="PATH",
                        help="write the full archive (a zip: actor, outbox, originals, likes, "
                             "bookmarks and every CSV) here instead")
    export.set_defaults(handler=_export)
    importing = commands.add_parser("import", help="queue the import of a Mastodon CSV for a local account")
    importing.add_argument("account", help="a local username")
    importing.add_argument("file", help="the CSV file (- for standard input)")
    importing.add_argument("--what", choices=KIND_NAMES, default="following",
                           help="what is in the file (default following)")
    importing.add_argument("--mode", choices=list(MODES), default="merge",
                           help="merge (default) or overwrite: also undo what the file leaves out")
    importing.set_defaults(handler=_import)


def _export(config: Config, args: argparse.Namespace) -> int:
    from instance.storage.models import Account

    if args.archive:
        return _archive(config, args)

    async def build() -> str:
        account = await Account.get_or_none(username=args.account.lstrip("@"), domain=None)
        if account is None:
            raise CliError(f"no local account {args.account!r}")
        return (await export_csv(args.what, account.id, config.instance.domain))[1]

    text = with_database(config, build)
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {args.out}: {exc.strerror}") from None
    else:
        sys.stdout.write(text)
    return 0


def _archive(config: Config, args: argparse.Namespace) -> int:
    from instance.actions.archive import write_archive
    from instance.services import build_services, close_services
    from instance.storage.models import Account

    target = Path(args.archive)
    partial = target.with_name(target.name + ".part")

    async def build() -> None:
        account = await Account.get_or_none(username=args.account.lstrip("@"), domain=None)
        if account is None:
            raise CliError(f"no local account {args.account!r}")
        services = build_services(config)
        try:
            await write_archive(services, account, partial)
        except OSError as exc:
            raise CliError(f"cannot write {args.archive}: {exc.strerror or exc}") from None
        finally:
            await close_services(services)

    try:
        with_database(config, build)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    print(f"wrote {target} ({target.stat().st_size} bytes)")
    return 0


def _import(config: Config, args: argparse.Namespace) -> int:
    from instance.actions.importing.files import ImportRefused
    from instance.actions.importing.run import start_import
    from instance.services import build_services, close_services
    from instance.storage.models import Account

    try:
        data = sys.stdin.buffer.read(MAX_BYTES + 1) if args.file == "-" else \
            Path(args.file).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {args.file}: {exc.strerror}") from None

    async def queue() -> tuple[int, int, int]:
        account = await Account.get_or_none(username=args.account.lstrip("@"), domain=None)
        if account is None:
            raise CliError(f"no local account {args.account!r}")
        services = build_services(config)
        try:
            run = await start_import(services, account, data, args.mode, args.what)
        except ImportRefused as exc:
            raise CliError(f"{args.file}: {exc.message}") from None
        finally:
            await close_services(services)
        return run.id, run.total, len(run.report)

    number, total, malformed = with_database(config, queue)
    print(f"queued import {number}: {total} rows ({malformed} malformed), {args.what}, {args.mode}")
    return 0
