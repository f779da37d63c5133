"""Safe decode of uploaded bytes into one Pillow image.

Order matters: size in bytes → sniff the real format from the magic bytes → compare
with what the client claimed → check structural completeness → read the header only
→ check declared dimensions (bomb defence) → only then decode pixels. Animated files
decode their first frame and say so. HEIC goes through pillow-heif without registering
a global Pillow plugin.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

from PIL import Image

from media.errors import MediaRejected
from media.limits import Limits, check_byte_size, check_dimensions

# Formats we decode: key -> (MIME type, human name, Pillow format ids).
SUPPORTED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "jpeg": ("image/jpeg", "JPEG", ("JPEG", "MPO")),
    "png": ("image/png", "PNG", ("PNG",)),
    "webp": ("image/webp", "WebP", ("WEBP",)),
    "gif": ("image/gif", "GIF", ("GIF",)),
    "avif": ("image/avif", "AVIF", ("AVIF",)),
    "heic": ("image/heic", "HEIC", ()),
}
# Formats we recognise only to refuse them by name.
RECOGNISED_UNSUPPORTED = {
    "tiff": "TIFF", "bmp": "BMP", "psd": "Photoshop (PSD)", "svg": "SVG", "pdf": "PDF",
    "jxl": "JPEG XL", "ico": "ICO", "jp2": "JPEG 2000", "video": "video",
}
ACCEPTED_LIST = "JPEG, PNG, WebP, GIF, AVIF or HEIC"

_AVIF_BRANDS = {b"avif", b"avis"}
_HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_VIDEO_BRANDS = {b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5", b"avc1"}

_MIME_CLAIMS: dict[str, frozenset[str]] = {
    "image/jpeg": frozenset({"jpeg"}), "image/jpg": frozenset({"jpeg"}),
    "image/pjpeg": frozenset({"jpeg"}), "image/jfif": frozenset({"jpeg"}),
    "image/png": frozenset({"png"}), "image/x-png": frozenset({"png"}),
    "image/apng": frozenset({"png"}), "image/webp": frozenset({"webp"}),
    "image/gif": frozenset({"gif"}), "image/avif": frozenset({"avif"}),
    "image/heic": frozenset({"heic"}), "image/heic-sequence": frozenset({"heic"}),
    "image/heif": frozenset({"heic", "avif"}), "image/heif-sequence": frozenset({"heic", "avif"}),
}
_EXT_CLAIMS: dict[str, frozenset[str]] = {
    "jpg": frozenset({"jpeg"}), "jpeg": frozenset({"jpeg"}), "jpe": frozenset({"jpeg"}),
    "jfif": frozenset({"jpeg"}), "pjpeg": frozenset({"jpeg"}), "pjp": frozenset({"jpeg"}),
    "png": frozenset({"png"}), "apng": frozenset({"png"}), "webp": frozenset({"webp"}),
    "gif": frozenset({"gif"}), "avif": frozenset({"avif"}), "heic": frozenset({"heic"}),
    "heif": frozenset({"heic", "avif"}), "hif": frozenset({"heic", "avif"}),
}
_NO_CLAIM = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
_MIME_RE = re.compile(r"^[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+$")


@dataclass(frozen=True, eq=False)
class DecodedImage:
    """A fully loaded first frame plus what the pipeline needs to know about it.

    `width`/`height` are the declared (stored) size before any draft reduction and
    before orientation; `image.size` may be smaller when JPEG draft mode was used.
    """

    image: Image.Image
    format: str
    mime: str
    width: int
    height: int
    animated: bool
    orientation: int
    icc_profile: bytes | None


def sniff(data: bytes) -> str | None:
    """Name the format from magic bytes: a key of SUPPORTED or RECOGNISED_UNSUPPORTED."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[4:8] == b"ftyp":
        return _sniff_isobmff(data)
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if head[:2] == b"BM":
        return "bmp"
    if head[:4] == b"8BPS":
        return "psd"
    if head[:5] == b"%PDF-":
        return "pdf"
    if head[:2] == b"\xff\x0a" or head[4:12] == b"JXL \r\n\x87\n":
        return "jxl"
    if head[:4] == b"\x00\x00\x01\x00":
        return "ico"
    if head[4:12] == b"jP  \r\n\x87\n":
        return "jp2"
    text = head.lstrip().lower()
    if text.startswith(b"<svg") or (text.startswith(b"<?xml") and b"<svg" in data[:4096].lower()):
        return "svg"
    return None


