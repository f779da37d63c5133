"""PNG containers shaped by hand: the chunk layouts tools really write (or attackers
craft), for tests and for bench/provenance.py."""

from __future__ import annotations

import struct
import zlib


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def rechunk_png(data: bytes, size: int) -> bytes:
    """The same PNG with its image data cut into IDAT chunks of `size` bytes."""
    pos, head, idat = 8, b"", b""
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            idat += data[pos + 8 : pos + 8 + length]
        elif kind != b"IEND":
            head += data[pos : pos + 12 + length]
        pos += 12 + length
    body = b"".join(png_chunk(b"IDAT", idat[i : i + size]) for i in range(0, len(idat), size))
    return data[:8] + head + body + png_chunk(b"IEND", b"")
