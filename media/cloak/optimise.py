"""Projected sign-gradient descent with momentum, averaged over transformations.

Sign steps scaled by the per-pixel box use the whole perceptual budget where it
is allowed (textured areas) and almost none where it is not (flat areas).
Momentum over steps that cycle through the transformations (JPEG, blur,
resize...) averages their gradients, the usual way to get a perturbation that
survives all of them and transfers to other feature extractors (MI-FGSM).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from . import style
from .transforms import Transform

MOMENTUM = 0.8
STEP_START = 0.3  # first step, as a fraction of the box
STEP_END = 0.04


def target_stats(target_ycc: np.ndarray, transforms: Sequence[Transform]) -> list:
    """The target's style under each transformation (computed once)."""
    return [style.stats(t.forward(target_ycc)[0]) for t in transforms]


def optimise(
    x: np.ndarray,
    box: np.ndarray,
    targets: Sequence[style.StyleStats],
    transforms: Sequence[Transform],
    iterations: int,
    rng: np.random.Generator,
    init: np.ndarray | None = None,
) -> tuple[np.ndarray, list[float]]:
    """Return delta (3, H, W) with |delta| <= box that lowers the style loss.

    ``x`` and ``box`` are (3, H, W) YCbCr arrays at the working resolution.
    """
    if init is None:
        delta = (rng.uniform(-0.5, 0.5, size=x.shape) * box).astype(np.float32)
    else:
        delta = np.clip(init, -box, box).astype(np.float32)
    momentum = np.zeros_like(x)
    history: list[float] = []
    n = len(transforms)
    for i in range(iterations):
        t = transforms[i % n]
        y, ctx = t.forward(x + delta)
        loss, grad = style.loss_and_grad(y, targets[i % n])
        grad = t.backward(grad, ctx)
        history.append(loss)
        for c in range(3):
            grad[c] /= float(np.abs(grad[c]).mean()) + 1e-20
        momentum *= MOMENTUM
        momentum += grad
        frac = i / max(iterations - 1, 1)
        step = STEP_END + (STEP_START - STEP_END) * 0.5 * (1 + np.cos(np.pi * frac))
        delta -= (step * box) * np.sign(momentum)
        np.clip(delta, -box, box, out=delta)
    return delta, history
