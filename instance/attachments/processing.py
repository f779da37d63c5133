"""The `media.process` job: run the pipeline on a stored original and record the result.

The pipeline (decode, provenance on the ORIGINAL bytes, strip, cloak, variants with the
opt-out XMP, blurhash) runs in the process pool of `services.media`, never in the event
loop. Then the [ai] policy decides: rejected uploads get no public variants at all;
held ones get variants (moderators must see them; their keys are random and unlisted);
ready ones are published, and the media job then asks the publishing job to publish
their work (it does once all the work's media are ready).

A finished record is left alone when the job runs again (a retry after a crash that
happened past the commit), except for a `recloak` run, which rebuilds the variants at
the level now in effect and keeps the policy decision (and any moderator's). A record
sent back to `processing` (sync_work_cloak) is rendered again. Re-renders keep the
variants' keys, so URLs that pages and other servers hold stay valid.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
import uuid
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, cast

from instance.attachments.policy import decide_local, effective_cloak_level, optout_marks
from instance.attachments.progress import followed
from instance.attachments.uploads import upload_limits
from instance.jobs import Permanent, Retry, kinds
from instance.jobs.registry import JobContext
from instance.services import Services
from instance.storage.models import MediaAttachment, MediaState, ProvenanceVerdict, ReviewState, User, Work
from media.errors import MediaRejected
from media.pipeline import CloakWith, DetectProvenance, PipelineOptions, PipelineResult, run_in_pool
from media.storage import Area, StoreUnavailable, sharded_key
from media.variants import FocalPoint

if TYPE_CHECKING:
    from media.provenance.model import Verdict


def plain(value: Any) -> Any:
    """JSON-safe copy: numpy scalars to Python, NaN/inf to None (PostgreSQL's JSON
    refuses them, and a PSNR of an unchanged image is infinite)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def store_variants(store: Any, result: PipelineResult, *, prefix: str = "",
                   reuse: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write display, medium (when there is one) and thumbnail in WebP and JPEG, each
    under a fresh random key or, for the same name and format in `reuse`, its old key
    (atomically replaced). The record is
    {"display"|"medium"|"thumb": {"webp": key, "jpeg": key, "width", "height", …_bytes}}."""
    token = uuid.uuid4().hex
    out: dict[str, Any] = {}
    sizes = (("display", result.display), ("medium", result.medium),
             ("thumb", result.thumbnail))
    for name, variant in sizes:
        if variant is None:
            continue
        entry: dict[str, Any] = {"width": variant.width, "height": variant.height}
        for ext, data in (("webp", variant.webp), ("jpg", variant.jpeg)):
            old = ((reuse or {}).get(name) or {}).get("webp" if ext == "webp" else "jpeg")
            key = old if isinstance(old, str) else prefix + sharded_key(f"{token}-{name}.{ext}")
            store.put(Area.VARIANTS, key, data)
            entry["webp" if ext == "webp" else "jpeg"] = key
            entry[f"{'webp' if ext == 'webp' else 'jpeg'}_bytes"] = len(data)
        out[name] = entry
    return out


def variant_keys(variants: dict[str, Any] | None) -> list[str]:
    return [entry[fmt] for entry in (variants or {}).values() if isinstance(entry, dict)
            for fmt in ("webp", "jpeg") if isinstance(entry.get(fmt), str)]


def delete_variants(store: Any, keys: list[str]) -> None:
    for key in keys:
        store.delete(Area.VARIANTS, key)


async def delete_media(services: Services, media: MediaAttachment) -> None:
    """Delete a record, then its original and variants (files after the commit: a
    crash between leaves orphan files, never a record pointing at missing files)."""
    keys = variant_keys(media.variants)
    original = media.original_key
    await media.delete()
    await asyncio.to_thread(delete_variants, services.media_store, keys)
    if original:
        await asyncio.to_thread(services.media_store.delete, Area.ORIGINALS, original)


async def ask_to_publish(services: Services, work_id: int) -> None:
    """An attachment of this work became ready: the publishing job decides whether the
    work is ready now (`instance.actions.publishing` owns that rule)."""
    await services.jobs.enqueue(kinds.PUBLISH_WORK, {"work_id": work_id})


def seed_for(media: MediaAttachment) -> int:
    """Same original, same cloak: deterministic per file, different between files."""
    return int((media.sha256 or hashlib.sha256(str(media.id).encode()).hexdigest())[:12], 16)


async def run_pipeline(services: Services, data: bytes, *, claimed_type: str | None,
                       options: PipelineOptions, level: str, seed: int,
                       media_id: int | None = None) -> PipelineResult:
    """Run the pipeline in the pool; with `media_id`, its progress goes on that record."""
    cloak = CloakWith(level, seed) if level != "off" else None
    if media_id is None:
        return await services.media.run(lambda pool: run_in_pool(
            pool, data, claimed_type=claimed_type, options=options, cloak=cloak,
            provenance=DetectProvenance()))
    async with followed(media_id) as report:
        return await services.media.run(lambda pool: run_in_pool(
            pool, data, claimed_type=claimed_type, options=options, cloak=cloak,
            provenance=DetectProvenance(), report=report))


def provenance_of(result: PipelineResult) -> dict[str, Any]:
    """The provenance verdict of a `run_pipeline` result, as stored. run_pipeline detects
    it with DetectProvenance, which returns media.provenance's Verdict."""
    verdict = cast("Verdict | None", result.provenance)
    return verdict.to_dict() if verdict is not None else \
        {"verdict": ProvenanceVerdict.NONE, "signals": []}


async def process_media(services: Services, media_id: int, *, recloak: bool = False
                        ) -> MediaAttachment | None:
    """Process (or, with `recloak`, re-render) one local media record."""
    config, store = services.config, services.media_store
    media = await MediaAttachment.get_or_none(id=media_id)
    if media is None:
        return None  # deleted while queued
    if media.remote_url or not media.original_key:
        raise Permanent(f"media {media_id} has no local original")
    if recloak and media.state not in (MediaState.READY, MediaState.HELD):
        return media
    if not recloak and media.state != MediaState.PROCESSING:
        return media
    started = time.perf_counter()
    try:
        data = await asyncio.to_thread(store.get, Area.ORIGINALS, media.original_key)
    except FileNotFoundError:
        await _set_state(media, MediaState.FAILED, "The original file is missing from storage.")
        raise Permanent(f"original of media {media_id} is missing") from None
    account = await media.account
    user = await User.get_or_none(account_id=account.id)
    work = await Work.get_or_none(id=media.work_id) if media.work_id else None
    level = effective_cloak_level(config, work, user)
    options = PipelineOptions(
        limits=upload_limits(config), marks=optout_marks(config, account, work, user),
        focus=FocalPoint(media.focus_x, media.focus_y), embed_xmp=config.optout.xmp)
    read_ms = round((time.perf_counter() - started) * 1000, 2)
    try:
        result = await run_pipeline(services, data, claimed_type=media.original_type,
                                    options=options, level=level, seed=seed_for(media),
                                    media_id=media.id)
    except MediaRejected as exc:
        if recloak:
            raise Permanent(f"media {media_id} no longer decodes: {exc}") from exc
        await asyncio.to_thread(store.delete, Area.ORIGINALS, media.original_key)
        media.original_key = None
        await _set_state(media, MediaState.REJECTED, exc.message)
        return media
    except BrokenProcessPool as exc:
        raise Retry(30, "the image worker process crashed") from exc
    del data

    verdict = provenance_of(result)
    if recloak or media.review_state == ReviewState.REVIEWED:
        # A moderator's decision (or the earlier one, for a re-render) stands.
        state = MediaState.READY if media.state == MediaState.PROCESSING else media.state
        reason = media.state_reason
        ai_label, review_state = media.ai_label, media.review_state
    else:
        decision = decide_local(config.ai, verdict["verdict"], verdict["signals"])
        state, reason = decision.state, decision.reason
        ai_label, review_state = decision.ai_label, decision.review_state

    t = time.perf_counter()
    old_keys = variant_keys(media.variants)
    variants: dict[str, Any] = {}
    if state != MediaState.REJECTED:
        # A re-render keeps the URLs: other servers and pages may refer to them already.
        # (Caches may then keep the old rendering until their max-age runs out.)
        variants = await asyncio.to_thread(store_variants, store, result,
                                           reuse=media.variants)
    timings = {**result.timings_ms, "read_original": read_ms,
               "store": round((time.perf_counter() - t) * 1000, 2)}
    media.state, media.state_reason = state, reason
    media.ai_label, media.review_state = ai_label, review_state
    media.variants = variants
    media.width, media.height = result.width, result.height
    media.blurhash = result.blurhash
    media.focus_x, media.focus_y = result.focus.x, result.focus.y
    media.provenance_verdict = verdict["verdict"]
    media.provenance_evidence = plain(verdict["signals"])
    media.cloak_level = level
    media.cloak_metrics = plain({**(result.cloak_metrics or {}), "level": level}) \
        if result.cloak_metrics is not None else {"level": "off"}
    media.timings = plain(timings)
    media.processed_at = datetime.now(UTC)
    try:
        await media.save()
    except BaseException:
        await asyncio.to_thread(delete_variants, store,
                                [k for k in variant_keys(variants) if k not in old_keys])
        raise
    kept = set(variant_keys(variants))
    await asyncio.to_thread(delete_variants, store, [k for k in old_keys if k not in kept])
    if not recloak and await _level_changed(services, media, level):
        return media  # attached to a work with another level meanwhile: rendered again
    if state == MediaState.READY and media.work_id and not recloak:
        await ask_to_publish(services, media.work_id)
    return media


async def _level_changed(services: Services, media: MediaAttachment, level: str) -> bool:
    """The work may have been attached while the pipeline ran; its level wins."""
    work_id = cast(list[int | None],
                   await MediaAttachment.filter(id=media.id).values_list("work_id", flat=True))
    if not work_id or work_id[0] is None:
        return False
    return await sync_work_cloak(services, work_id[0], media_ids=[media.id]) > 0


async def sync_work_cloak(services: Services, work_id: int, *, media_ids: list[int] | None = None,
                          using_db: Any = None, in_place: bool = False) -> int:
    """Send back to processing the work's rendered media whose cloak level is not the
    work's effective one (an upload is processed before the artist picks the work's
    level). Call it after attaching media and before deciding the work is ready; pass
    the transaction as `using_db`. With `in_place` (a published work's new level) the
    media stay shown and are re-rendered under the same keys (`recloak`). Returns how
    many were queued again."""
    work = await Work.get_or_none(id=work_id, using_db=using_db)
    if work is None:
        return 0
    user = await User.get_or_none(account_id=work.account_id, using_db=using_db)
    level = effective_cloak_level(services.config, work, user)
    query = MediaAttachment.filter(work_id=work_id, state__in=(MediaState.READY, MediaState.HELD),
                                   remote_url=None).exclude(cloak_level=level)
    if media_ids is not None:
        query = query.filter(id__in=media_ids)
    stale = await query.using_db(using_db).values_list("id", flat=True)
    if stale and not in_place:
        await MediaAttachment.filter(id__in=stale).using_db(using_db).update(state=MediaState.PROCESSING)
    if stale:
        extra = {"recloak": True} if in_place else {}
        await services.jobs.enqueue_many(
            kinds.PROCESS_MEDIA, [{"media_id": i, **extra} for i in stale], using_db=using_db)
    return len(stale)


async def _set_state(media: MediaAttachment, state: str, reason: str) -> None:
    media.state, media.state_reason = state, reason
    media.processed_at = datetime.now(UTC)
    await media.save()


async def process_job(ctx: JobContext, payload: dict) -> None:
    """Payload: {"media_id": int, "recloak": bool (optional)}."""
    try:
        media_id = int(payload["media_id"])
    except (KeyError, TypeError, ValueError):
        raise Permanent(f"bad media.process payload: {payload!r}") from None
    try:
        await process_media(ctx.services, media_id, recloak=bool(payload.get("recloak")))
    except StoreUnavailable as exc:  # the store will be back: nothing was recorded as ready
        raise Retry(60, f"media store unavailable: {exc}") from exc
