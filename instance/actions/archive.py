"""The full archive of what one person owns, as one zip in the layout of Mastodon's
archive (actor.json, outbox.json, likes.json, bookmarks.json, media_attachments/files/…)
plus the CSV files of Settings → Export. A job builds it into private storage; its owner
downloads it until it expires, then a periodic job deletes it; `impasto export NAME
--archive PATH` writes the same zip. Memory stays bounded: originals are streamed from
the media store into the zip in pieces, and outbox.json is written a page of works at a
time."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import shutil
import tempfile
import zipfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from tortoise.transactions import in_transaction

from federation import documents
from federation.jsonld import outgoing_context
from federation.vocab import AS2_CONTEXT
from instance.actions.portability import EXPORTS
from instance.actions.publishing import work_activity
from instance.errors import Refused
from instance.jobs import kinds
from instance.jobs.registry import JobContext
from instance.services import Services
from instance.storage.models import (
    Account,
    ArchiveExport,
    ArchiveState,
    Bookmark,
    Collection,
    Like,
    MediaAttachment,
    MediaState,
    Work,
    WorkState,
)
from instance.translation import gettext as _
from instance.translation import lazy_gettext
from media.storage import Area, MediaStore
from outbox.documents import note_for, person_for, server_fields

log = logging.getLogger(__name__)

KEEP_FOR = timedelta(days=7)  # how long a finished archive can be downloaded
STALE = timedelta(days=1)  # a build still unfinished after this is taken as failed
MEDIA_FOLDER = "media_attachments/files"
PAGE = 100  # works loaded per query while writing outbox.json
PIECE = 1 << 20  # bytes copied at a time from an original into the zip
BUILDING = (ArchiveState.QUEUED, ArchiveState.BUILDING)

Progress = Callable[[int, int], Awaitable[None]]  # (done, total)


class ArchiveBusy(Refused):
    """An archive is already being built for this person."""

    status = 409
    title = lazy_gettext("Already being built")


def owned_works(account_id: int):
    """The person's published works that still exist (every visibility): one Create each."""
    return Work.filter(account_id=account_id, state=WorkState.READY, deleted_at=None)


def archived_media(account_id: int):
    """The images of those works that their Notes show, with an original in the store."""
    return MediaAttachment.filter(work__account_id=account_id, work__state=WorkState.READY,
                                  work__deleted_at=None, state=MediaState.READY,
                                  original_key__not_isnull=True)


def media_path(media: MediaAttachment) -> str:
    """Where an original lies in the zip: media_attachments/files/<id>/original.<ext>."""
    key = media.original_key or ""
    ext = key.rsplit(".", 1)[-1].lower() if "." in key.rsplit("/", 1)[-1] else "bin"
    return f"{MEDIA_FOLDER}/{media.id}/original.{ext}"


def _point_at_originals(note: dict[str, Any], media: list[MediaAttachment], base_url: str) -> None:
    """Each Image of the Note names its original inside the archive instead of our served
    copy (Mastodon's archive does the same, with a leading slash)."""
    paths = {}
    for item in media:
        image = documents.media_to_image(item, base_url)
        if image is not None and item.original_key:
            paths[image["url"]] = "/" + media_path(item)
    for attachment in note.get("attachment") or []:
        if isinstance(attachment, dict) and attachment.get("url") in paths:
            attachment["url"] = paths[attachment["url"]]


def _write_json(archive: zipfile.ZipFile, name: str, doc: dict[str, Any]) -> None:
    archive.writestr(name, json.dumps(doc, ensure_ascii=False, indent=1))


def _collection(name: str, items: list[str]) -> dict[str, Any]:
    return {"@context": AS2_CONTEXT, "id": name, "type": "OrderedCollection",
            "totalItems": len(items), "orderedItems": items}


async def _actor(services: Services, account: Account) -> dict[str, Any]:
    streams = cast(list[str], await Collection.filter(account_id=account.id).order_by(
        "position").values_list("ap_id", flat=True))
    doc = person_for(services, account, list(streams), extra_fields=await server_fields(account))
    return {"@context": outgoing_context(), **doc}


