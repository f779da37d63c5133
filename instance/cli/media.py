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
from media.storage import Area

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

    move = actions.add_parser(
        "move-storage",
        help="copy every media file to the other backend (local folder <-> S3), verified",
        description="Copies originals and variants from the backend now configured "
        "([media] backend) to the other one, checking each file's MD5 after writing. "
        "Resumable: run it again after an interruption and files already copied are "
        "skipped. Nothing is deleted. Switch [media] backend only once it reports complete.",
    )
    move.add_argument("--to", choices=("local", "s3"), required=True)
    move.set_defaults(handler=_move_storage)

    s3_setup = actions.add_parser(
        "s3-setup", help="create the [s3] buckets and make only the variants publicly readable")
    s3_setup.set_defaults(handler=_s3_setup)

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


def _with_backend(config: Config, backend: str) -> Config:
    import dataclasses

    return dataclasses.replace(config, media=dataclasses.replace(config.media, backend=backend))


def store_or_fail(config: Config) -> Any:
    from instance.services import build_media_store

    store = build_media_store(config)
    if config.media.backend == "s3":
        from media.storage import StoreUnavailable

        try:
            store.md5(Area.VARIANTS, "impasto-probe")
        except StoreUnavailable as exc:
            raise CliError(f"the S3 store at {config.s3.endpoint or 'AWS'} does not answer "
                           f"({exc}); check [s3] endpoint, bucket and credentials") from None
    return store


def _move_storage(config: Config, args: argparse.Namespace) -> int:
    from media.storage_move import copy_all, plan

    if args.to == config.media.backend:
        raise CliError(f"media already live on {args.to!r} ([media] backend); "
                       f"--to names the backend to copy to")
    source = store_or_fail(config)
    target = store_or_fail(_with_backend(config, args.to))
    files = plan(source)
    progress = ProgressBar(len(files), f"copying to {args.to}")
    try:
        report = copy_all(source, target, files, progress.advance)
    finally:
        progress.finish()
    print(f"{report.copied} copied, {report.skipped} already there, "
          f"{len(report.mismatched)} failed verification, of {report.total} files")
    if not report.complete:
        for name in report.mismatched[:20]:
            print(f"impasto: checksum differs after copying {name}", file=sys.stderr)
        print("not complete: keep [media] backend as it is and run this again", file=sys.stderr)
        return 1
    print(f'complete: every file verified. Now set [media] backend = "{args.to}" and restart '
          "the server and workers; the source files can be removed afterwards.")
    return 0


def _s3_setup(config: Config, args: argparse.Namespace) -> int:
    from media.s3store import S3MediaStore

    store = store_or_fail(_with_backend(config, "s3"))
    assert isinstance(store, S3MediaStore)
    for line in store.prepare():
        print(line)
    return 0
