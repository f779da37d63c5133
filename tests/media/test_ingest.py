"""Safe decode: every refusal is a MediaRejected with a clear code and message."""

from __future__ import annotations

import io
import pickle
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from media.errors import MediaRejected
from media.ingest import decode, parse_claimed_type, sniff
from media.limits import MB, Limits


def encoded(fmt: str, size=(64, 48), mode="RGB", **save) -> bytes:
    rng = np.random.default_rng(1)
    channels = {"RGB": 3, "RGBA": 4, "L": 1}[mode]
    arr = rng.integers(0, 256, (size[1], size[0], channels), dtype=np.uint8)
    im = Image.fromarray(arr.squeeze() if channels == 1 else arr, mode)
    buf = io.BytesIO()
    im.save(buf, fmt, **save)
    return buf.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header_only(width: int, height: int, bit_depth=8, colour=0, idat=b"") -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def rejected(data: bytes, **kw) -> MediaRejected:
    with pytest.raises(MediaRejected) as info:
        decode(data, **kw)
    err = info.value
    assert err.message and err.message[0].isupper() and err.message.endswith(".")
    return err


# --- refusals ---------------------------------------------------------------------

def test_empty_file():
    err = rejected(b"")
    assert err.code == "empty"
    assert "empty" in err.message


def test_oversized_file_default_limit_is_40_mb():
    data = b"\xff\xd8\xff" + bytes(40 * MB)
    err = rejected(data)
    assert err.code == "too_large"
    assert "40.0 MB" in err.message


def test_oversized_file_configurable():
    err = rejected(encoded("PNG"), limits=Limits(max_bytes=100))
    assert err.code == "too_large"


