"""AI-provenance detection on the ORIGINAL upload bytes (before anything is stripped).

Reads what a file declares about itself: C2PA manifests, IPTC DigitalSourceType in XMP,
generator metadata (A1111/Forge, ComfyUI, NovelAI, InvokeAI, Fooocus…), stealth LSB
metadata, the Stable Diffusion invisible watermark, and free-text tool names. Absence of a
signal proves nothing, and a verdict is for moderators to act on, with an appeal path.

    detect(data, filename=None) -> Verdict
    check_file(path) -> {"file", "verdict", "signals"}
    preload_c2pa() -> bool   # load the C2PA library now (a worker's initializer)
"""

from __future__ import annotations

from .c2pa import preload as preload_c2pa
from .model import SIGNAL_NAMES, Signal, Verdict
from .verdict import check_file, detect

__all__ = ["SIGNAL_NAMES", "Signal", "Verdict", "check_file", "detect", "preload_c2pa"]
