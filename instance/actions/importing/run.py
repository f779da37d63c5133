"""The import job's spine, the same for every kind: the upload is read (`files`) and
queued as one ImportRun; the job applies the rows not yet done (a retried job goes on
where it stopped), records each failure in the report, then for `overwrite` undoes
what the file leaves out. Each row is applied whole or not at all."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from instance.actions.importing.files import MODES, ImportRefused, is_malformed, read_rows, report_entry
from instance.actions.importing.kinds import KINDS, NOT_YET, ImportKind
from instance.errors import Refused
from instance.jobs import kinds as job_kinds
from instance.jobs.registry import JobContext
from instance.services import Services
from instance.storage.models import Account, ImportRun, ImportState
from instance.translation import gettext as _


def import_kind(what: str) -> ImportKind:
    """The kind named `what`, or a refusal that says which kinds there are."""
    if what in NOT_YET:
        raise ImportRefused(NOT_YET[what])
    if what not in KINDS:
        raise ImportRefused(_("What is in the file must be one of: %(kinds)s.", kinds=", ".join(KINDS)))
    return KINDS[what]


async def start_import(services: Services, account: Account, data: bytes, mode: str,
                       what: str = "following") -> ImportRun:
    """Check the file and queue its job; nothing is applied before the job runs."""
    kind = import_kind(what)
    if mode not in MODES:
        raise ImportRefused(_("The mode is merge or overwrite."))
    rows, report = read_rows(data, kind)
    run = await ImportRun.create(account_id=account.id, kind=kind.name, mode=mode, rows=rows,
                                 report=report, total=len(rows) + len(report), processed=len(report))
    # one job kind for every import (its name is older than the other kinds)
    await services.jobs.enqueue(job_kinds.IMPORT_FOLLOWING, {"import_id": run.id}, max_attempts=3)
    return run


async def import_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Apply the rows not yet done, then prune for `overwrite`."""
    run = await ImportRun.get_or_none(id=payload["import_id"])
    if run is None or run.state in (ImportState.DONE, ImportState.FAILED):
        return
    kind = KINDS[run.kind]
    account = await Account.get(id=run.account_id)
    run.state = ImportState.RUNNING
    await run.save(update_fields=["state"])
    done_before = run.processed - sum(1 for entry in run.report if is_malformed(entry))
    kept: set[Any] = set()
    for row in run.rows[done_before:]:
        try:
            kept.add(await kind.apply(ctx.services, account, row))
            run.applied += 1
        except Refused as exc:
            run.report = [*run.report, report_entry(row["row"], row["address"], exc.message)]
        run.processed += 1
        await run.save(update_fields=["report", "processed", "applied"])
    if run.mode == "overwrite":
        await kind.prune(ctx.services, account, run.rows, kept)
    run.state, run.finished_at = ImportState.DONE, datetime.now(UTC)
    await run.save(update_fields=["state", "finished_at"])
