"""The public result and error types (re-exported by ``media.cloak``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class CloakResult:
    image: np.ndarray  # HxWx3 uint8 RGB, same shape as the input
    metrics: dict  # level, psnr, ssim, linf, seconds, strength, fallbacks, backend, seed, ...


class CloakError(ValueError):
    """A bad level, seed or image array, or missing model weights (the message names
    the package to install)."""
