"""Benchmark the style cloak: quality, time and effect per level.

    OMP_NUM_THREADS=1 .venv/bin/python bench/cloak.py [--quick] [--levels low,medium,high]

Effect = how far a style representation moves toward the cloak's target,
(d(orig, target) - d(x, target)), for the cloaked image, divided by the same
for random noise of the same L2 and L-infinity size. Two noise baselines:
"shaped" noise (random signs in the same per-pixel box, at the same working
resolution, upsampled and masked like the cloak: the strict baseline) and
i.i.d. Gaussian noise. Ratios use the shaped baseline; a trailing "!" marks a
baseline that moved *away* from the target (ratio computed with its magnitude).
Representations: "att" = the one the optimiser attacks; "rcnn" = Gram matrices
of a fixed random 3-layer conv net at 384 px; "wav" = wavelet subband energy /
kurtosis + LBP histograms at 512 px. Neither independent one is seen by the
optimiser. Each is measured on the image as is and after JPEG q75, x0.5 resize
and Gaussian blur sigma 1 applied at full resolution (the target is fixed).
"""

from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import pywt  # noqa: E402
from skimage.feature import local_binary_pattern  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
cv2.setNumThreads(1)

from media.cloak import cloak_image, levels, pipeline, style  # noqa: E402
from media.cloak.colour import rgb_to_ycc  # noqa: E402

# ---------------------------------------------------------------- images


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


def painterly(rng, h, w):
    s = 1024 / max(h, w)
    hs, ws = int(h * s), int(w * s)
    base = np.stack([_fractal(rng, hs, ws, 3.0) for _ in range(3)], -1) * 45 + 128
    img = base + 22 * _strokes(rng, hs, ws, 15)[..., None] * rng.uniform(0.7, 1.3, 3)
    img = cv2.resize(img, (w, h), interpolation=cv2.INTER_CUBIC)
    img += 3 * rng.standard_normal((h, w, 1)).astype(np.float32)
    return np.clip(img, 0, 255).astype(np.uint8)


def flat(rng, h, w):
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


def watercolour(rng, h, w):
    img = np.full((h, w, 3), 235.0, np.float32)
    s = 512 / max(h, w)
    hs, ws = int(h * s), int(w * s)
    for _ in range(9):
        m = (_fractal(rng, hs, ws, 3.5) > rng.uniform(0.3, 1.0)).astype(np.float32)
        m = cv2.GaussianBlur(cv2.resize(m, (w, h)), (0, 0), w / 300)
        edge = np.clip(m * (1 - m) * 4, 0, 1)
        col = rng.uniform(60, 220, 3).astype(np.float32)
        a = (0.45 * m + 0.25 * edge)[..., None]
        img = img * (1 - a) + col * a
    paper = cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 1.2)
    return np.clip(img + 6 * paper[..., None], 0, 255).astype(np.uint8)


