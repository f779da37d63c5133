"""The JPEG 4:2:0 fast path: no full pixel decode where no pixel signal can survive,
a full decode everywhere else."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from media.provenance import detect, verdict


def jpeg(subsampling: int) -> bytes:
    rgb = (np.random.default_rng(1).random((300, 300, 3)) * 255).astype("uint8")
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=90, subsampling=subsampling)
    return out.getvalue()


def test_pixels_decoded_only_where_a_pixel_signal_could_survive(monkeypatch):
    decoded = []
    original = verdict.decode
    monkeypatch.setattr(verdict, "decode", lambda image: decoded.append(image.format) or original(image))
    assert detect(jpeg(2)).verdict == "none"
    assert decoded == []  # 4:2:0: neither watermark nor alpha can be there
    assert detect(jpeg(0)).verdict == "none"
    assert decoded == ["JPEG"]  # 4:4:4 keeps chroma: the watermark is looked for
