"""Before/after crops at 100% zoom for the artist: the same square of the clean,
un-cloaked rendering and of the served (cloaked) display variant, so the artist can judge
the cloak's visual cost where it shows most: the most textured square (where the cloak
spends its budget) and the flattest one (where banding or colour blotches would show)."""

from __future__ import annotations

import io
from enum import StrEnum

import numpy as np
from PIL import Image

from media.clean import clean
from media.ingest import decode
from media.limits import Limits


class Region(StrEnum):
    TEXTURED = "textured"
    FLAT = "flat"


def _square_by_contrast(gray: np.ndarray, size: int, region: Region) -> tuple[int, int]:
    """Top-left corner of the size×size square with the most (TEXTURED) or the least
    (FLAT) local contrast."""
    h, w = gray.shape
    if h <= size or w <= size:
        return 0, 0
    step = max(16, size // 4)
    sign = 1.0 if region is Region.TEXTURED else -1.0
    best, corner = -np.inf, (0, 0)
    gy, gx = np.gradient(gray.astype(np.float32))
    energy = np.abs(gx) + np.abs(gy)
    for y in range(0, h - size + 1, step):
        for x in range(0, w - size + 1, step):
            score = sign * float(energy[y:y + size:4, x:x + size:4].mean())
            if score > best:
                best, corner = score, (y, x)
    return corner


def _png(rgb: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG", optimize=False)
    return out.getvalue()


def comparison_crops(original: bytes, served_display: bytes, *, region: Region = Region.TEXTURED,
                     size: int = 384, limits: Limits | None = None) -> tuple[bytes, bytes]:
    """(before PNG, after PNG): the same square at the served copy's resolution. The
    'before' is re-rendered from the original without metadata; the original itself is
    never sent anywhere."""
    with Image.open(io.BytesIO(served_display)) as served:
        after = np.asarray(served.convert("RGB"))
    decoded = decode(original, limits=limits, target_max_side=max(after.shape[:2]))
    before = clean(decoded, max_side=max(after.shape[:2])).rgb
    h = min(before.shape[0], after.shape[0])
    w = min(before.shape[1], after.shape[1])
    before, after = before[:h, :w], after[:h, :w]
    side = min(size, h, w)
    y, x = _square_by_contrast(before.mean(axis=2), side, region)
    return _png(before[y:y + side, x:x + side]), _png(after[y:y + side, x:x + side])
