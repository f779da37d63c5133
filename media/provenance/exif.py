"""Pull the few EXIF fields generators write into, as text.

A1111/Forge put their parameters in UserComment (`UNICODE\\0` + UTF-16, byte order not
reliably the file's), ComfyUI's WebP saver abuses Make/Model for `workflow:`/`prompt:`.

UserComment and MakerNote belong in the Exif sub-IFD, but Fooocus writes them into IFD0
(`Image.Exif()[0x9286] = …` on the top-level directory, stored as ASCII), so both
directories are read; a value found in IFD0 is reported as `UserComment (IFD0)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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
MAKER_NOTE = 0x927C
MAX_FIELD = 4 * 1024 * 1024
MAX_SCHEME = 32  # a MakerNote is read as text only when it is a short label (Fooocus)


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
    """Field name → text for the tags in TAGS, UserComment (Exif sub-IFD, else IFD0 as
    `UserComment (IFD0)`) and a short-label MakerNote; {} when absent/broken."""
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
    sub_ifd: Mapping[int, Any]
    try:
        sub_ifd = exif.get_ifd(EXIF_IFD)
    except Exception:
        sub_ifd = {}
    for where, directory in (("", sub_ifd), (" (IFD0)", exif)):
        comment = _user_comment(_get(directory, USER_COMMENT))
        if comment and "UserComment" not in fields and "UserComment (IFD0)" not in fields:
            fields["UserComment" + where] = comment
        label = _short_label(_get(directory, MAKER_NOTE))
        if label and "MakerNote" not in fields:
            fields["MakerNote"] = label
    return fields


def _get(directory: Mapping[int, Any], tag: int) -> object:
    try:
        return directory.get(tag)
    except Exception:  # Pillow decodes lazily: a broken entry raises here
        return None


def _user_comment(raw: object) -> str | None:
    """UserComment as text: bytes carry the 8-byte charset prefix, while an ASCII-typed
    entry (how Pillow stores a str, e.g. Fooocus's) arrives as str."""
    if isinstance(raw, bytes) and raw.strip(b"\x00 "):
        return decode_user_comment(raw) or None
    if isinstance(raw, str) and raw.strip("\x00 "):
        return raw[:MAX_FIELD].strip("\x00 ")
    return None


def _short_label(raw: object) -> str | None:
    """A MakerNote that is a short printable label (Fooocus writes its metadata scheme,
    `fooocus` or `a1111`); camera maker notes are binary blobs and give None."""
    text = raw.decode("latin-1") if isinstance(raw, bytes) else raw
    if not isinstance(text, str):
        return None
    text = text.strip("\x00 ")
    if not text or len(text) > MAX_SCHEME or not text.isprintable():
        return None
    return text
