"""`impasto domain …`: domain policies and blocklists from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from instance.cli_support import CliError, ProgressBar, with_database
from instance.config import Config
from instance.moderation.blocklist_formats import (
    FORMATS,
    SEVERITIES,
    BlockEntry,
    BlocklistError,
    detect_format,
    format_any,
    parse_any,
)
from instance.moderation.domain_names import DomainNameError


def add_commands(commands: argparse._SubParsersAction) -> None:
    domain = commands.add_parser("domain", help="domain policies (defederation) and blocklists")
    actions = domain.add_subparsers(dest="domain_command", metavar="ACTION", required=True)

    block = actions.add_parser(
        "block", help="suspend, silence or limit a domain (and its subdomains)"
    )
    block.add_argument("domain")
    block.add_argument("--severity", choices=SEVERITIES, default="suspend")
    block.add_argument(
        "--reject-media", action="store_true", help="fetch and store no media from it"
    )
    block.add_argument("--reject-reports", action="store_true", help="ignore reports from it")
    block.add_argument("--public-comment", default="", metavar="TEXT", help="reason shown publicly")
    block.add_argument("--private-comment", default="", metavar="TEXT", help="note for admins only")
    block.add_argument(
        "--obfuscate", action="store_true", help="obfuscate the domain where shown publicly"
    )
    block.set_defaults(handler=_block)

    unblock = actions.add_parser("unblock", help="remove a domain's policy")
    unblock.add_argument("domain")
    unblock.set_defaults(handler=_unblock)

    listing = actions.add_parser("list", help="list domain policies")
    listing.set_defaults(handler=_list)

    importing = actions.add_parser(
        "import", help="import a blocklist (Mastodon CSV, JSON or a plain list)"
    )
    importing.add_argument("file", help="the file, or - for standard input")
    importing.add_argument(
        "--format", choices=FORMATS, help="default: guessed from the name and content"
    )
    importing.add_argument("--dry-run", action="store_true", help="check and show, change nothing")
    importing.set_defaults(handler=_import)

    exporting = actions.add_parser("export", help="print the domain policies as a blocklist")
    exporting.add_argument("--format", choices=FORMATS, default="mastodon-csv")
    exporting.set_defaults(handler=_export)

    report = actions.add_parser(
        "ai-report", help="per-domain table: software, declared AI policy, AI rate, policy"
    )
    report.set_defaults(handler=_ai_report)


def _entry_from_args(args: argparse.Namespace) -> BlockEntry:
    return BlockEntry(
        domain=args.domain,
        severity=args.severity,
        reject_media=args.reject_media,
        reject_reports=args.reject_reports,
        public_comment=args.public_comment,
        private_comment=args.private_comment,
        obfuscate=args.obfuscate,
    )


async def _apply(config: Config, entries: list[BlockEntry], source: str = "") -> list[str]:
    from instance.moderation.domains import block_domain
    from instance.services import build_services, close_services

    services = build_services(config)
    messages = []
    progress = ProgressBar(len(entries), "importing") if len(entries) > 1 else None
    try:
        for entry in entries:
            result = await block_domain(entry, source=source)
            if result.severity_raised_to_suspend:
                await services.jobs.enqueue(
                    "moderation.purge_domain", {"domain": result.policy.domain}
                )
            verb = "added" if result.created else "updated"
            messages.append(f"{verb} {result.policy.domain}: {result.policy.severity}")
            if progress:
                progress.advance()
    finally:
        if progress:
            progress.finish()
        await close_services(services)
    return messages


def _block(config: Config, args: argparse.Namespace) -> int:
    try:
        entry = _entry_from_args(args)
        messages = with_database(config, lambda: _apply(config, [entry]))
    except DomainNameError as exc:
        raise CliError(str(exc)) from None
    print(messages[0])
    if args.severity == "suspend":
        print("its stored content and follows will be removed by the worker; nothing is sent to it")
    return 0


def _unblock(config: Config, args: argparse.Namespace) -> int:
    from instance.moderation.domains import DomainPolicyError, unblock_domain

    try:
        with_database(config, lambda: unblock_domain(args.domain))
    except (DomainPolicyError, DomainNameError) as exc:
        raise CliError(str(exc)) from None
    print(f"removed the policy for {args.domain}")
    return 0


def _list(config: Config, args: argparse.Namespace) -> int:
    from instance.moderation.domains import list_policies

    policies = with_database(config, list_policies)
    print(f"{'DOMAIN':<40} {'SEVERITY':<9} {'MEDIA':<7} {'REPORTS':<8} PUBLIC COMMENT")
    for p in policies:
        media = "reject" if p.reject_media else "-"
        reports = "reject" if p.reject_reports else "-"
        print(f"{p.domain:<40} {p.severity:<9} {media:<7} {reports:<8} {p.public_comment}")
    return 0


def _import(config: Config, args: argparse.Namespace) -> int:
    if args.file == "-":
        text, name = sys.stdin.read(), ""
    else:
        path = Path(args.file)
        try:
            text, name = path.read_text(encoding="utf-8"), path.name
        except (OSError, UnicodeDecodeError) as exc:
            raise CliError(f"cannot read {args.file}: {exc}") from None
    fmt = args.format or detect_format(text, name)
    try:
        entries = parse_any(text, fmt)
    except BlocklistError as exc:
        raise CliError(f"{args.file} ({fmt}): {exc}") from None
    if args.dry_run:
        for entry in entries:
            print(f"would block {entry.domain}: {entry.severity}")
        return 0
    messages = with_database(config, lambda: _apply(config, entries, source=name))
    print(f"imported {len(messages)} domain policies from {args.file} ({fmt})")
    return 0


def _export(config: Config, args: argparse.Namespace) -> int:
    from instance.moderation.domains import as_entry, list_policies

    policies = with_database(config, list_policies)
    sys.stdout.write(format_any([as_entry(p) for p in policies], args.format))
    return 0


def _ai_report(config: Config, args: argparse.Namespace) -> int:
    from instance.moderation.instances import ai_report

    rows = with_database(config, ai_report)
    print(
        f"{'DOMAIN':<32} {'SOFTWARE':<22} {'DECLARED AI':<12} {'WORKS':>6} {'AI':>5} {'AI RATE':>8} POLICY"
    )
    for row in rows:
        print(
            f"{row.domain:<32} {row.software[:22]:<22} {row.declared_ai_policy:<12} "
            f"{row.works_seen:>6} {row.ai_works_seen:>5} {row.ai_rate:>8.0%} {row.policy}"
        )
    if not rows:
        print("(no remote instances met yet)")
    return 0