def _sniff_isobmff(data: bytes) -> str | None:
    size = int.from_bytes(data[0:4], "big")
    major = data[8:12]
    end = min(max(size, 16), 256, len(data))
    compatible = {data[i : i + 4] for i in range(16, end - 3, 4)}
    if major in _AVIF_BRANDS:
        return "avif"
    if major in _HEIC_BRANDS:
        return "heic"
    if compatible & _AVIF_BRANDS:
        return "avif"
    if compatible & _HEIC_BRANDS:
        return "heic"
    if major in _VIDEO_BRANDS or compatible & _VIDEO_BRANDS:
        return "video"
    return None


def parse_claimed_type(claimed: str | None) -> frozenset[str] | None:
    """Map a claimed content type, file name or extension to acceptable format keys.

    None means "no claim" (nothing to compare); an empty set means the claim names
    something we do not accept at all.
    """
    if claimed is None:
        return None
    value = claimed.strip().lower()
    mime = value.split(";", 1)[0].strip()
    if mime in _NO_CLAIM:
        return None
    if mime in _MIME_CLAIMS:
        return _MIME_CLAIMS[mime]
    if _MIME_RE.match(mime) and "." not in mime.rsplit("/", 1)[-1]:
        return frozenset()  # a MIME type we do not take (image/tiff, text/html, …)
    name = value.replace("\\", "/").rsplit("/", 1)[-1]
    ext = name.rsplit(".", 1)[-1] if "." in name else name
    return _EXT_CLAIMS.get(ext, frozenset())


def _describe(fmt: str) -> str:
    if fmt in SUPPORTED:
        return f"a {SUPPORTED[fmt][1]} image"
    if fmt == "video":
        return "a video"
    return f"a {RECOGNISED_UNSUPPORTED.get(fmt, fmt)} file"


def _check_claim(fmt: str, claimed_type: str | None) -> None:
    accepted = parse_claimed_type(claimed_type)
    if accepted is None or fmt in accepted:
        return
    raise MediaRejected(
        "type_mismatch",
        f"The file was sent as {claimed_type!r}, but its content is {_describe(fmt)}. "
        "Rename it with the right extension (or send the right content type) and try again.",
    )


def _check_complete(fmt: str, data: bytes) -> None:
    """Cheap structural checks, so truncation is caught whatever Pillow's global
    LOAD_TRUNCATED_IMAGES setting is."""
    truncated = False
    if fmt == "jpeg":
        sos = _jpeg_first_scan(data)
        truncated = sos < 0 or data.find(b"\xff\xd9", sos) < 0
    elif fmt == "png":
        truncated = data.rfind(b"IEND\xaeB`\x82") < 0
    elif fmt == "webp":
        truncated = len(data) < 12 or int.from_bytes(data[4:8], "little") + 8 > len(data)
    elif fmt == "gif":
        truncated = len(data) < 14
    if truncated:
        raise MediaRejected(
            "truncated",
            f"The {SUPPORTED[fmt][1]} file is incomplete (truncated); the upload may have "
            "been cut off. Please upload it again.",
        )


def _jpeg_first_scan(data: bytes) -> int:
    """Offset just after the first SOS header, or -1 if the headers end early."""
    pos, n = 2, len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            return -1
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2:
            return -1
        if marker == 0xDA:
            end = pos + 2 + length
            return end if end <= n else -1
        pos += 2 + length
    return -1


