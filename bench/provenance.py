"""Provenance detection cost per fixture: ms per file for `detect` on the original bytes
(file read excluded), best and median of N runs after one warm-up, plus the share spent
in pixel work (decode + stealth + watermark), and a total.

    .venv/bin/python bench/provenance.py [--runs 5]

Fixtures come from ../shared/fixtures/provenance (override with IMPASTO_SHARED_DIR).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from media.provenance import detect  # noqa: E402
from media.provenance.containers import read_container  # noqa: E402
from media.provenance.pixels import decode  # noqa: E402
from media.provenance.stealth import stealth_signals  # noqa: E402
from media.provenance.watermark import watermark_signals  # noqa: E402

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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = SHARED / "fixtures" / "provenance"
    files = sorted(p for p in folder.glob("*") if p.suffix.lower() != ".tsv")
    if not files:
        print(f"no fixtures in {folder} (set IMPASTO_SHARED_DIR)", file=sys.stderr)
        return 1
    print(
        f"{'file':46} {'KB':>6} {'pixels':>10} {'best ms':>8} {'median':>8} "
        f"{'pixel ms':>8}  verdict"
    )
    total_best = total_median = total_pixel = 0.0
    for path in files:
        data = path.read_bytes()
        best, median = _time(lambda d=data, n=path.name: detect(d, n), args.runs)
        pixel_best, _ = _time(lambda d=data: _pixel_work(d), args.runs)
        image = read_container(data).image
        size = f"{image.size[0]}x{image.size[1]}" if image is not None else "-"
        verdict = detect(data, path.name)
        sigs = ",".join(sorted({s.signal for s in verdict.signals}))
        print(
            f"{path.name:46} {len(data) / 1024:6.0f} {size:>10} {best:8.1f} {median:8.1f} "
            f"{pixel_best:8.1f}  {verdict.verdict} {sigs}"
        )
        total_best += best
        total_median += median
        total_pixel += pixel_best
    n = len(files)
    print(
        f"{'TOTAL (' + str(n) + ' files)':46} {'':6} {'':>10} {total_best:8.1f} "
        f"{total_median:8.1f} {total_pixel:8.1f}"
    )
    print(f"mean per file: best {total_best / n:.1f} ms, median {total_median / n:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
