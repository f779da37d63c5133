"""Upload bounds, checked before any pixel is decoded.

A decompression bomb is a small file that declares huge dimensions; the only safe
defence is to read the declared size from the header and refuse it before `load()`.
We do this ourselves instead of relying on Pillow's process-wide
`Image.MAX_IMAGE_PIXELS` warning, which other code may change.
"""

from __future__ import annotations

from dataclasses import dataclass

from media.errors import MediaRejected

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """What an upload may be. Defaults suit artwork and phone photos.

    64 MP is about 8000×8000 (≈256 MB as RGBA in memory); 16384 px is the longest
    side we accept (also WebP's own limit is 16383, though we always downscale).
    Raising `max_pixels` above Pillow's `MAX_IMAGE_PIXELS` (≈ 89 MP) brings Pillow's
    DecompressionBombWarning, and above twice that Pillow refuses on its own (still
    reported as MediaRejected "too_many_pixels").
    """

    max_bytes: int = 40 * MB
    max_pixels: int = 64_000_000
    max_side: int = 16_384

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.max_pixels <= 0 or self.max_side <= 0:
            raise ValueError("limits must be positive")


def _human_bytes(n: int) -> str:
    if n >= MB:
        return f"{n / MB:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} bytes"


def check_byte_size(size: int, limits: Limits) -> None:
    """Refuse empty files and files above `limits.max_bytes`."""
    if size == 0:
        raise MediaRejected("empty", "The file is empty.")
    if size > limits.max_bytes:
        raise MediaRejected(
            "too_large",
            f"The file is {_human_bytes(size)}; the largest accepted upload is "
            f"{_human_bytes(limits.max_bytes)}.",
        )


def check_dimensions(width: int, height: int, limits: Limits) -> None:
    """Refuse declared sizes that are empty, too long on a side, or too many pixels."""
    if width <= 0 or height <= 0:
        raise MediaRejected("corrupt", f"The image declares an empty size ({width}×{height}).")
    if width > limits.max_side or height > limits.max_side:
        raise MediaRejected(
            "dimensions_too_large",
            f"The image is {width}×{height} pixels; no side may exceed "
            f"{limits.max_side} pixels.",
        )
    if width * height > limits.max_pixels:
        raise MediaRejected(
            "too_many_pixels",
            f"The image is {width}×{height} pixels ({width * height / 1e6:.1f} megapixels); "
            f"the limit is {limits.max_pixels / 1e6:.1f} megapixels. Very large "
            "declared sizes are refused to protect the server (decompression bombs).",
        )
