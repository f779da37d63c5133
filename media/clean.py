"""Turn a decoded image into plain sRGB pixels with no metadata attached.

Cleaning works on pixels only: the result is a numpy array, so EXIF, GPS, XMP, IPTC,
C2PA, PNG text chunks and ICC profiles cannot survive by construction. We shrink to
the working size first (the private original keeps full resolution), then apply the
EXIF orientation and convert colour on the smaller image, which is much cheaper.
Transparency is flattened onto a background (white by default) because the cloak and
the variants work on RGB, and a JPEG fallback has no alpha anyway.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageCms

from media.ingest import DecodedImage

# EXIF orientation value -> Pillow transpose that makes the image upright.
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
RESAMPLE = {
    "box": Image.Resampling.BOX,
    "bilinear": Image.Resampling.BILINEAR,
    "hamming": Image.Resampling.HAMMING,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


@dataclass(frozen=True, eq=False)
class CleanImage:
    """Upright sRGB pixels (H×W×3 uint8, C-contiguous) and how they were obtained.

    `color` is "srgb" (already sRGB or untagged), "converted:<profile name>" or
    "unreadable-profile" (a broken ICC profile was ignored and sRGB assumed).
    """

    rgb: np.ndarray
    had_alpha: bool
    orientation: int
    color: str

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])


def fit_within(width: int, height: int, max_side: int) -> tuple[int, int]:
    """The size that fits `max_side` on the long side, keeping the aspect ratio
    (never upscales, never returns a zero side)."""
    long_side = max(width, height)
    if long_side <= max_side:
        return width, height
    k = max_side / long_side
    return max(1, round(width * k)), max(1, round(height * k))


def clean(
    decoded: DecodedImage,
    *,
    max_side: int | None = 2560,
    background: tuple[int, int, int] = (255, 255, 255),
    resample: str = "hamming",
) -> CleanImage:
    """Shrink to `max_side`, orient, convert to sRGB, flatten alpha; return pixels."""
    im = _normalise_mode(decoded.image)
    if max_side is not None:
        size = fit_within(im.width, im.height, max_side)
        if size != im.size:
            im = im.resize(size, RESAMPLE[resample], reducing_gap=3.0)
    transpose = _TRANSPOSE.get(decoded.orientation)
    if transpose is not None:
        im = im.transpose(transpose)
    im, color = _to_srgb(im, decoded.icc_profile)
    had_alpha = im.mode == "RGBA"
    if had_alpha:
        im = _flatten(im, background)
    if im.mode != "RGB":
        im = im.convert("RGB")
    rgb = np.ascontiguousarray(np.asarray(im, dtype=np.uint8))
    return CleanImage(rgb=rgb, had_alpha=had_alpha, orientation=decoded.orientation, color=color)


def _normalise_mode(im: Image.Image) -> Image.Image:
    """Bring any decoded mode to RGB, RGBA, L or CMYK (the modes colour management
    and resizing handle); palette transparency becomes a real alpha channel."""
    mode = im.mode
    if mode in ("RGB", "RGBA", "L", "CMYK"):
        return im
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in im.info
        return im.convert("RGBA" if has_alpha else "RGB")
    if mode == "LA":
        return im.convert("RGBA")
    if mode == "RGBa":
        return im.convert("RGBA")
    if mode == "1":
        return im.convert("L")
    if mode.startswith("I;16") or mode in ("I", "F"):
        arr = np.asarray(im).astype(np.float64)
        top = 65535.0 if mode != "F" else max(float(arr.max()), 1.0)
        if mode == "F" and top <= 1.0:
            top = 1.0
        return Image.fromarray(np.clip(arr * (255.0 / top), 0, 255).astype(np.uint8), "L")
    return im.convert("RGB")  # YCbCr, LAB, HSV, RGBX …


def _to_srgb(im: Image.Image, icc: bytes | None) -> tuple[Image.Image, str]:
    """Apply an embedded ICC profile (perceptual intent) unless it already is sRGB."""
    if not icc:
        return im, "srgb"
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        name = (ImageCms.getProfileDescription(profile) or "").strip()
    except (OSError, ImageCms.PyCMSError, ValueError, TypeError):
        return im, "unreadable-profile"
    if im.mode in ("RGB", "RGBA") and _is_srgb_equivalent(icc):
        return im, "srgb"
    alpha = None
    if im.mode == "RGBA":
        alpha = im.getchannel("A")
        im = im.convert("RGB")
    try:
        out = ImageCms.profileToProfile(im, profile, _SRGB, outputMode="RGB")
    except (OSError, ImageCms.PyCMSError, ValueError, TypeError):
        # The profile does not fit this mode (e.g. a CMYK profile on an RGB image).
        out = im if im.mode == "RGB" else im.convert("RGB")
        name = ""
    assert out is not None
    if alpha is not None:
        out.putalpha(alpha)
    return out, (f"converted:{name}" if name else "unreadable-profile")


_PROBE = np.concatenate([
    np.repeat(np.arange(0, 256, 5, dtype=np.uint8)[:, None], 3, axis=1),  # greys
    np.random.default_rng(0).integers(0, 256, (200, 3), dtype=np.uint8),  # colours
])


@lru_cache(maxsize=64)
def _is_srgb_equivalent(icc: bytes) -> bool:
    """True when the RGB profile maps probe colours onto themselves in sRGB (±1),
    whatever it is called ("sRGB IEC61966-2.1", "GIMP built-in sRGB", …). Cheaper and
    safer than trusting names ("Linear sRGB" is not sRGB). Cached by profile bytes."""
    probe = Image.fromarray(_PROBE.reshape(1, -1, 3), "RGB")
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out = ImageCms.profileToProfile(probe, profile, _SRGB, outputMode="RGB")
    except (OSError, ImageCms.PyCMSError, ValueError, TypeError):
        return False
    assert out is not None
    diff = np.abs(np.asarray(out, dtype=np.int16) - np.asarray(probe, dtype=np.int16))
    return int(diff.max()) <= 1


def _flatten(im: Image.Image, background: tuple[int, int, int]) -> Image.Image:
    alpha = im.getchannel("A")
    lo, _hi = alpha.getextrema()
    if lo == 255:
        return im.convert("RGB")
    base = Image.new("RGB", im.size, background)
    base.paste(im, mask=alpha)
    return base
