"""A moderator's view of an upload they decide on: the original's pixels, uncloaked,
upright and in sRGB, re-encoded without any metadata. The original file itself is never
sent anywhere (it may carry GPS, names or a crafted payload); a rejected upload has no
served copy at all, so this is the only way to see it."""

from __future__ import annotations

import io

from PIL import Image

from media.clean import clean
from media.ingest import decode
from media.limits import Limits

PREVIEW_MAX_SIDE = 1600


def review_preview(original: bytes, *, max_side: int = PREVIEW_MAX_SIDE,
                   limits: Limits | None = None) -> bytes:
    """JPEG (quality 90) of `original`, at most `max_side` on its long side."""
    decoded = decode(original, limits=limits, target_max_side=max_side)
    pixels = clean(decoded, max_side=max_side).rgb
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="JPEG", quality=90)
    return out.getvalue()
