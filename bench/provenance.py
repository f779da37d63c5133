"""Provenance detection cost per fixture: ms per file for `detect` on the original bytes
(file read excluded), best and median of N runs after one warm-up, plus the share spent
in pixel work (decode + stealth + watermark), the C2PA read as `detect` makes it
(`c2pa_signals`), and a reference figure measured in the same run: one SHA-256 pass over
the same bytes (the machine's speed at that moment; the manifest's data hash is such a
pass, so C2PA can never cost less than about one of these on a file with a manifest).

    .venv/bin/python bench/provenance.py [--runs 5] [--synthetic] [--cold]

`--synthetic` adds generated files that are costly for C2PA reading without holding any
manifest: a 12 MP PNG with libpng's 8 KB IDAT chunks, the same with Pillow's 64 KB ones,
a 10-frame GIF, a 12 MP JPEG, and a hostile PNG of 50 000 tiny text chunks. `--cold`
times the C2PA step of the first file a fresh process reads (what `impasto media check
FILE` and the first job of a pool worker pay: loading c2pa-python's native library, then a
first read), for each fixture with a manifest.

Fixtures come from ../shared/fixtures/provenance (override with IMPASTO_SHARED_DIR).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from media.provenance import detect  # noqa: E402
from media.provenance.c2pa import c2pa_signals  # noqa: E402
from media.provenance.containers import read_container  # noqa: E402
from media.provenance.pixels import decode  # noqa: E402
from media.provenance.stealth import stealth_signals  # noqa: E402
from media.provenance.watermark import watermark_signals  # noqa: E402
from tests.rig.png import png_chunk, rechunk_png  # noqa: E402

SHARED = Path(os.environ.get("IMPASTO_SHARED_DIR", REPO.parent / "shared"))


def _time(fn, runs: int) -> tuple[float, float]:
    fn()  # warm-up (imports, c2pa native init, caches)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return min(samples), statistics.median(samples)


def _pixel_work(data: bytes) -> None:
    pixels = decode(read_container(data).image)
    stealth_signals(pixels)
    watermark_signals(pixels)


def _c2pa_call(data: bytes) -> Callable[[], object]:
    """The C2PA step exactly as `detect` makes it, container parsing left out. (A build
    without `png_chunk_types` is called the old way, to measure before/after.)"""
    box = read_container(data)
    extra = (box.png_chunk_types or None,) if hasattr(box, "png_chunk_types") else ()
    return lambda: c2pa_signals(data, box.mime, *extra)


def synthetic() -> Iterator[tuple[str, bytes]]:
    """Generated files without a manifest whose containers are long to walk."""
    import numpy as np
    from PIL import Image

    rng = np.random.default_rng(0)
    photo = Image.fromarray(rng.integers(0, 256, (3000, 4000, 3), dtype=np.uint8))
    out = io.BytesIO()
    photo.save(out, "PNG", compress_level=1)
    yield "synthetic 12MP PNG, 8 KB IDATs (libpng)", rechunk_png(out.getvalue(), 8192)
    yield "synthetic 12MP PNG, 64 KB IDATs (Pillow)", out.getvalue()
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    yield "synthetic 12MP JPEG q90", out.getvalue()
    frames = [Image.fromarray(rng.integers(0, 256, (400, 400), dtype=np.uint8)) for _ in range(10)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    yield "synthetic GIF, 10 frames 400x400", out.getvalue()
    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, "PNG")
    small = out.getvalue()
    end = small.rindex(b"IEND") - 4
    yield "synthetic PNG, 50 000 tiny tEXt chunks", (
        small[:end] + png_chunk(b"tEXt", b"k\x00v") * 50_000 + small[end:]
    )


_COLD = """
import sys, time
sys.path.insert(0, sys.argv[2])
import numpy, cv2, pywt, PIL.Image  # detect's other imports, not counted
load = time.perf_counter()
import c2pa  # what media.provenance pays once per process, at import or on first need
start = time.perf_counter()
from media.provenance.c2pa import c2pa_signals
from media.provenance.containers import read_container
data = open(sys.argv[1], "rb").read()
box = read_container(data)
begin = time.perf_counter()
c2pa_signals(data, box.mime)
first = time.perf_counter()
c2pa_signals(data, box.mime)
print((start - load) * 1000, (first - begin) * 1000, (time.perf_counter() - first) * 1000)
"""


def cold(files: list[Path]) -> None:
    """Loading c2pa-python, then the C2PA step of a first and a second read, in a fresh
    interpreter per file."""
    import subprocess

    print(f"\n{'fresh process':46} {'load ms':>8} {'1st read':>8} {'2nd read':>8}")
    for path in files:
        run = subprocess.run(
            [sys.executable, "-c", _COLD, str(path), str(REPO)],
            capture_output=True,
            text=True,
            check=True,
        )
        load, first, second = (float(x) for x in run.stdout.split())
        print(f"{path.name:46} {load:8.1f} {first:8.1f} {second:8.1f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--synthetic", action="store_true", help="add generated costly files")
    parser.add_argument("--cold", action="store_true", help="first C2PA read in a fresh process")
    args = parser.parse_args()
    folder = SHARED / "fixtures" / "provenance"
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() != ".tsv")
    if not files:
        print(f"no fixtures in {folder} (set IMPASTO_SHARED_DIR)", file=sys.stderr)
        return 1
    print(
        f"{'file':46} {'KB':>6} {'pixels':>10} {'best ms':>8} {'median':>8} "
        f"{'pixel ms':>8} {'c2pa ms':>8} {'c2pa med':>8} {'sha256':>7}  verdict"
    )
    total_best = total_median = total_pixel = total_c2pa = 0.0
    worst_c2pa = ("", 0.0)
    for path in files:
        data = path.read_bytes()
        best, median = _time(lambda d=data, n=path.name: detect(d, n), args.runs)
        pixel_best, _ = _time(lambda d=data: _pixel_work(d), args.runs)
        c2pa_best, c2pa_median = _time(_c2pa_call(data), args.runs)
        sha_best, _ = _time(lambda d=data: hashlib.sha256(d).digest(), args.runs)
        image = read_container(data).image
        size = f"{image.size[0]}x{image.size[1]}" if image is not None else "-"
        verdict = detect(data, path.name)
        sigs = ",".join(sorted({s.signal for s in verdict.signals}))
        print(
            f"{path.name:46} {len(data) / 1024:6.0f} {size:>10} {best:8.1f} {median:8.1f} "
            f"{pixel_best:8.1f} {c2pa_best:8.1f} {c2pa_median:8.1f} {sha_best:7.2f}  "
            f"{verdict.verdict} {sigs}"
        )
        total_best += best
        total_median += median
        total_pixel += pixel_best
        total_c2pa += c2pa_best
        worst_c2pa = max(worst_c2pa, (path.name, c2pa_median), key=lambda item: item[1])
    n = len(files)
    print(
        f"{'TOTAL (' + str(n) + ' files)':46} {'':6} {'':>10} {total_best:8.1f} "
        f"{total_median:8.1f} {total_pixel:8.1f} {total_c2pa:8.1f}"
    )
    print(f"mean per file: best {total_best / n:.1f} ms, median {total_median / n:.1f} ms")
    print(f"C2PA: worst median {worst_c2pa[1]:.1f} ms ({worst_c2pa[0]})")
    if args.synthetic:
        print(f"\n{'generated file (no manifest)':46} {'KB':>6} {'c2pa ms':>8} {'c2pa med':>8} {'sha256':>7}")
        for name, data in synthetic():
            c2pa_best, c2pa_median = _time(_c2pa_call(data), max(1, args.runs // 2))
            sha_best, _ = _time(lambda d=data: hashlib.sha256(d).digest(), args.runs)
            print(f"{name:46} {len(data) / 1024:6.0f} {c2pa_best:8.1f} {c2pa_median:8.1f} {sha_best:7.2f}")
    if args.cold:
        cold([p for p in files if p.name.startswith("c2pa")])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
