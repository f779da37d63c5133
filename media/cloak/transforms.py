"""Transformations the cloak is averaged over (expectation over transformation).

An artist's image is re-encoded, resized and softened on its way to a scraper;
a perturbation tuned only for the exact pixels would be washed out. Each
transformation has a forward pass and the adjoint of its (approximate) Jacobian.
The set is fixed, so the target's statistics under each can be computed once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from . import jpeg

Forward = Callable[[np.ndarray], tuple[np.ndarray, object]]
Backward = Callable[[np.ndarray, object], np.ndarray]


@dataclass(frozen=True)
class Transform:
    name: str
    forward: Forward
    backward: Backward


def _identity() -> Transform:
    return Transform("identity", lambda x: (x, None), lambda g, _c: g)


def _blur(sigma: float) -> Transform:
    def run(x: np.ndarray) -> np.ndarray:
        return np.stack([cv2.GaussianBlur(c, (0, 0), sigma, borderType=cv2.BORDER_REFLECT_101)
                         for c in x])

    return Transform(f"blur{sigma:g}", lambda x: (run(x), None), lambda g, _c: run(g))


def _half() -> Transform:
    def fwd(x: np.ndarray) -> tuple[np.ndarray, None]:
        c, h, w = x.shape
        return x.reshape(c, h // 2, 2, w // 2, 2).mean(axis=(2, 4)), None

    def bwd(g: np.ndarray, _c: object) -> np.ndarray:
        return np.repeat(np.repeat(g, 2, axis=1), 2, axis=2) * 0.25

    return Transform("half", fwd, bwd)


def _jpeg(quality: int) -> Transform:
    return Transform(f"jpeg{quality}", lambda x: jpeg.forward(x, quality), jpeg.backward)


def _chain(first: Transform, second: Transform) -> Transform:
    def fwd(x: np.ndarray) -> tuple[np.ndarray, tuple]:
        y, c1 = first.forward(x)
        z, c2 = second.forward(y)
        return z, (c1, c2)

    def bwd(g: np.ndarray, ctx: tuple) -> np.ndarray:
        return first.backward(second.backward(g, ctx[1]), ctx[0])

    return Transform(f"{first.name}+{second.name}", fwd, bwd)


def eot_set() -> tuple[Transform, ...]:
    """The transformations cycled through during optimisation."""
    return (
        _identity(),
        _jpeg(75),
        _blur(1.0),
        _half(),
        _chain(_half(), _jpeg(80)),
    )
