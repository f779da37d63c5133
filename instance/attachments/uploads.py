"""Accept an upload: cheap checks now, the expensive pipeline later in a job.

`create_upload` runs in the request. It refuses what can be refused from the bytes and
the header alone (empty, too large, unknown or mismatched type, truncated, declared
dimensions of a decompression bomb) without decoding a pixel, then stores the original
in the PRIVATE area and writes the media record (`processing`) and its `media.process`
job in one transaction. On any refusal or failure nothing stays behind: the original
is deleted if the transaction does not commit.

The Mastodon API (POST /api/v1/media, /api/v2/media) calls this; `http_status` maps a
`MediaRejected` to the status to answer with.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import uuid
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from PIL import Image
from tortoise.transactions import in_transaction

from instance.errors import Refused
from instance.jobs import kinds
from instance.translation import gettext as _
from media import ingest
from media.errors import MediaRejected
from media.limits import Limits, check_byte_size, check_dimensions
from media.storage import Area, sharded_key
from media.variants import FocalPoint

log = logging.getLogger("impasto.media")

if TYPE_CHECKING:
    from instance.config import Config
    from instance.services import Services
    from instance.storage.models import Account, MediaAttachment

MAX_DESCRIPTION = 1500  # Mastodon's limit for alt text
_EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "gif": "gif", "avif": "avif",
               "heic": "heic"}


@dataclass(frozen=True, slots=True)
class HeaderFacts:
    """What the cheap checks learnt: the sniffed format and the declared size."""

    format: str
    mime: str
    width: int
    height: int


def upload_limits(config: Config) -> Limits:
    media = config.media
    return Limits(max_bytes=media.max_upload_bytes, max_pixels=media.max_pixels,
                  max_side=media.max_dimension)


def http_status(exc: MediaRejected) -> int:
    """413 for a body that is too large, 422 for everything else the pipeline refuses."""
    return 413 if exc.code == "too_large" else 422


def precheck(data: bytes, *, content_type: str | None, filename: str | None,
             limits: Limits) -> HeaderFacts:
    """The checks of `media.ingest.decode` that need no pixel decoding (≈ 1 ms).

    Both the content type and the file name's extension (when it has one: browsers send
    "blob") must agree with the sniffed format. Raises MediaRejected.
    """
    check_byte_size(len(data), limits)
    fmt = ingest.sniff(data)
    if fmt is None:
        raise MediaRejected(
            "unsupported_format",
            f"The file is not an image format we recognise. Upload {ingest.ACCEPTED_LIST}.",
        )
    if fmt not in ingest.SUPPORTED:
        raise MediaRejected(
            "unsupported_format",
            f"The file is {ingest._describe(fmt)}, which is not accepted. "
            f"Upload {ingest.ACCEPTED_LIST}.",
        )
    # The same wording as a full decode, from the library's own helpers.
    ingest._check_claim(fmt, content_type)
    if filename and "." in filename.replace("\\", "/").rsplit("/", 1)[-1]:
        ingest._check_claim(fmt, filename)
    ingest._check_complete(fmt, data)
    width, height = _declared_size(fmt, data)
    check_dimensions(width, height, limits)
    return HeaderFacts(fmt, ingest.SUPPORTED[fmt][0], width, height)


def _declared_size(fmt: str, data: bytes) -> tuple[int, int]:
    """Width and height from the header only (Pillow's open() is lazy)."""
    name = ingest.SUPPORTED[fmt][1]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            if fmt == "heic":
                import pillow_heif

                return tuple(pillow_heif.open_heif(io.BytesIO(data)).size)
            with Image.open(io.BytesIO(data), formats=list(ingest.SUPPORTED[fmt][2])) as im:
                return im.size
    except Image.DecompressionBombError as exc:
        raise MediaRejected(
            "too_many_pixels", "The image declares far too many pixels to be decoded safely."
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as exc:
        raise MediaRejected("corrupt", f"The {name} file could not be read; it looks damaged.") \
            from exc


def parse_focus(focus: object) -> FocalPoint:
    """Mastodon's focus: "x,y", (x, y) or a FocalPoint, each in [-1, 1]."""
    if focus is None or focus == "":
        return FocalPoint()
    if isinstance(focus, FocalPoint):
        return focus
    try:
        if isinstance(focus, str):
            x_text, y_text = focus.split(",", 1)
            x, y = float(x_text), float(y_text)
        else:
            # Anything but two numbers raises TypeError or ValueError here (caught below).
            x, y = (float(v) for v in cast(Iterable[Any], focus))
        return FocalPoint(x, y)
    except (TypeError, ValueError) as exc:
        raise MediaRejected(
            "bad_focus", "The focal point must be two numbers between -1 and 1, as \"x,y\"."
        ) from exc


class MediaStoreDown(Refused):
    """The store cannot take the original now; the person may simply try again."""

    status = 503
    title = "Try again soon"


def _store_original(services: Services, key: str, data: bytes) -> str:
    """Runs in a thread: hashing 40 MB and an fsync should not stall the event loop."""
    digest = hashlib.sha256(data).hexdigest()
    services.media_store.put(Area.ORIGINALS, key, data)
    return digest


async def create_upload(
    services: Services,
    account: Account,
    data: bytes,
    *,
    filename: str,
    content_type: str,
    description: str = "",
    focus: object = None,
) -> MediaAttachment:
    """Store an upload privately and queue its processing; raises MediaRejected."""
    from instance.storage.models import MediaAttachment, MediaState

    if account.domain is not None:
        raise ValueError("only local accounts upload media")
    if len(description) > MAX_DESCRIPTION:
        raise MediaRejected(
            "description_too_long",
            f"The description has {len(description)} characters; the limit is "
            f"{MAX_DESCRIPTION}.",
        )
    point = parse_focus(focus)
    facts = precheck(data, content_type=content_type, filename=filename,
                     limits=upload_limits(services.config))
    key = sharded_key(f"{uuid.uuid4().hex}.{_EXTENSIONS[facts.format]}")
    try:
        digest = await asyncio.to_thread(_store_original, services, key, data)
    except OSError as exc:  # disk full, read-only, the object store down
        log.warning("media store refused an upload: %s", exc)
        raise MediaStoreDown(
            _("The image could not be saved: the media store is not accepting files right "
            "now. Nothing was stored; please try again in a few minutes.")
        ) from None
    try:
        async with in_transaction() as connection:
            media = await MediaAttachment.create(
                account=account,
                state=MediaState.PROCESSING,
                original_key=key,
                original_type=facts.mime,
                original_bytes=len(data),
                sha256=digest,
                description=description,
                focus_x=point.x,
                focus_y=point.y,
                width=facts.width,
                height=facts.height,
                using_db=connection,
            )
            await services.jobs.enqueue(kinds.PROCESS_MEDIA, {"media_id": media.id},
                                        using_db=connection)
    except BaseException:
        await asyncio.to_thread(services.media_store.delete, Area.ORIGINALS, key)
        raise
    return media
