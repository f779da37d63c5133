"""Read the metadata containers of the ORIGINAL bytes without decoding pixels.

Why our own PNG walker: Pillow only reports text chunks placed before IDAT until the
pixels are decoded, and it would inflate zTXt/iTXt without our size caps. Everything
here is bounded and tolerant of truncated or hostile input.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from dataclasses import dataclass, field

from PIL import Image

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_TEXT_BYTES = 4 * 1024 * 1024  # one inflated text chunk
MAX_TOTAL_TEXT_BYTES = 16 * 1024 * 1024  # all text chunks of one file
MAX_CHUNKS = 100_000
MAX_XMP_PACKETS = 8
MAX_XMP_BYTES = 4 * 1024 * 1024

_MIME = {
    "png": "image/png",
    "jpeg": "image/jpeg",
    "webp": "image/webp",
    "gif": "image/gif",
    "tiff": "image/tiff",
    "heif": "image/heif",
    "avif": "image/avif",
    "jxl": "image/jxl",
}
_EXT = {
    "png": "png",
    "jpg": "jpeg",
    "jpeg": "jpeg",
    "jpe": "jpeg",
    "webp": "webp",
    "gif": "gif",
    "tif": "tiff",
    "tiff": "tiff",
    "heic": "heif",
    "heif": "heif",
    "avif": "avif",
    "jxl": "jxl",
}


@dataclass
class Container:
    """Metadata found in the file, format-independent."""

    fmt: str = ""
    text: list[tuple[str, str]] = field(default_factory=list)  # PNG tEXt/zTXt/iTXt
    png_chunk_types: frozenset[bytes] = frozenset()  # every PNG chunk type reached
    exif_raw: bytes | None = None
    xmp: list[str] = field(default_factory=list)
    comment: str | None = None  # JPEG COM
    image: Image.Image | None = None  # opened lazily by Pillow, pixels not loaded

    @property
    def mime(self) -> str | None:
        return _MIME.get(self.fmt)


def sniff(data: bytes, filename: str | None = None) -> str:
    """Format from magic bytes; the filename extension is only a fallback."""
    if data.startswith(PNG_MAGIC):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if data[:2] == b"\xff\x0a" or data[:12] == b"\x00\x00\x00\x0cJXL \r\n\x87\n":
        return "jxl"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"avif", b"avis"):
            return "avif"
        if brand in (b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1"):
            return "heif"
    if filename and "." in filename:
        return _EXT.get(filename.rsplit(".", 1)[1].lower(), "")
    return ""


def _inflate(blob: bytes, budget: int) -> bytes | None:
    """zlib-inflate at most `budget` bytes; None when corrupt (a bomb just gets cut)."""
    try:
        out = zlib.decompressobj().decompress(blob, max(0, min(budget, MAX_TEXT_BYTES)))
    except zlib.error:
        return None
    return out


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    """(type, payload) of every PNG chunk we can reach; stops quietly at truncation."""
    chunks: list[tuple[bytes, bytes]] = []
    pos = len(PNG_MAGIC)
    while pos + 8 <= len(data) and len(chunks) < MAX_CHUNKS:
        length, ctype = struct.unpack(">I4s", data[pos : pos + 8])
        payload = data[pos + 8 : pos + 8 + length]
        chunks.append((ctype, payload))
        if ctype == b"IEND" or len(payload) < length:
            break
        pos += 12 + length
    return chunks


def png_text(chunks: list[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    """Decode tEXt / zTXt / iTXt chunks into (key, value) pairs, within size caps."""
    out: list[tuple[str, str]] = []
    budget = MAX_TOTAL_TEXT_BYTES
    for ctype, payload in chunks:
        if budget <= 0:
            break
        if ctype not in (b"tEXt", b"zTXt", b"iTXt") or b"\x00" not in payload:
            continue
        raw_key, rest = payload.split(b"\x00", 1)
        key = raw_key.decode("latin-1")[:79]
        value: bytes | None
        encoding = "latin-1"
        if ctype == b"tEXt":
            value = rest[:MAX_TEXT_BYTES]
        elif ctype == b"zTXt":
            value = _inflate(rest[1:], budget) if rest[:1] == b"\x00" else None
        else:
            if len(rest) < 2:
                continue
            compressed, method, tail = rest[0], rest[1], rest[2:]
            parts = tail.split(b"\x00", 2)
            if len(parts) < 3:
                continue
            encoding = "utf-8"
            if compressed == 0:
                value = parts[2][:MAX_TEXT_BYTES]
            elif method == 0:
                value = _inflate(parts[2], budget)
            else:
                value = None
        if value is None:
            continue
        budget -= len(value)
        out.append((key, value.decode(encoding, errors="replace")))
    return out


_XMP_RE = re.compile(rb"<x:xmpmeta\b.*?</x:xmpmeta\s*>|<rdf:RDF\b.*?</rdf:RDF\s*>", re.DOTALL)


def xmp_packets_raw(data: bytes) -> list[str]:
    """XMP packets stored uncompressed anywhere in the file (JPEG APP1, WebP, TIFF, GIF)."""
    if b"<x:xmpmeta" not in data and b"<rdf:RDF" not in data:
        return []
    packets: list[str] = []
    for m in _XMP_RE.finditer(data):
        packets.append(m.group(0)[:MAX_XMP_BYTES].decode("utf-8", errors="replace"))
        if len(packets) >= MAX_XMP_PACKETS:
            break
    return packets


def _as_text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value[:MAX_XMP_BYTES].decode("utf-8", errors="replace")
    if isinstance(value, str):
        return value[:MAX_XMP_BYTES]
    return None


def open_image(data: bytes) -> Image.Image | None:
    """Open lazily with Pillow (header only). Bombs above 2× MAX_IMAGE_PIXELS and
    unidentifiable or broken files give None; the pixel cap itself is enforced in
    `pixels`, never lifted."""
    try:
        return Image.open(io.BytesIO(data))
    except Exception:  # DecompressionBombError, UnidentifiedImageError, …
        return None


def read_container(data: bytes, filename: str | None = None) -> Container:
    """Gather every metadata container we know from the original bytes."""
    box = Container(fmt=sniff(data, filename))
    if box.fmt == "png":
        chunks = png_chunks(data)
        box.text = png_text(chunks)
        box.png_chunk_types = frozenset(kind for kind, _ in chunks)
        for ctype, payload in chunks:
            if ctype == b"eXIf" and box.exif_raw is None:
                box.exif_raw = payload
        box.xmp.extend(v for k, v in box.text if k == "XML:com.adobe.xmp")
    box.image = open_image(data)
    if box.image is not None:
        info = box.image.info
        if box.exif_raw is None and isinstance(info.get("exif"), bytes):
            box.exif_raw = info["exif"]
        xmp = _as_text(info.get("xmp"))
        if xmp:
            box.xmp.append(xmp)
        if box.fmt == "jpeg":
            box.comment = _as_text(info.get("comment"))
    box.xmp.extend(xmp_packets_raw(data))
    box.xmp = _distinct(box.xmp)
    return box


def _distinct(packets: list[str]) -> list[str]:
    """Drop empty packets and any packet contained in another (Pillow's copy of a packet
    includes the `<?xpacket` wrapper our raw scan leaves out)."""
    unique = list(dict.fromkeys(p.strip() for p in packets if p and p.strip()))
    return [p for p in unique if not any(p != q and p in q for q in unique)]
