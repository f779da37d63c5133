"""`impasto export ACCOUNT --what following --out FILE`: an account's data as the CSV file
Mastodon writes (the same builders as Settings → Export)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from instance.actions.portability import EXPORTS, export_csv
from instance.cli.support import CliError, with_database
from instance.config import Config


def add_commands(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser("export", help="export a local account's follows, lists… as Mastodon CSV")
    export.add_argument("account", help="a local username")
    export.add_argument("--what", choices=list(EXPORTS), default="following",
                        help="which file (default following)")
    export.add_argument("--out", metavar="FILE", help="write here (default: standard output)")
    export.set_defaults(handler=_export)


def _export(config: Config, args: argparse.Namespace) -> int:
    from instance.storage.models import Account

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
