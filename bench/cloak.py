"""Benchmark the style cloak: effect on a HELD-OUT learned encoder, quality, time, memory.

    .venv/bin/python bench/cloak.py [--quick] [--levels low,medium,high] [--crops DIR]
                                    [--kinds photo,flat,...] [--sizes 2048,12MP]

The cloak optimises on MobileNetV2 + EfficientNet-Lite0 (the surrogates). The effect
is measured on EfficientNet-Lite2, which the cloak never sees (held out; it is the
same family as Lite0, so it is a kinder test than an unrelated encoder would be).
Effect = the encoder's embedding shift (original -> cloaked, both passed through the
same transform: none, JPEG q75, x0.5 resize) divided by the shift that random noise
of the same L2 norm causes. Two noise baselines (media/cloak/measure.py): "iid"
Gaussian per pixel, and "lowfreq" Gaussian drawn at the cloak's working resolution
and shaped by its budget mask (strict: a smooth perturbation is not credited for
being smooth). The surrogates' own ratios are printed separately; they are not the
effect. Each cloak runs alone in a fresh process on one thread: "sec" is its wall
time, "cpu" its CPU time, "RSS" that process's peak resident memory (torch and the
models included).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import multiprocessing  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ProcessPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
cv2.setNumThreads(1)

from media.cloak import cloak_image, encoders, levels, measure, pipeline  # noqa: E402

# ---------------------------------------------------------------- images (deterministic)


def _fractal(rng, h, w, beta=2.0):
    f = np.fft.rfft2(rng.standard_normal((h, w)))
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.rfftfreq(w)[None, :]
    f /= np.maximum(np.hypot(fx, fy), 1.0 / max(h, w)) ** (beta / 2)
    x = np.fft.irfft2(f, s=(h, w))
    return ((x - x.mean()) / x.std()).astype(np.float32)


def _strokes(rng, h, w, length):
    n = rng.standard_normal((h, w)).astype(np.float32)
    out = np.zeros_like(n)
    ang = cv2.resize(rng.uniform(0, np.pi, (4, 4)).astype(np.float32), (w, h))
    for i, a in enumerate(np.linspace(0, np.pi, 6, endpoint=False)):
        k = np.zeros((length, length), np.float32)
        c = length // 2
        for t in np.linspace(-c, c, 3 * length):
            k[int(round(c + t * np.sin(a))), int(round(c + t * np.cos(a)))] = 1
        sel = (np.round(ang / np.pi * 6).astype(int) % 6) == i
        out[sel] = cv2.filter2D(n, -1, k / k.sum())[sel]
    return out / out.std()


def painting(rng, h, w):
    s = 1024 / max(h, w)
    hs, ws = int(h * s), int(w * s)
    base = np.stack([_fractal(rng, hs, ws, 3.0) for _ in range(3)], -1) * 45 + 128
    img = base + 22 * _strokes(rng, hs, ws, 15)[..., None] * rng.uniform(0.7, 1.3, 3)
    img = cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC)
    img += 3 * rng.standard_normal((h, w, 1)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def flat(rng, h, w):
    """Flat-shaded (cel) illustration: filled shapes, one shade each, dark outlines."""
    img = np.full((h, w, 3), rng.integers(150, 240, 3), np.uint8)
    t = max(2, w // 400)
    for _ in range(14):
        col = rng.integers(20, 235, 3)
        shade = np.clip(col * 0.7, 0, 255)
        c = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        r = int(rng.integers(w // 20, w // 6))
        cv2.circle(img, c, r, col.tolist(), -1, cv2.LINE_AA)
        cv2.ellipse(img, (c[0] + r // 4, c[1] + r // 4), (r // 2, r // 3), 30, 0, 360,
                    shade.tolist(), -1, cv2.LINE_AA)
        cv2.circle(img, c, r, (20, 20, 25), t, cv2.LINE_AA)
    return img


def lineart(rng, h, w):
    img = np.full((h, w), 245, np.uint8)
    for _ in range(60):
        pts = np.cumsum(rng.normal(0, w / 30, (8, 2)), 0) + rng.uniform(0, 1, 2) * (w, h)
        cv2.polylines(img, [pts.astype(np.int32)], False, int(rng.integers(0, 60)),
                      int(rng.integers(1, max(2, w // 500) + 2)), cv2.LINE_AA)
    x0, y0 = int(w * 0.55), int(h * 0.5)
    for i in range(0, w // 3, max(4, w // 300)):
        cv2.line(img, (x0 + i, y0), (x0 + i - h // 6, y0 + h // 3), 40, 1, cv2.LINE_AA)
    return np.repeat(img[..., None], 3, -1)


def photo(rng, h, w):
    yy = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky = np.array([90, 140, 220], np.float32) * (1 - yy * 0.4) + 60 * yy
    terr = _fractal(rng, h // 4, w // 4, 2.2)
    ridge = cv2.resize(terr, (w, h))[:, :, None]
    horizon = (yy[..., 0] > 0.45 + 0.08 * ridge[h // 2, :, 0][None, :])[..., None]
    ground = np.array([80, 110, 60], np.float32) + 35 * ridge + 10 * cv2.resize(
        _fractal(rng, h // 2, w // 2, 1.2), (w, h))[..., None]
    img = np.where(horizon, ground, sky)
    img = cv2.GaussianBlur(img, (0, 0), 1.0) + 2.5 * rng.standard_normal((h, w, 3)).astype(
        np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def pixelart(rng, h, w):
    small = rng.integers(0, 6, (h // 32, w // 32))
    small = cv2.GaussianBlur(small.astype(np.float32), (0, 0), 1.2).round().astype(int)
    pal = rng.integers(0, 255, (7, 3)).astype(np.uint8)
    img = pal[np.clip(small, 0, 6)]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_NEAREST)


KINDS = {"photo": photo, "painting": painting, "flat": flat, "lineart": lineart,
         "pixelart": pixelart}
SIZES = {"2048": (1536, 2048), "12MP": (3000, 4000)}


def make(kind: str, size: str, seed: int) -> np.ndarray:
    h, w = SIZES[size]
    return KINDS[kind](np.random.default_rng([seed, list(KINDS).index(kind), h]), h, w)


# ---------------------------------------------------------------- one cloak, alone


def _child(img: np.ndarray, level: str, seed: int) -> tuple[np.ndarray, dict, float]:
    """Runs in a fresh spawned process: peak RSS is this cloak's alone (the image is
    made by the parent: the synthetic generators peak higher than the cloak). CPU
    seconds (process time, one thread) are recorded beside wall seconds because a
    loaded machine inflates the wall clock."""
    cpu = time.process_time()
    res = cloak_image(img, level, seed)
    metrics = {**res.metrics, "cpu_seconds": time.process_time() - cpu}
    return res.image, metrics, peak_rss_mb()


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: per address space, so unlike ru_maxrss it does
    not inherit the parent's peak across fork + exec)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_alone(img: np.ndarray, level: str, seed: int) -> tuple[np.ndarray, dict, float]:
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        return pool.submit(_child, img, level, seed).result()


def save_crops(out_dir: Path, name: str, orig: np.ndarray, cloaked: np.ndarray) -> None:
    """Centre crop 384 px at 100%: original | cloaked | difference x8 around grey."""
    h, w = orig.shape[:2]
    y0, x0 = h // 2 - 192, w // 2 - 192
    a, b = orig[y0:y0 + 384, x0:x0 + 384], cloaked[y0:y0 + 384, x0:x0 + 384]
    d = np.clip(128 + 8 * (b.astype(np.int16) - a), 0, 255).astype(np.uint8)
    out_dir.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(out_dir / f"{name}.png"), np.hstack([a, b, d])[..., ::-1])


# ---------------------------------------------------------------- table

TF = tuple(measure.TRANSFORMS)


def fmt(v: float) -> str:
    return f"{v:6.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="2048 px only, three kinds, medium only")
    ap.add_argument("--levels", default=None, help="comma-separated (default low,medium,high)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--crops", type=Path, default=None, help="write before/after PNG crops here")
    ap.add_argument("--kinds", default=None, help=f"comma-separated subset of {','.join(KINDS)}")
    ap.add_argument("--sizes", default=None, help=f"comma-separated subset of {','.join(SIZES)}")
    args = ap.parse_args()
    kinds = ["painting", "flat", "lineart"] if args.quick else list(KINDS)
    sizes = ["2048"] if args.quick else list(SIZES)
    kinds = args.kinds.split(",") if args.kinds else kinds
    sizes = args.sizes.split(",") if args.sizes else sizes
    if not set(kinds) <= set(KINDS) or not set(sizes) <= set(SIZES):
        ap.error(f"kinds: {', '.join(KINDS)}; sizes: {', '.join(SIZES)}")
    lvls = (args.levels or ("medium" if args.quick else "low,medium,high")).split(",")
    held, surr = encoders.HELD_OUT, encoders.SURROGATES
    print(f"held-out encoder: {held} (never optimised on); surrogates: {', '.join(surr)}")
    print("ratios = embedding shift of the cloak / of equal-L2 noise, after none / JPEG q75 / x0.5;")
    print("'lf' = low-frequency noise shaped like the cloak (strict baseline), 'iid' = per-pixel Gaussian")
    cols = "".join(f"{b + ':' + t[:5]:>12}" for b in ("lf", "iid") for t in TF)
    for level in lvls:
        spec = levels.SPECS[level]
        print(f"\n== level {level}: floors PSNR {spec.psnr_floor} dB, SSIM {spec.ssim_floor}; "
              f"{spec.steps} steps at {spec.work_side} px")
        print(f"{'':50}{'HELD-OUT ' + held + ' (the effect)':^72}   ||"
              f"{'surrogates, mean of ' + str(len(surr)) + ' (not the effect)':^72}")
        print(f"{'image':10}{'size':>6}{'PSNR':>7}{'SSIM':>7}{'sec':>6}{'cpu':>6}{'RSS MB':>8}"
              f"{cols}   ||{cols}")
        rows = []
        for kind in kinds:
            for size in sizes:
                orig = make(kind, size, args.seed)
                out, m, rss = run_alone(orig, level, args.seed)
                prep = pipeline.prepare(orig, spec, args.seed)
                noise = measure.noise_images(orig, out, prep, spec, args.seed)
                h = measure.shift_ratios(held, orig, out, noise)
                s_all = [measure.shift_ratios(n, orig, out, noise) for n in surr]
                s = {k: statistics.mean(r[k] for r in s_all) for k in h}
                keys = [(b, t) for b in ("lowfreq", "iid") for t in TF]
                row = [m["psnr"], m["ssim"], m["seconds"], m["cpu_seconds"], rss,
                       *[h[k] for k in keys], *[s[k] for k in keys]]
                rows.append(row)
                print(f"{kind:10}{size:>6}{row[0]:7.2f}{row[1]:7.3f}{row[2]:6.1f}{row[3]:6.1f}"
                      f"{row[4]:8.0f}" + "".join(f"{v:12.2f}" for v in row[5:11]) + "   ||"
                      + "".join(f"{v:12.2f}" for v in row[11:]), flush=True)
                if args.crops is not None:
                    save_crops(args.crops, f"{level}-{kind}-{size}", orig, out)
        med = [statistics.median(c) for c in zip(*rows, strict=True)]
        print(f"{'MEDIAN':10}{'':>6}{med[0]:7.2f}{med[1]:7.3f}{med[2]:6.1f}{med[3]:6.1f}"
              f"{med[4]:8.0f}" + "".join(f"{v:12.2f}" for v in med[5:11]) + "   ||"
              + "".join(f"{v:12.2f}" for v in med[11:]))
        print(f"{'max':10}{'':>6}{min(r[0] for r in rows):7.2f}{min(r[1] for r in rows):7.3f}"
              f"{max(r[2] for r in rows):6.1f}{max(r[3] for r in rows):6.1f}"
              f"{max(r[4] for r in rows):8.0f}   (PSNR, SSIM: min)")


if __name__ == "__main__":
    main()
