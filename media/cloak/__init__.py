"""Style cloak: a small perceptual perturbation that pulls an image's style
statistics toward a different style, so style-mimicry training sees less of the
artist's style. Defence in depth, never a guarantee (see NOTES-AI.md); not Glaze.

Pure library (numpy / SciPy / OpenCV / Pillow): arrays or files in, arrays out.
"""

from __future__ import annotations

import numpy as np

from .files import cloak_file
from .levels import LEVELS
from .pipeline import cloak_array
from .result import CloakError, CloakResult

__all__ = ["LEVELS", "CloakError", "CloakResult", "cloak_file", "cloak_image"]


def cloak_image(rgb: np.ndarray, level: str = "medium", seed: int = 0) -> CloakResult:
    """Cloak an HxWx3 uint8 RGB image. The input is never modified.

    ``level`` is one of LEVELS; "off" returns a copy. The result always meets
    the level's PSNR/SSIM floor (a weaker cloak is used when needed, recorded
    in ``metrics["fallbacks"]``). Same seed, same output. Raises CloakError.
    """
    return cloak_array(rgb, level, seed)
