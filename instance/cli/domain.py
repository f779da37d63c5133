"""`impasto domain …`: domain policies and blocklists from the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import cast

from instance.cli.support import CliError, ProgressBar, with_database
from instance.config import Config
from instance.jobs import kinds
from instance.moderation.blocklist_formats import (
    FORMATS,
    SEVERITIES,
    BlockEntry,
    BlocklistError,
    detect_format,
    format_any,
    parse_any,
)


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
    add_subscription_commands(actions)


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
                    kinds.PURGE_DOMAIN, {"domain": result.policy.domain}
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
    entry = _entry_from_args(args)
    messages = with_database(config, lambda: _apply(config, [entry]))
    print(messages[0])
    if args.severity == "suspend":
        print("its stored content and follows will be removed by the worker; nothing is sent to it")
    return 0


def _unblock(config: Config, args: argparse.Namespace) -> int:
    from instance.moderation.domains import unblock_domain

    with_database(config, lambda: unblock_domain(args.domain))
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


def add_subscription_commands(actions: argparse._SubParsersAction) -> None:
    allow = actions.add_parser("allow", help="allowlist a domain (for [moderation] allowlist_mode)")
    allow.add_argument("domain")
    allow.set_defaults(handler=_allow)

    subscribe = actions.add_parser("subscribe", help="follow a shared blocklist URL (changes wait as drafts)")
    subscribe.add_argument("url")
    subscribe.add_argument("--priority", type=int, default=0, help="higher wins where lists disagree")
    subscribe.add_argument("--exclude", action="append", default=[], metavar="DOMAIN",
                           help="never take this domain from the list (repeatable)")
    subscribe.set_defaults(handler=_subscribe)

    subscriptions = actions.add_parser("subscriptions", help="list blocklist subscriptions")
    subscriptions.set_defaults(handler=_subscriptions)

    drafts = actions.add_parser("drafts", help="list changes waiting for review")
    drafts.set_defaults(handler=_drafts)

    apply = actions.add_parser("apply-drafts", help="apply reviewed drafts")
    apply.add_argument("ids", nargs="*", type=int, help="draft ids (see `impasto domain drafts`)")
    apply.add_argument("--all", action="store_true", help="apply every pending draft")
    apply.set_defaults(handler=_apply_drafts)

    dismiss = actions.add_parser("dismiss-drafts", help="dismiss drafts")
    dismiss.add_argument("ids", nargs="+", type=int)
    dismiss.set_defaults(handler=_dismiss_drafts)


def _allow(config: Config, args: argparse.Namespace) -> int:
    from instance.moderation.domains import allow_domain

    policy = with_database(config, lambda: allow_domain(args.domain))
    print(f"allowed {policy.domain}")
    return 0


def _subscribe(config: Config, args: argparse.Namespace) -> int:
    from instance.moderation.subscriptions import subscribe
    from instance.services import build_services, close_services

    if not args.url.startswith(("https://", "http://")):
        raise CliError(f"{args.url!r} is not an http(s) URL")

    async def run() -> int:
        services = build_services(config)
        try:
            subscription = await subscribe(args.url, priority=args.priority, excludes=args.exclude)
            await services.jobs.enqueue(kinds.REFRESH_BLOCKLIST, {"subscription_id": subscription.id})
            return subscription.id
        finally:
            await close_services(services)

    subscription_id = with_database(config, run)
    print(f"subscribed (id {subscription_id}); the worker fetches it now, then every "
          f"{config.moderation.blocklist_refresh_hours:g} h; review with `impasto domain drafts`")
    return 0


def _subscriptions(config: Config, args: argparse.Namespace) -> int:
    from instance.storage.models import BlocklistSubscription

    rows = with_database(config, lambda: BlocklistSubscription.all().order_by("-priority", "id"))
    for s in rows:
        fetched = s.last_fetched_at.isoformat(timespec="minutes") if s.last_fetched_at else "never"
        error = f"  error: {s.last_error}" if s.last_error else ""
        print(f"{s.id:>4}  priority {s.priority:>3}  fetched {fetched}  {s.url}{error}")
    if not rows:
        print("(no subscriptions)")
    return 0


def _drafts(config: Config, args: argparse.Namespace) -> int:
    from instance.storage.models import DomainPolicyDraft, DraftState

    drafts = with_database(config, lambda: DomainPolicyDraft.filter(state=DraftState.PENDING).order_by("id"))
    for d in drafts:
        print(f"{d.id:>5}  {d.domain:<40} {d.entry.get('severity', ''):<8} {d.reason}")
    if not drafts:
        print("(nothing waits for review)")
    return 0


def _apply_drafts(config: Config, args: argparse.Namespace) -> int:
    from instance.moderation.subscriptions import apply_drafts
    from instance.services import build_services, close_services
    from instance.storage.models import DomainPolicyDraft, DraftState

    if not args.ids and not args.all:
        raise CliError("name draft ids, or --all")

    async def run() -> int:
        services = build_services(config)
        try:
            ids: list[int] = args.ids or cast(list[int], await DomainPolicyDraft.filter(
                state=DraftState.PENDING).values_list("id", flat=True))
            progress = ProgressBar(len(ids), "applying drafts")
            suspended = []
            for draft_id in ids:
                suspended += await apply_drafts([draft_id])
                progress.advance()
            progress.finish()
            for domain in suspended:
                await services.jobs.enqueue(kinds.PURGE_DOMAIN, {"domain": domain})
            return len(ids)
        finally:
            await close_services(services)

    print(f"applied {with_database(config, run)} drafts")
    return 0


def _dismiss_drafts(config: Config, args: argparse.Namespace) -> int:
    from instance.moderation.subscriptions import dismiss_drafts

    print(f"dismissed {with_database(config, lambda: dismiss_drafts(args.ids))} drafts")
    return 0