def pixelart(rng, h, w):
    small = rng.integers(0, 6, (h // 32, w // 32))
    small = cv2.resize(cv2.GaussianBlur(small.astype(np.float32), (0, 0), 1.2), None,
                       fx=1, fy=1).round().astype(int)
    pal = rng.integers(0, 255, (7, 3)).astype(np.uint8)
    img = pal[np.clip(small, 0, 6)]
    return cv2.resize(img, (w, h), interpolation=cv2.INTER_NEAREST)


KINDS = {"painterly": painterly, "flat": flat, "lineart": lineart, "photo": photo,
         "watercolour": watercolour, "pixelart": pixelart}

# ---------------------------------------------------------------- representations


def _resize_long(rgb, side):
    h, w = rgb.shape[:2]
    s = side / max(h, w)
    return cv2.resize(rgb, (max(8, round(w * s)), max(8, round(h * s))),
                      interpolation=cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC)


_RC = np.random.default_rng(1234)
_RCNN = [(_RC.standard_normal((c_out, 9 * c_in)) * np.sqrt(2 / (9 * c_in))).astype(np.float32)
         for c_in, c_out in ((3, 16), (16, 32), (32, 64))]


def rcnn_rep(rgb):
    x = np.moveaxis(_resize_long(rgb, 384).astype(np.float32) / 255 - 0.5, -1, 0)
    grams = []
    for i, wt in enumerate(_RCNN):
        c, h, w = x.shape
        p = np.pad(x, ((0, 0), (1, 1), (1, 1)), mode="reflect")
        cols = np.concatenate([p[:, dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)])
        a = np.maximum(wt @ cols.reshape(9 * c, -1), 0)
        grams.append(a @ a.T / a.shape[1])
        x = a.reshape(-1, h, w)
        if i < 2:
            x = x[:, : h // 2 * 2, : w // 2 * 2].reshape(-1, h // 2, 2, w // 2, 2).mean((2, 4))
    return grams


def rcnn_dist(a, t):
    terms = (((x - y) ** 2).sum() / (y**2).sum() for x, y in zip(a, t, strict=True))
    return float(np.sqrt(sum(terms)))


_QNOISE = 0.1  # about the variance of 8-bit rounding: energies below it are noise


def wav_rep(rgb):
    img = _resize_long(rgb, 512)
    ycc = rgb_to_ycc(img)
    v = []
    for ch in ycc:
        for band in pywt.wavedec2(ch, "db2", level=4)[1:]:
            for c in band:
                e = float((c * c).mean())
                v += [np.log(e + _QNOISE), 0.5 * np.log((c**4).mean() / (e + _QNOISE) ** 2 + 1e-9)]
    y = ycc[0].astype(np.uint8)
    for p, r in ((8, 1), (16, 2)):
        lbp = local_binary_pattern(y, p, r, "uniform")
        hist = np.bincount(lbp.astype(int).ravel(), minlength=p + 2) / lbp.size
        v += list(10 * np.sqrt(hist))
    return np.array(v)


def wav_dist(a, t):
    return float(np.linalg.norm(a - t))


def att_rep(rgb, shape):
    return style.stats(rgb_to_ycc(cv2.resize(rgb, shape[::-1], interpolation=cv2.INTER_AREA)))


# ---------------------------------------------------------------- transforms, noise


def jpeg75(rgb):
    ok, buf = cv2.imencode(".jpg", rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 75])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1]


TRANSFORMS = {
    "clean": lambda x: x,
    "jpeg": jpeg75,
    "half": lambda x: cv2.resize(x, (x.shape[1] // 2, x.shape[0] // 2),
                                 interpolation=cv2.INTER_AREA),
    "blur": lambda x: cv2.GaussianBlur(x, (0, 0), 1.0),
}


def _match(noise, orig, l2, linf):
    for _ in range(4):
        noise *= l2 / (np.linalg.norm(noise) + 1e-9)
        np.clip(noise, -linf, linf, out=noise)
    return np.clip(np.rint(orig + noise), 0, 255).astype(np.uint8)


def noises(orig, cloaked, prep, spec, eps, seed):
    d = cloaked.astype(np.float32) - orig
    l2, linf = float(np.linalg.norm(d)), float(np.abs(d).max())
    rng = np.random.default_rng(seed + 99)
    box = np.stack([prep.mask_work * eps, prep.mask_work * eps * spec.chroma_ratio,
                    prep.mask_work * eps * spec.chroma_ratio])
    shaped = []
    for _ in range(2):
        sign = rng.choice(np.array([-1.0, 1.0], np.float32), size=box.shape)
        n = pipeline.finalise(orig, sign * box, prep.mask_full, eps, spec.chroma_ratio)
        shaped.append(_match(n.astype(np.float32) - orig, orig, l2, linf))
    iid = _match(rng.standard_normal(orig.shape).astype(np.float32), orig, l2, linf)
    return shaped, iid


# ---------------------------------------------------------------- bench


def effects(orig, cloaked, shaped, iid, target, shape):
    reps = {"att": (lambda x: att_rep(x, shape), lambda a, t: style.distance(a, t)),
            "rcnn": (rcnn_rep, rcnn_dist), "wav": (wav_rep, wav_dist)}
    out = {}
    for rname, (rep, dist) in reps.items():
        t = rep(target)
        for tname, tf in TRANSFORMS.items():
            d0 = dist(rep(tf(orig)), t)
            mc = d0 - dist(rep(tf(cloaked)), t)
            ms = statistics.mean(d0 - dist(rep(tf(s)), t) for s in shaped)
            mi = d0 - dist(rep(tf(iid)), t)
            out[rname, tname] = (mc, ms, mi, d0)
    return out


def fmt_ratio(mc, mb):
    r = mc / max(abs(mb), 1e-12)
    return f"{r:7.1f}{'!' if mb <= 0 else ' '}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 images, 2048 px only")
    ap.add_argument("--levels", default="low,medium,high")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    kinds = ["painterly", "flat", "photo"] if args.quick else list(KINDS)
    sizes = [(1536, 2048)] if args.quick else [(1536, 2048), (3000, 4000)]
    summary = {}
    for level in args.levels.split(","):
        spec = levels.SPECS[level]
        print(f"\n== level {level}: floors PSNR {spec.psnr_floor} dB, SSIM {spec.ssim_floor}")
        head = f"{'image':12}{'size':>10}{'PSNR':>7}{'SSIM':>7}{'Linf':>5}{'sec':>6}{'fb':>3}"
        head += f" {'target':8}"
        for r in ("att", "rcnn", "wav"):
            head += "".join(f"{r + ':' + t:>11}" for t in TRANSFORMS)
        print(head + f"{'prog%':>7}")
        for kind in kinds:
            for h, w in sizes:
                rng = np.random.default_rng([args.seed, list(KINDS).index(kind), h])
                orig = KINDS[kind](rng, h, w)
                res = cloak_image(orig, level, args.seed)
                m = res.metrics
                prep = pipeline.prepare(orig, spec, args.seed)
                shaped, iid = noises(orig, res.image, prep, spec, m["budget"], args.seed)
                eff = effects(orig, res.image, shaped, iid, prep.target_rgb, prep.work_shape)
                row = (f"{kind:12}{f'{w}x{h}':>10}{m['psnr']:7.2f}{m['ssim']:7.3f}"
                       f"{m['linf']:5d}{m['seconds']:6.1f}{m['fallbacks']:3d} {m['target']:8}")
                for key, (mc, ms, mi, _d0) in eff.items():
                    row += f"{fmt_ratio(mc, ms):>11}"
                    summary.setdefault((level, *key), []).append((mc, ms, mi))
                mc, _, _, d0 = eff["rcnn", "clean"]
                print(row + f"{100 * mc / d0:7.1f}", flush=True)
                summary.setdefault((level, "seconds", f"{w}x{h}"), []).append(m["seconds"])
        print_summary(level, summary)


def print_summary(level, summary):
    print(f"-- {level} summary: median [min] effect ratio vs shaped noise | vs i.i.d. noise")
    for rname in ("att", "rcnn", "wav"):
        line = f"   {rname:5}"
        for tname in TRANSFORMS:
            v = summary[level, rname, tname]
            rs = [mc / max(abs(ms), 1e-12) for mc, ms, _ in v]
            ri = [mc / max(abs(mi), 1e-12) for mc, _, mi in v]
            line += (f" {tname}: {statistics.median(rs):6.1f} [{min(rs):5.1f}] |"
                     f" {statistics.median(ri):6.1f}")
        print(line)
    for key, v in summary.items():
        if key[0] == level and key[1] == "seconds":
            print(f"   seconds at {key[2]}: max {max(v):.1f}, mean {statistics.mean(v):.1f}")


if __name__ == "__main__":
    main()
