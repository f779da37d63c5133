"""Importing a Mastodon `following_accounts.csv` (as Mastodon 4.x writes it, or a bare
list of addresses): the file is checked row by row when it is uploaded, then a job
follows each account, resolving remote ones over WebFinger. `merge` adds follows;
`overwrite` also unfollows everyone the file leaves out, as Mastodon does. Each row is
followed whole (the follow and its boosts/notify options) or not at all, and every
row that fails says why in the import's report."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from typing import Any

from instance.actions.portability import FOLLOWING_HEADER
from instance.errors import Refused
from instance.jobs import kinds
from instance.jobs.registry import JobContext
from instance.services import Services
from instance.storage.models import Account, Follow, ImportRun, ImportState

MODES = ("merge", "overwrite")
MAX_ROWS = 8000  # Mastodon's limit for a follows import
MAX_BYTES = 1_000_000
ADDRESS = re.compile(r"^@?([A-Za-z0-9_.-]{1,64})@([A-Za-z0-9.-]{1,253}(?::\d{1,5})?)$")
BOOLEAN = {"true": True, "false": False, "": None}


class ImportRefused(Refused):
    """The file as a whole cannot be imported (too big, not CSV, wrong columns)."""


def parse_following(data: bytes) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(rows to follow, report entries for malformed rows); refuses a file it cannot read."""
    if len(data) > MAX_BYTES:
        raise ImportRefused(f"The file is larger than {MAX_BYTES // 1_000_000} MB.", status=413)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused("The file is not UTF-8 text (a CSV from Mastodon is).") from None
    lines = list(csv.reader(io.StringIO(text)))
    if lines and lines[0] and "@" not in lines[0][0]:  # a header row, which must be Mastodon's
        if tuple(c.strip() for c in lines[0][:2]) != FOLLOWING_HEADER[:2]:
            raise ImportRefused("The header is not Mastodon's: " + ",".join(FOLLOWING_HEADER))
        lines = [[], *lines[1:]]  # keep the file's line numbers
    if sum(1 for cells in lines if cells) > MAX_ROWS:
        raise ImportRefused(f"The file has more than {MAX_ROWS} accounts.")
    rows: list[dict[str, Any]] = []
    report: list[dict[str, Any]] = []
    for number, cells in enumerate(lines, start=1):
        if not cells or not any(c.strip() for c in cells):
            continue
        entry = _row(number, [c.strip() for c in cells])
        (report if "error" in entry else rows).append(entry)
    if not rows and not report:
        raise ImportRefused("The file lists no accounts.")
    return rows, report


def _row(number: int, cells: list[str]) -> dict[str, Any]:
    address = cells[0]
    match = ADDRESS.match(address)
    if match is None:
        return {"row": number, "address": address[:300], "error": "malformed row: not a user@domain address"}
    flags = [c.lower() for c in cells[1:3]] + ["", ""]
    if flags[0] not in BOOLEAN or flags[1] not in BOOLEAN:
        return {"row": number, "address": address, "error": "malformed row: Show boosts and Notify on "
                "new posts must be true or false"}
    reblogs, notify = BOOLEAN[flags[0]], BOOLEAN[flags[1]]
    return {"row": number, "address": address.lstrip("@"), "username": match.group(1),
            "domain": match.group(2), "reblogs": True if reblogs is None else reblogs, "notify": bool(notify)}


async def start_import(services: Services, account: Account, data: bytes, mode: str) -> ImportRun:
    """Check the file and queue its job; nothing is followed before the job runs."""
    if mode not in MODES:
        raise ImportRefused("The mode is merge or overwrite.")
    rows, report = parse_following(data)
    run = await ImportRun.create(account_id=account.id, kind="following", mode=mode, rows=rows,
                                 report=report, total=len(rows) + len(report), processed=len(report))
    await services.jobs.enqueue(kinds.IMPORT_FOLLOWING, {"import_id": run.id}, max_attempts=3)
    return run


async def _follow_row(services: Services, account: Account, row: dict[str, Any]) -> Account:
    from instance.actions import social
    from instance.actors.remote import find_acct

    target = await find_acct(services, row["username"], row["domain"])
    if target.suspended:
        raise Refused("the account is suspended")
    await social.follow(services, account, target)
    await Follow.filter(follower_id=account.id, target_id=target.id).update(
        show_reblogs=row["reblogs"], notify=row["notify"])
    return target


async def import_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Apply the rows not yet done (a retried job goes on where it stopped)."""
    from instance.actions import social

    run = await ImportRun.get_or_none(id=payload["import_id"])
    if run is None or run.state in (ImportState.DONE, ImportState.FAILED):
        return
    account = await Account.get(id=run.account_id)
    run.state = ImportState.RUNNING
    await run.save(update_fields=["state"])
    done_before = run.processed - sum(1 for r in run.report if r.get("error", "").startswith("malformed"))
    kept: set[int] = set()
    for row in run.rows[done_before:]:
        try:
            kept.add((await _follow_row(ctx.services, account, row)).id)
            run.applied += 1
        except Refused as exc:
            run.report = [*run.report, {"row": row["row"], "address": row["address"], "error": exc.message}]
        run.processed += 1
        await run.save(update_fields=["report", "processed", "applied"])
    if run.mode == "overwrite":
        listed = {row["address"].lower() for row in run.rows}
        local = ctx.services.config.instance.domain.lower()
        for follow in await Follow.filter(follower_id=account.id).select_related("target"):
            t = follow.target
            if f"{t.username}@{t.domain or local}".lower() not in listed and t.id not in kept:
                await social.unfollow(ctx.services, account, t)
    run.state, run.finished_at = ImportState.DONE, datetime.now(UTC)
    await run.save(update_fields=["state", "finished_at"])
