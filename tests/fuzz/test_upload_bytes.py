"""Property tests of the upload path's pure part (`media.pipeline.process_image` with the
real provenance reader, cloak off): any bytes — a valid image cut short, with bytes
flipped or chunks spliced in, a huge EXIF block, a polyglot with HTML or a zip appended,
a declared-size bomb, or plain garbage — give served variants or a `MediaRejected` with
a code and a sentence, never another exception."""

from __future__ import annotations

import io
import struct
import zlib

from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from media.errors import MediaRejected
from media.ingest import Limits
from media.pipeline import DetectProvenance, PipelineOptions, process_image
from tests.rig.fuzz import fuzz_settings


def _seed_images() -> dict[str, bytes]:
    """Small valid images of every accepted kind: the material the mutations start from."""
    picture = Image.new("RGB", (48, 32))
    picture.putdata([((x * 5) % 256, (y * 7) % 256, (x * y) % 256) for y in range(32) for x in range(48)])
    seeds = {}
    for fmt, mime in (("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"),
                      ("GIF", "image/gif")):
        out = io.BytesIO()
        picture.save(out, fmt)
        seeds[mime] = out.getvalue()
    exif = Image.Exif()
    exif[0x010E] = "x" * 60000  # ImageDescription: a 60 KB EXIF string
    out = io.BytesIO()
    picture.save(out, "JPEG", exif=exif.tobytes())
    seeds["image/jpeg+exif"] = out.getvalue()
    return seeds


SEEDS = _seed_images()


def _png_bomb(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(
            ">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00" * 256)) + chunk(b"IEND", b""))


def _mutate(data: bytes, cut: float, flips: list[tuple[float, int]], splice: tuple[float, bytes],
            tail: bytes) -> bytes:
    body = bytearray(data[: max(1, int(len(data) * cut))])
    for where, value in flips:
        body[int(where * (len(body) - 1))] = value
    at = int(splice[0] * len(body))
    return bytes(body[:at]) + splice[1] + bytes(body[at:]) + tail


POLYGLOT_TAILS = [b"", b"<html><script>alert(1)</script></html>",
                  b"PK\x03\x04" + b"\x00" * 26 + b"evil.txt", b"%PDF-1.4\n%%EOF", b"\x00" * 4096]
MUTATED = st.builds(
    _mutate,
    st.sampled_from(sorted(SEEDS.values(), key=len)),
    st.one_of(st.just(1.0), st.floats(0.0, 1.0)),
    st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=6),
    st.tuples(st.floats(0.0, 1.0), st.one_of(st.just(b""), st.binary(max_size=64),
                                             st.sampled_from([b"IDAT", b"\xff\xd9", b"\xff\xd8\xff",
                                                              b"RIFF", b"GIF89a"]))),
    st.sampled_from(POLYGLOT_TAILS),
)
BOMBS = st.builds(_png_bomb, st.integers(1, 70000), st.integers(1, 70000))
UPLOADS = st.one_of(MUTATED, BOMBS, st.binary(max_size=512))
CLAIMS = st.sampled_from([None, "image/png", "image/jpeg", "image/webp", "image/gif",
                          "application/octet-stream", "text/html", "image/png; charset=x", ""])
OPTIONS = PipelineOptions(limits=Limits())


@fuzz_settings(80)
@given(data=UPLOADS, claimed=CLAIMS)
def test_any_upload_bytes_are_served_or_refused_in_words(data, claimed):
    try:
        result = process_image(data, claimed_type=claimed, options=OPTIONS, cloak=None,
                               provenance=DetectProvenance())
    except MediaRejected as exc:
        assert exc.code and str(exc), exc
        return
    assert result.display.webp and result.thumbnail.jpeg, "an accepted upload is served"
