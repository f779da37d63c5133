"""Pull the few EXIF fields generators write into, as text.

A1111/Forge put their parameters in UserComment (`UNICODE\\0` + UTF-16, byte order not
reliably the file's), ComfyUI's WebP saver abuses Make/Model for `workflow:`/`prompt:`.
"""

from __future__ import annotations

from PIL import Image

from .containers import Container

EXIF_IFD = 0x8769
TAGS = {
    0x010E: "ImageDescription",
    0x010F: "Make",
    0x0110: "Model",
    0x0131: "Software",
    0x013B: "Artist",
    0x013C: "HostComputer",
    0x8298: "Copyright",
}
USER_COMMENT = 0x9286
MAX_FIELD = 4 * 1024 * 1024


def decode_user_comment(raw: bytes) -> str:
    """Decode an EXIF UserComment (8-byte charset prefix + payload)."""
    head, body = raw[:8], raw[8:MAX_FIELD]
    if head == b"UNICODE\x00":
        if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return body.decode("utf-16", errors="replace").strip("\x00 ")
        # Pick the byte order that yields more ASCII: for Latin text, UTF-16BE has the
        # zero byte first in each pair.
        even_zero = body[0::2].count(0)
        odd_zero = body[1::2].count(0)
        codec = "utf-16-be" if even_zero >= odd_zero else "utf-16-le"
        return body.decode(codec, errors="replace").strip("\x00 ")
    if head in (b"ASCII\x00\x00\x00", b"\x00" * 8, b"JIS\x00\x00\x00\x00\x00"):
        return body.decode("utf-8", errors="replace").strip("\x00 ")
    return raw[:MAX_FIELD].decode("utf-8", errors="replace").strip("\x00 ")


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        return value[:MAX_FIELD].decode("utf-8", errors="replace").strip("\x00 ")
    if isinstance(value, str):
        return value[:MAX_FIELD].strip("\x00 ")
    return None


def read_exif(box: Container) -> dict[str, str]:
    """Field name → text for the tags in TAGS plus UserComment; {} when absent/broken."""
    exif = Image.Exif()
    try:
        if box.exif_raw:
            exif.load(box.exif_raw)
        elif box.image is not None and box.fmt == "tiff":
            exif = box.image.getexif()
        else:
            return {}
    except Exception:  # malformed IFDs: keep nothing rather than fail the whole detect
        return {}
    fields: dict[str, str] = {}
    for tag, name in TAGS.items():
        try:
            text = _text(exif.get(tag))
        except Exception:
            text = None
        if text:
            fields[name] = text
    try:
        raw = exif.get_ifd(EXIF_IFD).get(USER_COMMENT)
    except Exception:
        raw = None
    if isinstance(raw, bytes) and raw.strip(b"\x00 "):
        comment = decode_user_comment(raw)
        if comment:
            fields["UserComment"] = comment
    elif isinstance(raw, str) and raw.strip("\x00 "):
        fields["UserComment"] = raw.strip("\x00 ")
    return fields
