"""A fixed multi-scale filter bank with exact adjoints.

Why these filters: separable Gaussian derivatives (first and second order, which
steer to any orientation) plus a difference of Gaussians cover edges, lines,
blobs and orientation, which is what texture statistics of a painting describe.
They are separable, so each costs two 1-D passes. Scales come from a Gaussian
pyramid (cv2.pyrDown), so the same small kernels see coarser structure at each
level. Everything here is linear, so the backward pass of each operation is its
adjoint: correlation with the flipped kernel, and pyrUp/4 for pyrDown.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

_BORDER = cv2.BORDER_REFLECT_101


def _gauss_1d(sigma: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r = int(np.ceil(3.0 * sigma))
    x = np.arange(-r, r + 1, dtype=np.float64)
    g = np.exp(-0.5 * (x / sigma) ** 2)
    g /= g.sum()
    g1 = -x / sigma**2 * g
    g1 -= g1.mean()  # exact zero DC
    g2 = (x**2 / sigma**4 - 1.0 / sigma**2) * g
    g2 -= g2.mean()
    return g.astype(np.float32), g1.astype(np.float32), g2.astype(np.float32)


@dataclass(frozen=True)
class SepFilter:
    """A sum of separable terms: sum_i outer(ky_i, kx_i) (cv2 correlation)."""

    terms: tuple[tuple[np.ndarray, np.ndarray, float], ...]  # (kx, ky, weight)

    def apply(self, img: np.ndarray) -> np.ndarray:
        return self._run(img, flip=False)

    @property
    def radius(self) -> int:
        return max(len(kx) // 2 for kx, _, _ in self.terms)

    def adjoint(self, grad: np.ndarray) -> np.ndarray:
        """Correlation with the flipped kernel, zero outside: the exact adjoint for
        gradients that vanish within ``radius`` of the border (style.py crops)."""
        return self._run(grad, flip=True)

    def _run(self, img: np.ndarray, flip: bool) -> np.ndarray:
        out = None
        for kx, ky, w in self.terms:
            if flip:
                kx, ky = kx[::-1].copy(), ky[::-1].copy()
            border = cv2.BORDER_CONSTANT if flip else _BORDER
            r = cv2.sepFilter2D(img, cv2.CV_32F, kx, ky, borderType=border)
            if w != 1.0:
                r *= w
            out = r if out is None else out + r
        return out


def make_bank(sigma: float = 1.2) -> tuple[SepFilter, ...]:
    """d/dx, d/dy, d2/dx2, d2/dxdy, d2/dy2 and a DoG, all at one scale."""
    g, g1, g2 = _gauss_1d(sigma)
    gw, _, _ = _gauss_1d(2.0 * sigma)
    pad = (len(gw) - len(g)) // 2
    gn = np.pad(g, pad)
    return (
        SepFilter(((g1, g, 1.0),)),
        SepFilter(((g, g1, 1.0),)),
        SepFilter(((g2, g, 1.0),)),
        SepFilter(((g1, g1, 1.0),)),
        SepFilter(((g, g2, 1.0),)),
        SepFilter(((gn, gn, 1.0), (gw, gw, -1.0))),
    )


def pyr_down(img: np.ndarray) -> np.ndarray:
    """Blur and halve (even sizes only; callers keep sizes multiples of 2**levels)."""
    return cv2.pyrDown(img, borderType=_BORDER)


def pyr_down_adjoint(grad: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Adjoint of pyr_down: zero-insert and blur, which is pyrUp / 4."""
    return cv2.pyrUp(grad, dstsize=(shape[1], shape[0]), borderType=_BORDER) * 0.25


def pyramid(img: np.ndarray, levels: int) -> list[np.ndarray]:
    out = [img]
    for _ in range(levels - 1):
        out.append(pyr_down(out[-1]))
    return out
