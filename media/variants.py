"""Served variants: a display image (long side ≤ 2560), a medium one (≤ 1280, only when
the display is larger) and a thumbnail (≤ 400), each as WebP and a JPEG fallback, built
from the (possibly cloaked) RGB array. Pages list them in `srcset`, so a grid tile or a
work page on an ordinary screen fetches the medium size rather than the display one.

Images are rebuilt from bare pixels (`Image.fromarray`), so Pillow has no `info` to
carry over; the only metadata written is the XMP packet we pass in (the opt-out marks).
The thumbnail is resized from the display image, not from the original, which is
both faster and consistent with what the cloak produced.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from media.clean import RESAMPLE, fit_within


@dataclass(frozen=True, slots=True)
class FocalPoint:
    """Mastodon's `meta.focus`: x, y in [-1, 1]; (0, 0) is the centre,
    x = -1 the left edge, y = 1 the TOP edge (y grows upwards)."""

    x: float = 0.0
    y: float = 0.0

    def __post_init__(self) -> None:
        for v in (self.x, self.y):
            if not -1.0 <= float(v) <= 1.0:
                raise ValueError(f"focal point coordinates must be within [-1, 1], got {v}")

    @classmethod
    def from_pixels(cls, px: float, py: float, width: int, height: int) -> FocalPoint:
        """From a pixel position (origin top-left, y downwards) in a width×height image."""
        x = (2.0 * px / width) - 1.0 if width else 0.0
        y = 1.0 - (2.0 * py / height) if height else 0.0
        return cls(min(1.0, max(-1.0, x)), min(1.0, max(-1.0, y)))

    def to_pixels(self, width: int, height: int) -> tuple[float, float]:
        return (self.x + 1.0) * width / 2.0, (1.0 - self.y) * height / 2.0

    def as_mastodon(self) -> dict[str, float]:
        return {"x": round(self.x, 2), "y": round(self.y, 2)}


@dataclass(frozen=True, slots=True)
class VariantOptions:
    """Encoder and resize settings, chosen by measurement (bench/media.py, one core).

    WebP `method` trades CPU for size: on a 2560×1920 photo-like image m0/m1 take
    ≈ 95–120 ms, m2 ≈ 160 ms (≈ 10 % smaller), m3+ ≈ 370 ms+. The display resize
    (`resample`, used when shrinking the original) is the other big cost: for
    4000×3000 → 2560×1920 Hamming takes ≈ 92 ms, bicubic ≈ 150 ms, Lanczos ≈ 210 ms;
    Hamming is sharper than bilinear at the same cost."""

    display_max: int = 2560
    medium_max: int = 1280
    thumb_max: int = 400
    webp_quality: int = 82
    webp_method: int = 1
    thumb_webp_method: int = 4
    jpeg_quality: int = 85
    resample: str = "hamming"
    thumb_resample: str = "bicubic"

    def __post_init__(self) -> None:
        for r in (self.resample, self.thumb_resample):
            if r not in RESAMPLE:
                raise ValueError(f"resample must be one of {sorted(RESAMPLE)}")
        if not (0 < self.thumb_max <= self.display_max):
            raise ValueError("need 0 < thumb_max <= display_max")


@dataclass(frozen=True, slots=True)
class Variant:
    """One served size in both encodings."""

    name: str
    width: int
    height: int
    webp: bytes
    jpeg: bytes

    def encodings(self) -> dict[str, bytes]:
        return {"image/webp": self.webp, "image/jpeg": self.jpeg}


@dataclass(frozen=True, eq=False)
class Variants:
    display: Variant
    thumbnail: Variant
    focus: FocalPoint
    thumbnail_rgb: np.ndarray = field(repr=False)
    medium: Variant | None = None  # None when the display is no larger than medium_max


def _check_rgb(rgb: np.ndarray) -> None:
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an H×W×3 uint8 array, got {rgb.dtype} {rgb.shape}")
    if rgb.shape[0] < 1 or rgb.shape[1] < 1:
        raise ValueError("empty image")


def encode(im: Image.Image, *, fmt: str, quality: int, method: int = 4,
           xmp: bytes | None = None, optimize: bool = False) -> bytes:
    """Encode with no metadata except the given XMP packet."""
    buf = io.BytesIO()
    extra: dict[str, object] = {"xmp": xmp} if xmp else {}
    if fmt == "webp":
        im.save(buf, "WEBP", quality=quality, method=method, **extra)
    elif fmt == "jpeg":
        im.save(buf, "JPEG", quality=quality, optimize=optimize, **extra)
    else:
        raise ValueError(f"unknown variant format {fmt!r}")
    return buf.getvalue()


def make_variants(
    rgb: np.ndarray,
    *,
    options: VariantOptions | None = None,
    xmp: bytes | None = None,
    focus: FocalPoint | None = None,
) -> Variants:
    """Encode the display, medium and thumbnail variants of an RGB array."""
    options = options or VariantOptions()
    _check_rgb(rgb)
    full = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    size = fit_within(full.width, full.height, options.display_max)
    display = full
    if size != full.size:
        display = full.resize(size, RESAMPLE[options.resample], reducing_gap=3.0)
    tsize = fit_within(display.width, display.height, options.thumb_max)
    thumb = display
    if tsize != display.size:  # box-reduce first, then filter: ≈ 15 ms instead of 40
        thumb = display.resize(tsize, RESAMPLE[options.thumb_resample], reducing_gap=2.0)

    def encoded(name: str, im: Image.Image, method: int, optimize: bool = False) -> Variant:
        return Variant(
            name, im.width, im.height,
            webp=encode(im, fmt="webp", quality=options.webp_quality, method=method, xmp=xmp),
            jpeg=encode(im, fmt="jpeg", quality=options.jpeg_quality, xmp=xmp, optimize=optimize),
        )

    d = encoded("display", display, options.webp_method)
    t = encoded("thumbnail", thumb, options.thumb_webp_method, optimize=True)
    medium = None
    msize = fit_within(display.width, display.height, options.medium_max)
    if msize != display.size and options.medium_max > options.thumb_max:
        middle = display.resize(msize, RESAMPLE[options.thumb_resample], reducing_gap=2.0)
        medium = encoded("medium", middle, options.webp_method)
    return Variants(d, t, focus or FocalPoint(), np.asarray(thumb), medium)