def test_decompression_bomb_valid_png_refused_before_decoding():
    """A real, valid 9000×9000 1-bit PNG (~10 KB): 81 MP > 64 MP default."""
    row = b"\x00" + bytes(9000 // 8)
    data = png_header_only(9000, 9000, bit_depth=1, idat=zlib.compress(row * 9000, 9))
    assert len(data) < 100_000
    err = rejected(data)
    assert err.code == "too_many_pixels"
    assert "megapixels" in err.message


def test_bomb_refused_even_with_pillow_protection_disabled(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    err = rejected(png_header_only(16000, 16000, idat=zlib.compress(b"\x00" * 16001)))
    assert err.code == "too_many_pixels"


def test_absurd_declared_size_refused():
    err = rejected(png_header_only(100_000, 100_000, idat=zlib.compress(b"\x00" * 10)))
    assert err.code in {"too_many_pixels", "dimensions_too_large"}


def test_long_side_limit():
    err = rejected(encoded("PNG", size=(300, 10)), limits=Limits(max_side=256))
    assert err.code == "dimensions_too_large"
    assert "300×10" in err.message


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_file(fmt):
    data = encoded(fmt, size=(256, 256))
    err = rejected(data[: len(data) // 2])
    assert err.code == "truncated"
    assert "incomplete" in err.message


def test_truncated_jpeg_refused_even_if_pillow_loads_truncated_images(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = encoded("JPEG", size=(256, 256))
    assert rejected(data[:-200]).code == "truncated"


def test_jpeg_headers_only():
    data = encoded("JPEG", size=(64, 64))
    assert rejected(data[:40]).code == "truncated"


@pytest.mark.parametrize("claim", ["image/jpeg", "photo.JPG", ".jpeg", "jpg"])
def test_wrong_extension_or_content_type_refused(claim):
    err = rejected(encoded("PNG"), claimed_type=claim)
    assert err.code == "type_mismatch"
    assert repr(claim) in err.message and "PNG image" in err.message


def test_claim_of_unaccepted_type_refused():
    err = rejected(encoded("JPEG"), claimed_type="image/tiff")
    assert err.code == "type_mismatch"
    assert "JPEG image" in err.message


@pytest.mark.parametrize(
    ("data", "name"),
    [(b"II*\x00" + bytes(100), "TIFF"), (b"BM" + bytes(100), "BMP"),
     (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "SVG"), (b"%PDF-1.7\n" + bytes(50), "PDF")],
)
def test_known_but_unaccepted_formats_are_named(data, name):
    err = rejected(data)
    assert err.code == "unsupported_format"
    assert name in err.message and "JPEG, PNG, WebP, GIF, AVIF or HEIC" in err.message


def test_garbage_refused():
    err = rejected(b"<html><body>hello</body></html>", claimed_type="image/jpeg")
    assert err.code == "unsupported_format"


def test_corrupt_png_data():
    err = rejected(png_header_only(64, 64, idat=b"this is not zlib data at all"))
    assert err.code == "corrupt"
    assert "damaged" in err.message


def test_media_rejected_pickles_and_reads_well():
    err = MediaRejected("truncated", "The file is incomplete.")
    back = pickle.loads(pickle.dumps(err))
    assert (back.code, back.message) == ("truncated", "The file is incomplete.")
    assert str(back) == "The file is incomplete. [truncated]"


# --- accepted inputs -----------------------------------------------------------------

@pytest.mark.parametrize(
    ("fmt", "key", "claim"),
    [("JPEG", "jpeg", "image/jpeg"), ("PNG", "png", "a.png"), ("WEBP", "webp", "image/webp"),
     ("GIF", "gif", "image/gif"), ("AVIF", "avif", "x.avif"),
     ("JPEG", "jpeg", None), ("PNG", "png", "application/octet-stream"),
     ("JPEG", "jpeg", "image/jpeg; charset=binary")],
)
def test_decodes_supported_formats(fmt, key, claim):
    dec = decode(encoded(fmt), claimed_type=claim)
    assert (dec.format, dec.width, dec.height) == (key, 64, 48)
    assert dec.image.size == (64, 48)
    assert not dec.animated


def test_heic_via_pillow_heif():
    pillow_heif = pytest.importorskip("pillow_heif")
    im = Image.fromarray(np.full((48, 64, 3), 90, np.uint8))
    buf = io.BytesIO()
    try:
        pillow_heif.from_pillow(im).save(buf, format="HEIF")
    except Exception as exc:  # noqa: BLE001
        pytest.skip(f"this pillow-heif build cannot encode HEIC: {exc}")
    data = buf.getvalue()
    assert sniff(data) == "heic"
    dec = decode(data, claimed_type="IMG_0001.HEIC")
    assert (dec.format, dec.mime, dec.image.size) == ("heic", "image/heic", (64, 48))
    assert rejected(data, claimed_type="image/jpeg").code == "type_mismatch"


def test_animated_gif_first_frame_and_flag():
    frames = [Image.new("RGB", (32, 32), c) for c in ("red", "green", "blue")]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    dec = decode(buf.getvalue(), claimed_type="image/gif")
    assert dec.animated
    assert dec.image.convert("RGB").getpixel((5, 5)) == (255, 0, 0)


def test_large_jpeg_decodes_in_draft_mode_when_allowed():
    data = encoded("JPEG", size=(1200, 800))
    dec = decode(data, target_max_side=300)
    assert (dec.width, dec.height) == (1200, 800)  # declared size is kept
    assert dec.image.size == (300, 200)  # libjpeg decoded at 1/4 scale


def test_exif_orientation_is_read():
    exif = Image.Exif()
    exif[0x0112] = 6
    assert decode(encoded("JPEG", exif=exif)).orientation == 6
    assert decode(encoded("JPEG")).orientation == 1


def test_claim_parsing():
    assert parse_claimed_type(None) is None
    assert parse_claimed_type("application/octet-stream") is None
    assert parse_claimed_type("IMAGE/JPG") == {"jpeg"}
    assert parse_claimed_type("C:\\Users\\me\\Art.WebP") == {"webp"}
    assert parse_claimed_type("image/heif") == {"heic", "avif"}
    assert parse_claimed_type("text/html") == frozenset()
    assert parse_claimed_type("notes.txt") == frozenset()