async def _marked(model: type[Like] | type[Bookmark], account_id: int) -> list[str]:
    """The ids of the posts a person liked or bookmarked, oldest first."""
    rows = await model.filter(account_id=account_id, work__deleted_at=None).order_by("id") \
        .values_list("work__ap_id", flat=True)
    return [str(uri) for uri in rows if uri]


async def _write_outbox(services: Services, account: Account, archive: zipfile.ZipFile,
                        total: int, step: Callable[[int], Awaitable[None]]) -> list[tuple[str, str]]:
    """outbox.json, one Create per work (oldest first), written as it is built; returns
    (store key, path in the zip) of every original its Notes point at."""
    originals: list[tuple[str, str]] = []
    head = {"@context": outgoing_context(), "id": "outbox.json", "type": "OrderedCollection",
            "totalItems": total}
    opening = json.dumps(head, ensure_ascii=False)[:-1] + ', "orderedItems": ['
    base_url = services.config.base_url
    with archive.open("outbox.json", "w") as out:
        out.write(opening.encode())
        last, first = 0, True
        while True:
            works = await owned_works(account.id).filter(id__gt=last).order_by("id").limit(PAGE)
            if not works:
                break
            for work in works:
                media = await MediaAttachment.filter(work_id=work.id, state=MediaState.READY) \
                    .order_by("position", "id")
                note = await note_for(services, work)
                _point_at_originals(note, list(media), base_url)
                create = work_activity("Create", services.urls.create_activity(work.ap_id),
                                       account, work, note)
                create.pop("@context", None)
                out.write((b"" if first else b",\n") + json.dumps(create, ensure_ascii=False).encode())
                first = False
                originals += [(m.original_key, media_path(m)) for m in media if m.original_key]
            last = works[-1].id
            await step(len(works))
        out.write(b"]}")
    return originals


def _copy_original(store: MediaStore, archive: zipfile.ZipFile, key: str, name: str,
                   area: Area = Area.ORIGINALS) -> bool:
    """Stream one stored file into the zip, stored as it is (images do not deflate); False
    when the store no longer has it."""
    try:
        source = store.open(area, key)
    except FileNotFoundError:
        log.warning("archive: %s %s is missing from the media store", area.value, key)
        return False
    info = zipfile.ZipInfo(name, date_time=datetime.now(UTC).timetuple()[:6])
    info.compress_type = zipfile.ZIP_STORED
    with contextlib.closing(source), archive.open(info, "w", force_zip64=True) as target:
        shutil.copyfileobj(source, target, PIECE)
    return True


