"""A1111 / NovelAI "stealth" metadata hidden in the least significant bits of pixels.

Layout (sd-webui-stealth-pnginfo, NovelAI): bits read column by column (x outer, y
inner), from the alpha plane (`stealth_png*`) or from R,G,B of each pixel in turn
(`stealth_rgb*`); a 15-byte magic, a 32-bit big-endian payload length in bits, then the
payload, gzip-compressed for the `…comp` variants. A 120-bit magic does not appear by
chance, so a found magic is a declaration even if the payload is damaged (then medium).
"""

from __future__ import annotations

import gzip
import io
import json

import numpy as np

from .generators import is_a1111
from .model import HIGH, MEDIUM, Signal
from .pixels import Pixels

MAGICS = {
    b"stealth_pnginfo": ("alpha", False),
    b"stealth_pngcomp": ("alpha", True),
    b"stealth_rgbinfo": ("rgb", False),
    b"stealth_rgbcomp": ("rgb", True),
}
HEADER_BITS = 15 * 8 + 32
MAX_PAYLOAD_BYTES = 4 * 1024 * 1024


def _bits(plane: np.ndarray, count: int) -> np.ndarray:
    """The first `count` LSBs of a (H, W) or (H, W, C) plane in column-major order,
    touching only the columns needed."""
    height = plane.shape[0]
    per_column = height * (plane.shape[2] if plane.ndim == 3 else 1)
    columns = min(plane.shape[1], -(-count // per_column))
    part = plane[:, :columns]
    # (H, cols[, C]) → (cols, H[, C]) so that ravel gives x outer, y inner, channel last
    ordered = part.swapaxes(0, 1)
    return (np.ascontiguousarray(ordered).ravel()[:count] & 1).astype(np.uint8)


def _read(plane: np.ndarray, magics: dict[bytes, bool]) -> tuple[bytes, bool, bytes] | None:
    """(magic, compressed, payload) when the plane starts with one of the magics."""
    header = _bits(plane, HEADER_BITS)
    if header.size < HEADER_BITS:
        return None
    magic = np.packbits(header[:120]).tobytes()
    if magic not in magics:
        return None
    length = int.from_bytes(np.packbits(header[120:]).tobytes(), "big")
    available = plane.size - HEADER_BITS
    length = min(length, available, MAX_PAYLOAD_BYTES * 8)
    payload = np.packbits(_bits(plane, HEADER_BITS + length)[HEADER_BITS:]).tobytes()
    return magic, magics[magic], payload


def _gunzip(blob: bytes) -> bytes | None:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(blob)) as stream:
            return stream.read(MAX_PAYLOAD_BYTES)
    except (OSError, EOFError, ValueError):
        return None


def _describe(text: str) -> str | None:
    """What the payload is, when it looks like generation parameters."""
    if is_a1111(text):
        return "AUTOMATIC1111 parameters"
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(obj, dict):
        return "NovelAI/JSON generation metadata"
    return None


def stealth_signals(pixels: Pixels | None) -> list[Signal]:
    """Look for stealth metadata in the alpha plane, then in the RGB LSBs."""
    if pixels is None:
        return []
    planes: list[tuple[str, np.ndarray]] = []
    if pixels.alpha is not None:
        planes.append(("alpha", pixels.alpha))
    planes.append(("rgb", pixels.rgb))
    for kind, plane in planes:
        magics = {m: comp for m, (k, comp) in MAGICS.items() if k == kind}
        found = _read(plane, magics)
        if found is None:
            continue
        magic, compressed, payload = found
        raw = _gunzip(payload) if compressed else payload
        text = raw.decode("utf-8", errors="replace").strip("\x00") if raw else ""
        what = _describe(text) if text else None
        where = "alpha-channel" if kind == "alpha" else "RGB"
        name = magic.decode()
        if what:
            snippet = " ".join(text.split())[:60]
            return [
                Signal(
                    "stealth-alpha",
                    f"{where} LSB '{name}' block with {what}: {snippet}",
                    HIGH,
                )
            ]
        return [Signal("stealth-alpha", f"{where} LSB '{name}' magic, unreadable payload", MEDIUM)]
    return []
