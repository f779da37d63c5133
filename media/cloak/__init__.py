"""Style cloak: a small perceptual perturbation that moves an image's features, as
learned image encoders see them, toward the same picture in a different style, so
style-mimicry training sees less of the artist's style. Defence in depth, never a
guarantee (Gaussian noise, upscaling or diffusion purification can remove it; see
NOTES-AI.md); not Glaze.

Optimised against small learned ImageNet encoders whose weights ship inside
packages (MobileNetV2, EfficientNet-Lite0); measured on one outside that ensemble
(EfficientNet-Lite2) by bench/cloak.py. Arrays or files in, arrays out.

Importing this package does not import torch (the server's main process only needs
LEVELS); the first cloak in a process does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .files import cloak_file
from .levels import LEVELS
from .result import CloakError, CloakResult

__all__ = ["LEVELS", "CloakError", "CloakResult", "cloak_file", "cloak_image"]


def cloak_image(rgb: np.ndarray, level: str = "medium", seed: int = 0,
                progress: Callable[[float], None] | None = None) -> CloakResult:
    """Cloak an HxWx3 uint8 RGB image. The input is never modified.

    ``level`` is one of LEVELS; "off" returns a copy. The result always meets
    the level's PSNR/SSIM floor (the perturbation is scaled down when needed,
    recorded in ``metrics["fallbacks"]``). Same image, level and seed, same output.
    ``progress(fraction)`` (optional) is called with non-decreasing values up to 1.0.
    Raises CloakError (bad input, or a weights package that is not installed).
    """
    from .pipeline import cloak_array  # torch loads on first use, not on import

    return cloak_array(rgb, level, seed, progress=progress)
