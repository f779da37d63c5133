"""`impasto media …`: check files for declared AI, cloak a file, re-render stored media
at the cloak level now in effect, prune cached remote media."""

from __future__ import annotations

import argparse
import json
import math
import sys
from typing import Any

from instance.cli.support import CliError, ProgressBar, with_database
from instance.config import Config

CLOAK_LEVELS = ("low", "medium", "high")


def add_commands(commands: argparse._SubParsersAction) -> None:
    media = commands.add_parser("media", help="image checks, cloak, re-rendering, remote cache")
    actions = media.add_subparsers(dest="media_command", metavar="ACTION", required=True)

    check = actions.add_parser(
        "check",
        help="print what each file declares about AI generation (one JSON object per line)",
        description="Reads C2PA, IPTC XMP, generator metadata, stealth data and the Stable "
        "Diffusion watermark. 'none' does not prove an image is human-made: screenshots "
        "and re-encodes remove every signal.",
    )
    check.add_argument("files", nargs="+", metavar="FILE")
    check.set_defaults(handler=_check)

    cloak = actions.add_parser(
        "cloak",
        help="cloak one image file and print its quality metrics as JSON",
        description="The cloak is defence in depth against style mimicry, not a guarantee: "
        "noise, upscaling or purification can remove it.",
    )
    cloak.add_argument("input", metavar="IN")
    cloak.add_argument("output", metavar="OUT", help="format follows the extension")
    cloak.add_argument("--level", choices=CLOAK_LEVELS, default="medium")
    cloak.add_argument("--seed", type=int, default=0, metavar="N")
    cloak.set_defaults(handler=_cloak)

    recloak = actions.add_parser(
        "recloak",
        help="re-render stored media from their originals at the cloak level now in effect",
        description="Runs directly in this process (not through the job queue), one image "
        "at a time in the image pool, with a progress bar on stderr. Moderation decisions "
        "are kept. Old variants are deleted once the new ones are recorded.",
    )
    recloak.add_argument("--artist", metavar="NAME", help="only this artist's media")
    recloak.add_argument("--only-changed", action="store_true",
                         help="skip media already rendered at their effective level")
    recloak.set_defaults(handler=_recloak)

    prune = actions.add_parser("prune", help="delete cached copies of remote media")
    prune.add_argument("--older-than", type=float, required=True, metavar="DAYS",
                       help="fetched more than DAYS days ago")
    prune.set_defaults(handler=_prune)


def _json_number(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _check(config: Config, args: argparse.Namespace) -> int:
    from media.provenance import check_file

    unreadable = 0
    for path in args.files:
        try:
            result = check_file(path)
        except OSError as exc:
            unreadable += 1
            print(f"impasto: {path}: cannot read the file: {exc.strerror or exc}",
                  file=sys.stderr)
            continue
        print(json.dumps(result, ensure_ascii=False), flush=True)
    return 1 if unreadable else 0


def _cloak(config: Config, args: argparse.Namespace) -> int:
    from media.cloak import CloakError, cloak_file

    try:
        metrics = cloak_file(args.input, args.output, args.level, args.seed)
    except CloakError as exc:
        raise CliError(str(exc)) from None
    except OSError as exc:
        raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    out = {key: _json_number(metrics.get(key)) for key in ("psnr", "ssim", "linf", "seconds")}
    out["level"] = args.level
    out["fallbacks"] = metrics.get("fallbacks", 0)
    print(json.dumps(out))
    return 0


def _recloak(config: Config, args: argparse.Namespace) -> int:
    from instance.attachments.policy import effective_cloak_level
    from instance.attachments.processing import process_media
    from instance.services import build_services, close_services
    from instance.storage.models import Account, MediaAttachment, MediaState, User, Work

    async def run() -> tuple[int, int, int]:
        query = MediaAttachment.filter(remote_url=None, original_key__isnull=False,
                                       state__in=(MediaState.READY, MediaState.HELD))
        if args.artist:
            account = await Account.get_or_none(username=args.artist.lstrip("@").lower(),
                                                domain=None)
            if account is None:
                raise CliError(f"no local artist named {args.artist!r}")
            query = query.filter(account_id=account.id)
        media = await query.order_by("id")
        if args.only_changed:
            media = [m for m in media if m.cloak_level != effective_cloak_level(
                config, await Work.get_or_none(id=m.work_id) if m.work_id else None,
                await User.get_or_none(account_id=m.account_id))]
        services = build_services(config)
        progress = ProgressBar(len(media), "recloaking")
        done = failed = 0
        try:
            for item in media:
                try:
                    await process_media(services, item.id, recloak=True)
                    done += 1
                except Exception as exc:  # report and go on with the others
                    failed += 1
                    print(f"impasto: media {item.id}: {exc}", file=sys.stderr)
                progress.advance()
        finally:
            progress.finish()
            await close_services(services)
        return len(media), done, failed

    total, done, failed = with_database(config, run)
    print(f"re-rendered {done} of {total} media" + (f", {failed} failed" if failed else ""))
    return 1 if failed else 0


def _prune(config: Config, args: argparse.Namespace) -> int:
    from instance.attachments.remote import prune_remote_cache
    from instance.services import build_services, close_services

    if args.older_than < 0:
        raise CliError("--older-than must be 0 or more days")

    async def run() -> int:
        services = build_services(config)
        try:
            return await prune_remote_cache(services, args.older_than)
        finally:
            await close_services(services)

    count = with_database(config, run)
    print(f"pruned the cached copies of {count} remote media")
    return 0