def _corrupt(fmt: str, exc: BaseException) -> MediaRejected:
    text = str(exc).lower()
    if isinstance(exc, EOFError) or "truncated" in text or "end of file" in text:
        return MediaRejected(
            "truncated",
            f"The {SUPPORTED[fmt][1]} file is incomplete (truncated); please upload it again.",
        )
    return MediaRejected(
        "corrupt", f"The {SUPPORTED[fmt][1]} file could not be decoded; it looks damaged."
    )


def decode(
    data: bytes,
    *,
    claimed_type: str | None = None,
    limits: Limits | None = None,
    target_max_side: int | None = None,
) -> DecodedImage:
    """Decode the first frame of an upload, or raise MediaRejected.

    `target_max_side` lets JPEG decode at 1/2, 1/4 or 1/8 scale (libjpeg DCT scaling)
    when the result still covers that long side — the display variant never needs more.
    """
    limits = limits or Limits()
    check_byte_size(len(data), limits)
    fmt = sniff(data)
    if fmt is None:
        raise MediaRejected(
            "unsupported_format",
            f"The file is not an image format we recognise. Upload {ACCEPTED_LIST}.",
        )
    if fmt not in SUPPORTED:
        raise MediaRejected(
            "unsupported_format",
            f"The file is {_describe(fmt)}, which is not accepted. Upload {ACCEPTED_LIST}.",
        )
    _check_claim(fmt, claimed_type)
    _check_complete(fmt, data)
    if fmt == "heic":
        return _decode_heic(data, limits)
    return _decode_pillow(fmt, data, limits, target_max_side)


def _decode_pillow(
    fmt: str, data: bytes, limits: Limits, target_max_side: int | None
) -> DecodedImage:
    mime, _name, pil_formats = SUPPORTED[fmt]
    try:
        im = Image.open(io.BytesIO(data), formats=list(pil_formats))
    except Image.DecompressionBombError as exc:
        raise MediaRejected(
            "too_many_pixels", "The image declares far too many pixels to be decoded safely."
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise _corrupt(fmt, exc) from exc
    width, height = im.size
    check_dimensions(width, height, limits)
    try:
        animated = bool(getattr(im, "is_animated", False))
        if animated:
            im.seek(0)
        orientation = _orientation(im)
        if fmt == "jpeg" and target_max_side and max(width, height) >= 2 * target_max_side:
            k = target_max_side / max(width, height)
            im.draft(im.mode, (max(1, round(width * k)), max(1, round(height * k))))
        im.load()
    except (OSError, SyntaxError, ValueError, EOFError, IndexError) as exc:
        raise _corrupt(fmt, exc) from exc
    icc = im.info.get("icc_profile") or None
    return DecodedImage(im, fmt, mime, width, height, animated, orientation, icc)


def _orientation(im: Image.Image) -> int:
    try:
        value = int(im.getexif().get(0x0112, 1))
    except (TypeError, ValueError, SyntaxError, KeyError):
        return 1
    return value if 1 <= value <= 8 else 1


def _decode_heic(data: bytes, limits: Limits) -> DecodedImage:
    """HEIC via pillow-heif. libheif already applies the container's rotation and
    mirroring (irot/imir), which HEIF says win over EXIF, so orientation is 1."""
    import pillow_heif

    try:
        heif = pillow_heif.open_heif(io.BytesIO(data), convert_hdr_to_8bit=True)
        width, height = heif.size
    except (RuntimeError, ValueError, OSError, EOFError) as exc:
        raise _corrupt("heic", exc) from exc
    check_dimensions(width, height, limits)
    try:
        im = heif.to_pillow()
        im.load()
    except (RuntimeError, ValueError, OSError, EOFError) as exc:
        raise _corrupt("heic", exc) from exc
    icc = heif.info.get("icc_profile") or None
    return DecodedImage(im, "heic", "image/heic", width, height, False, 1, icc)
