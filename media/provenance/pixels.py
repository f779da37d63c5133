"""Decode pixels once, within Pillow's decompression-bomb limit, for the two detectors
that need them (stealth LSB data and the invisible watermark)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

# Used only if someone set Image.MAX_IMAGE_PIXELS = None elsewhere: we still refuse to
# decode beyond Pillow's default limit here.
DEFAULT_MAX_PIXELS = 89_478_485


@dataclass(frozen=True)
class Pixels:
    """8-bit RGB (H, W, 3) and, when the file has one, the alpha plane (H, W)."""

    rgb: np.ndarray
    alpha: np.ndarray | None


def pixel_limit() -> int:
    limit = Image.MAX_IMAGE_PIXELS
    return int(limit) if limit else DEFAULT_MAX_PIXELS


def decode(image: Image.Image | None) -> Pixels | None:
    """Full-resolution pixels (never resized: that would erase the watermark), or None
    for missing, oversized, truncated or undecodable images."""
    if image is None:
        return None
    try:
        width, height = image.size
        if width <= 0 or height <= 0 or width * height > pixel_limit():
            return None
        image.load()
        if image.mode in ("RGBA", "LA", "PA") or (
            image.mode == "P" and "transparency" in image.info
        ):
            rgba = np.asarray(image.convert("RGBA"))
            return Pixels(rgb=rgba[:, :, :3], alpha=rgba[:, :, 3])
        if image.mode == "RGB":
            return Pixels(rgb=np.asarray(image), alpha=None)
        return Pixels(rgb=np.asarray(image.convert("RGB")), alpha=None)
    except Exception:  # truncated data, decoder errors, MemoryError
        return None
