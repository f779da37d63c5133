"""Per-step timings of the media pipeline (no cloak) on synthetic photo-like JPEGs.

Run: .venv/bin/python bench/media.py [--runs N] [--all-cores]

Pinned to one CPU by default (the target is ≤ 400 ms for 12 MP on one core). The
test images are made here: multi-octave (≈1/f) colour noise like natural scenes,
anti-aliased shapes for hard edges, fine line texture and a little sensor noise,
saved as quality-92 JPEGs with a fake camera EXIF block (orientation 1).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from media.pipeline import DetectProvenance, PipelineOptions, process_image  # noqa: E402

STEPS = ("decode", "provenance", "strip", "variants", "blurhash", "total")


def photo_like(width: int, height: int, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng(seed)
    acc = np.zeros((height, width, 3), np.float32)
    for octave in range(1, 10):
        cells = 2**octave
        small = rng.normal(0, 1, (max(2, cells * height // width + 2), cells + 2, 3))
        up = cv2.resize(small.astype(np.float32), (width, height), interpolation=cv2.INTER_CUBIC)
        acc += up * (70.0 / octave**0.8)
    img = 128.0 + (acc - acc.mean()) * 0.55
    for _ in range(60):
        colour = tuple(float(v) for v in rng.uniform(0, 255, 3))
        centre = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
        radius = int(rng.uniform(width / 100, width / 12))
        cv2.circle(img, centre, radius, colour, -1, lineType=cv2.LINE_AA)
    for _ in range(400):
        p1 = (int(rng.uniform(0, width)), int(rng.uniform(0, height)))
        p2 = (p1[0] + int(rng.normal(0, width / 30)), p1[1] + int(rng.normal(0, height / 30)))
        colour = tuple(float(v) for v in rng.uniform(0, 255, 3))
        cv2.line(img, p1, p2, colour, 1, lineType=cv2.LINE_AA)
    img += rng.normal(0, 4, (height, width, 3)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def make_jpeg(width: int, height: int) -> bytes:
    exif = Image.Exif()
    exif[0x010F], exif[0x0110], exif[0x0112] = "BenchCam", "Model 1", 1
    buf = io.BytesIO()
    Image.fromarray(photo_like(width, height)).save(buf, "JPEG", quality=92, exif=exif)
    return buf.getvalue()


def provenance_fn():
    try:
        from media.provenance import detect  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - report any import failure as n/a
        return None, f"n/a (media.provenance not importable: {type(exc).__name__})"
    return DetectProvenance(), "media.provenance.detect"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--all-cores", action="store_true")
    ap.add_argument("--no-provenance", action="store_true", help="skip media.provenance")
    args = ap.parse_args()
    if not args.all_cores and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
        cv2.setNumThreads(1)
    prov, prov_name = (None, "skipped") if args.no_provenance else provenance_fn()
    opts = PipelineOptions()
    print(f"cores: {'all' if args.all_cores else 1}; provenance: {prov_name}; "
          f"runs: {args.runs} (median, min in ms); variants: {opts.variants}")
    for w, h in ((2048, 2048), (4000, 3000)):
        data = make_jpeg(w, h)
        process_image(data, claimed_type="image/jpeg", options=opts, provenance=prov)  # warm-up
        runs = [process_image(data, claimed_type="image/jpeg", options=opts, provenance=prov)
                for _ in range(args.runs)]
        r = runs[-1]
        print(f"\n{w}x{h} JPEG, {len(data) / 1e6:.1f} MB → display {r.width}x{r.height} "
              f"(webp {len(r.display.webp) // 1024} KB, jpeg {len(r.display.jpeg) // 1024} KB), "
              f"thumb {r.thumbnail.width}x{r.thumbnail.height}")
        for step in STEPS:
            vals = [x.timings_ms[step] for x in runs if step in x.timings_ms]
            if not vals:
                print(f"  {step:<11} n/a")
                continue
            print(f"  {step:<11} {statistics.median(vals):8.1f}  (min {min(vals):.1f})")


if __name__ == "__main__":
    main()