async def write_archive(services: Services, account: Account, path: Path,
                        progress: Progress | None = None) -> None:
    """Write the whole archive of a local account as a zip at `path`."""
    works_total = await owned_works(account.id).count()
    total = works_total + await archived_media(account.id).count()
    done = 0

    async def step(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            await progress(done, total)

    domain = services.config.instance.domain
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        actor = await _actor(services, account)
        for field, name in (("icon", "avatar"), ("image", "header")):
            await _profile_image(services, archive, actor, field, name)
        _write_json(archive, "actor.json", actor)
        originals = await _write_outbox(services, account, archive, works_total, step)
        _write_json(archive, "likes.json", _collection("likes.json", await _marked(Like, account.id)))
        _write_json(archive, "bookmarks.json",
                    _collection("bookmarks.json", await _marked(Bookmark, account.id)))
        for name, build in EXPORTS.values():
            archive.writestr(name, await build(account.id, domain))
        for key, name in originals:
            await asyncio.to_thread(_copy_original, services.media_store, archive, key, name)
            await step(1)


async def _profile_image(services: Services, archive: zipfile.ZipFile, actor: dict[str, Any],
                         field: str, name: str) -> None:
    """The avatar (`icon`) or header (`image`) as we serve it, beside actor.json as
    avatar.<ext> / header.<ext>, and the actor pointing at it (as Mastodon's archive does)."""
    image = actor.get(field)
    prefix = services.config.base_url + services.urls.media_path("")
    if not isinstance(image, dict) or not str(image.get("url", "")).startswith(prefix):
        return  # none, or a remote address
    url = str(image["url"])
    key = url[len(prefix):]
    file_name = f"{name}.{key.rsplit('.', 1)[-1].lower() if '.' in key else 'jpg'}"
    if await asyncio.to_thread(_copy_original, services.media_store, archive, key, file_name,
                               Area.VARIANTS):
        actor[field] = {**image, "url": file_name}


def _archive_key(token: str) -> str:
    return f"archives/{token[:2]}/{token}.zip"


async def request_archive(services: Services, account: Account) -> ArchiveExport:
    """Queue the building of a new archive; refused while one is being built."""
    async with in_transaction() as connection:
        # one request at a time per person: their account row is the lock (PostgreSQL;
        # SQLite serialises writers)
        await Account.filter(id=account.id).select_for_update().using_db(connection).first()
        await ArchiveExport.filter(  # a build whose job died for good does not block forever
            account_id=account.id, state__in=BUILDING, created_at__lt=datetime.now(UTC) - STALE,
        ).using_db(connection).update(state=ArchiveState.FAILED, error="the build never finished")
        if await ArchiveExport.filter(account_id=account.id, state__in=BUILDING) \
                .using_db(connection).exists():
            raise ArchiveBusy(_("Your archive is already being built: wait for it to be ready "
                              "before asking for another."))
        run = await ArchiveExport.create(account_id=account.id, token=secrets.token_hex(16),
                                         using_db=connection)
        await services.jobs.enqueue(kinds.BUILD_ARCHIVE, {"archive_id": run.id}, max_attempts=3,
                                    using_db=connection)
    return run


async def build_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Build the archive into a temporary file, store it privately, then offer it (and
    delete the person's older archive)."""
    run = await ArchiveExport.get_or_none(id=payload["archive_id"])
    if run is None or run.state not in BUILDING:
        return
    account = await Account.get(id=run.account_id)
    await ArchiveExport.filter(id=run.id).update(state=ArchiveState.BUILDING, done=0)

    async def progress(done: int, total: int) -> None:
        await ArchiveExport.filter(id=run.id).update(done=done, total=total)

    store, key = ctx.services.media_store, _archive_key(run.token)
    folder = Path(tempfile.mkdtemp(prefix="impasto-archive-"))
    try:
        path = folder / "archive.zip"
        await write_archive(ctx.services, account, path, progress)
        size = path.stat().st_size
        await asyncio.to_thread(store.put_file, Area.ORIGINALS, key, path)
    except Exception as exc:
        if ctx.attempt >= ctx.max_attempts:
            await ArchiveExport.filter(id=run.id).update(
                state=ArchiveState.FAILED, error=f"{type(exc).__name__}: {exc}"[:500],
                finished_at=datetime.now(UTC))
        raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    now = datetime.now(UTC)
    await ArchiveExport.filter(id=run.id).update(
        state=ArchiveState.READY, storage_key=key, size=size, finished_at=now,
        expires_at=now + KEEP_FOR)
    for older in await ArchiveExport.filter(account_id=account.id, id__lt=run.id,
                                            state=ArchiveState.READY):
        await discard(ctx.services, older)


async def discard(services: Services, run: ArchiveExport) -> None:
    """Delete an archive's file and its row."""
    if run.storage_key:
        await asyncio.to_thread(services.media_store.delete, Area.ORIGINALS, run.storage_key)
    await run.delete()


async def expire_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    """Periodic: archives past their time go, file and row (and failed ones after as long)."""
    now = datetime.now(UTC)
    for run in await ArchiveExport.filter(expires_at__lte=now):
        await discard(ctx.services, run)
    for run in await ArchiveExport.filter(state=ArchiveState.FAILED, created_at__lt=now - KEEP_FOR):
        await discard(ctx.services, run)


async def latest_archive(account_id: int) -> ArchiveExport | None:
    """The person's newest archive request (building, ready or failed), if any."""
    return await ArchiveExport.filter(account_id=account_id).order_by("-id").first()


async def downloadable(account_id: int, token: str) -> ArchiveExport | None:
    """The ready, unexpired archive `token` of this person; None for anyone else's."""
    run = await ArchiveExport.get_or_none(token=token, account_id=account_id, state=ArchiveState.READY)
    if run is None or run.storage_key is None:
        return None
    if run.expires_at is not None and run.expires_at <= datetime.now(UTC):
        return None
    return run
