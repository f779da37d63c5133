"""File in, file out, for the ``impasto media cloak IN OUT`` command."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from .result import CloakError

_JPEG = {".jpg", ".jpeg", ".jfif"}


def cloak_file(in_path: str | Path, out_path: str | Path, level: str = "medium",
               seed: int = 0) -> dict:
    """Read an image (EXIF orientation applied, RGB), cloak it, write ``out_path``.

    The format follows the extension: PNG (and other formats) as Pillow writes
    them, JPEG at quality 95 without chroma subsampling. Metadata is not copied.
    Returns the metrics dict plus ``in``, ``out`` and ``total_seconds``.
    """
    t0 = time.perf_counter()
    try:
        with Image.open(in_path) as im:
            rgb = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    except OSError as exc:
        raise CloakError(f"cannot read image {in_path}: {exc}") from exc
    from .pipeline import cloak_array  # torch loads on first use

    result = cloak_array(rgb, level, seed)
    out = Path(out_path)
    img = Image.fromarray(result.image, "RGB")
    if out.suffix.lower() in _JPEG:
        img.save(out, format="JPEG", quality=95, subsampling=0)
    else:
        img.save(out)
    return {**result.metrics, "in": str(in_path), "out": str(out),
            "total_seconds": time.perf_counter() - t0}
