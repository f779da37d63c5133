"""The attacked style representation, its loss and its hand-written gradient.

Style = second-order texture statistics (Gram matrices, as in Gatys et al.) of a
fixed multi-scale filter bank, plus colour moments on a coarse grid of tiles.
The responses are split into positive and negative parts (a ReLU pair) before
the Gram, which makes the statistics see polarity (dark line vs light line, edge
sign co-occurrences), not only the power spectrum a linear Gram would reduce to.

Gradient: the bank is linear and the Gram is quadratic, so the backward pass is
dL/dF = 2 D F / N for D = dL/dG (symmetric), a mask for the ReLU pair, and the
adjoint filters / pyramid (see filters.py). No autodiff library is involved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .filters import make_bank, pyr_down_adjoint, pyramid

LEVELS = 5  # pyramid levels: working size / 1, 2, 4, 8, 16
TILES = 4  # colour moments on a TILES x TILES grid
COLOUR_SCALE = 8.0  # grey levels at which a colour-moment error counts as 1
COLOUR_WEIGHT = 0.5
_BANK = make_bank(0.85)
_MARGIN = max(f.radius for f in _BANK)  # responses this close to a border are dropped
_EPS = 1e-12


@dataclass(frozen=True)
class StyleStats:
    """A style representation: one Gram per pyramid level and tile colour moments."""

    grams: tuple[np.ndarray, ...]  # each (2K, 2K) float64
    moments: np.ndarray  # (3, 2, TILES, TILES): mean and std of Y, Cb, Cr


def _responses(level_img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m = _MARGIN
    r = np.stack([f.apply(level_img)[m:-m, m:-m] for f in _BANK])  # (K, h-2m, w-2m)
    k = r.shape[0]
    feats = np.concatenate([np.maximum(r, 0.0), np.maximum(-r, 0.0)]).reshape(2 * k, -1)
    return r, feats


def _tiles(ch: np.ndarray) -> np.ndarray:
    h, w = ch.shape
    return ch.reshape(TILES, h // TILES, TILES, w // TILES)


def _moments(ycc: np.ndarray) -> np.ndarray:
    out = np.empty((3, 2, TILES, TILES), dtype=np.float64)
    for c in range(3):
        t = _tiles(ycc[c]).astype(np.float64)
        out[c, 0] = t.mean(axis=(1, 3))
        out[c, 1] = t.std(axis=(1, 3))
    return out


def _levels(y: np.ndarray) -> list[np.ndarray]:
    """Pyramid levels whose interior (after the border margin) is at least 8 px."""
    n = 1
    while n < LEVELS and min(y.shape) // 2**n - 2 * _MARGIN >= 8:
        n += 1
    return pyramid(y, n)


def stats(ycc: np.ndarray) -> StyleStats:
    """Style representation of a (3, H, W) YCbCr image (H, W multiples of 32)."""
    grams = []
    for lvl in _levels(ycc[0]):
        _, f = _responses(lvl)
        grams.append((f @ f.T).astype(np.float64) / f.shape[1])
    return StyleStats(tuple(grams), _moments(ycc))


def distance(a: StyleStats, target: StyleStats) -> float:
    """Relative distance to ``target`` (the square root of the loss)."""
    return float(np.sqrt(_loss_terms(a, target)[0]))


def _loss_terms(a: StyleStats, t: StyleStats) -> tuple[float, list[np.ndarray], np.ndarray]:
    total = 0.0
    d_grams = []
    for g, gt in zip(a.grams, t.grams, strict=True):
        norm = float((gt * gt).sum()) + _EPS
        diff = g - gt
        total += float((diff * diff).sum()) / norm
        d_grams.append(2.0 * diff / norm)
    cm = a.moments - t.moments
    scale = COLOUR_WEIGHT / (COLOUR_SCALE**2 * cm.size)
    total += scale * float((cm * cm).sum())
    return total, d_grams, 2.0 * scale * cm


def loss_and_grad(ycc: np.ndarray, target: StyleStats) -> tuple[float, np.ndarray]:
    """Loss ``||stats(ycc) - target||^2`` (normalised) and its gradient wrt ``ycc``."""
    levels = _levels(ycc[0])
    grams, cache = [], []
    for lvl in levels:
        r, f = _responses(lvl)
        grams.append((f @ f.T).astype(np.float64) / f.shape[1])
        cache.append((r, f))
    cur = StyleStats(tuple(grams), _moments(ycc))
    loss, d_grams, d_mom = _loss_terms(cur, target)

    grad_y = None
    for i in range(len(levels) - 1, -1, -1):
        r, f = cache[i]
        k = r.shape[0]
        d_f = (2.0 / f.shape[1]) * (d_grams[i].astype(np.float32) @ f)
        d_f = d_f.reshape(2 * k, *r.shape[1:])
        d_r = np.zeros((k, *levels[i].shape), dtype=np.float32)
        m = _MARGIN
        d_r[:, m:-m, m:-m] = np.where(r > 0, d_f[:k], 0.0) - np.where(r < 0, d_f[k:], 0.0)
        g_lvl = sum(filt.adjoint(d_r[j]) for j, filt in enumerate(_BANK))
        if grad_y is not None:
            g_lvl += pyr_down_adjoint(grad_y, levels[i].shape)
        grad_y = g_lvl

    grad = np.zeros_like(ycc)
    grad[0] = grad_y
    _add_moment_grad(grad, ycc, cur.moments, d_mom)
    return loss, grad


def _add_moment_grad(grad: np.ndarray, ycc: np.ndarray, mom: np.ndarray,
                     d_mom: np.ndarray) -> None:
    for c in range(3):
        t = _tiles(ycc[c])
        n = t.shape[1] * t.shape[3]
        mean = mom[c, 0][:, None, :, None]
        std = np.maximum(mom[c, 1], 1e-3)[:, None, :, None]
        d_mean = d_mom[c, 0][:, None, :, None]
        d_std = d_mom[c, 1][:, None, :, None]
        g = d_mean / n + d_std * (t - mean) / (n * std)
        grad[c] += g.reshape(ycc.shape[1:]).astype(np.float32)
