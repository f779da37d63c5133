"""C2PA reading only where an embedded manifest store can be, with one Context per process.

c2pa-python walks a container through a Python callback per tiny read, so asking it about a
file without a manifest costs time in proportion to its chunks (PNG) or blocks (GIF); the
gate answers from the container we have already parsed. No timing is asserted: the tests
check who gets called, and that no manifest is lost on the shared fixtures.
"""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from media.provenance import c2pa as c2pa_mod
from media.provenance import detect
from media.provenance.c2pa import c2pa_signals, may_embed_manifest, read_store
from media.provenance.containers import read_container
from tests.rig.png import png_chunk, rechunk_png


def many_idat_png(size: int = 256) -> bytes:
    """A PNG cut into 256-byte IDAT chunks, the shape that made the reader slow."""
    out = io.BytesIO()
    Image.effect_noise((256, 256), 60).convert("RGB").save(out, "PNG", compress_level=1)
    return rechunk_png(out.getvalue(), size)


def encoded(fmt: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (10, 20, 30)).save(out, fmt)
    return out.getvalue()


def with_app11(jpeg: bytes, payload: bytes) -> bytes:
    """Insert an APP11 segment right after SOI, where c2pa-rs puts its JUMBF."""
    return jpeg[:2] + b"\xff\xeb" + struct.pack(">H", len(payload) + 2) + payload + jpeg[2:]


@pytest.fixture
def reader_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every construction of the native reader (the expensive part)."""
    calls: list[str] = []
    library = c2pa_mod._library()
    real = library.Reader

    def spy(mime: str, *args: object, **kwargs: object) -> object:
        calls.append(mime)
        return real(mime, *args, **kwargs)

    monkeypatch.setattr(library, "Reader", spy)
    return calls


@pytest.mark.parametrize(
    "data",
    [many_idat_png(), encoded("PNG"), encoded("JPEG"), encoded("GIF")],
    ids=["png-many-idat", "png", "jpeg", "gif"],
)
def test_reader_not_called_without_a_manifest_carrier(reader_calls: list[str], data: bytes) -> None:
    assert detect(data).verdict == "none"
    assert reader_calls == []


def test_reader_called_where_a_carrier_is(reader_calls: list[str]) -> None:
    """Garbage in a caBX chunk or an APP11 segment still goes to the reader (and reads
    as nothing, without raising)."""
    png = encoded("PNG")
    end = png.rindex(b"IEND") - 4
    cabx = png[:end] + png_chunk(b"caBX", b"\x00\x00\x00\x10jumbnot-a-store") + png[end:]
    assert c2pa_signals(cabx, "image/png") == []
    jpeg = with_app11(encoded("JPEG"), b"JP\x00\x01\x00\x00\x00\x01\x00\x00\x00\x10jumb")
    assert c2pa_signals(jpeg, "image/jpeg") == []
    gif = encoded("GIF") + b"\x00\x00\x00\x10jumb"
    assert c2pa_signals(gif, "image/gif") == []
    webp = encoded("WEBP")  # no gate for WebP: the reader is cheap there
    assert c2pa_signals(webp, "image/webp") == []
    assert reader_calls == ["image/png", "image/jpeg", "image/gif", "image/webp"]


def test_jpeg_gate_follows_markers_not_bytes() -> None:
    jpeg = encoded("JPEG")
    assert not may_embed_manifest(jpeg, "image/jpeg")
    # APP11 after the first scan header is outside the header C2PA writes: not looked for
    sos = jpeg.index(b"\xff\xda")
    late = jpeg[:sos] + b"\xff\xda\x00\x02" + b"\xff\xeb\x00\x04ab" + jpeg[sos:]
    assert not may_embed_manifest(late, "image/jpeg")
    assert may_embed_manifest(with_app11(jpeg, b"JP"), "image/jpeg")
    # a header we cannot follow goes to the reader; a cut header has nothing more
    assert may_embed_manifest(jpeg[:2] + b"\x00garbage" + jpeg[2:], "image/jpeg")
    assert not may_embed_manifest(jpeg[:3], "image/jpeg")


def test_png_gate_uses_the_chunks_already_walked() -> None:
    png = many_idat_png()
    box = read_container(png)
    assert b"IDAT" in box.png_chunk_types and b"caBX" not in box.png_chunk_types
    assert not may_embed_manifest(png, "image/png", box.png_chunk_types)
    assert may_embed_manifest(png, "image/png", box.png_chunk_types | {b"caBX"})


def test_gate_keeps_every_shared_manifest(shared_dir: Path) -> None:
    """No false negative on the real files: wherever the reader finds a store, the gate
    lets it look (and the 27 fixtures without C2PA are all gated out)."""
    folder = shared_dir / "fixtures" / "provenance"
    stores = gated_out = 0
    for path in sorted(folder.glob("*.*")):
        if path.suffix == ".tsv":
            continue
        data = path.read_bytes()
        box = read_container(data)
        if read_store(data, box.mime) is not None:
            stores += 1
            assert may_embed_manifest(data, box.mime, box.png_chunk_types or None), path.name
        elif box.mime != "image/webp":
            gated_out += not may_embed_manifest(data, box.mime, box.png_chunk_types or None)
    assert stores == 12
    assert gated_out == 27


def test_context_is_built_once_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[object] = []
    library = c2pa_mod._library()
    real = library.Context
    monkeypatch.setattr(c2pa_mod, "_context_cache", None)
    monkeypatch.setattr(library, "Context", lambda *a: built.append(a) or real(*a))
    jpeg = with_app11(encoded("JPEG"), b"JP")
    c2pa_signals(jpeg, "image/jpeg")
    c2pa_signals(jpeg, "image/jpeg")
    assert len(built) == 1
    monkeypatch.setattr(c2pa_mod.os, "getpid", lambda: -1)  # as in a forked child
    c2pa_signals(jpeg, "image/jpeg")
    assert len(built) == 2
    c2pa_mod._context(library).close()  # a closed Context is never handed out again
    assert c2pa_mod._context(library).is_valid
    assert len(built) == 3


def test_library_is_loaded_only_for_a_manifest_carrier(shared_dir: Path) -> None:
    """A process that only sees files without a manifest never loads c2pa-python."""
    fixture = shared_dir / "fixtures" / "provenance" / "c2pa_firefly_butterfly.jpg"
    script = f"""
import io, json, sys
from PIL import Image
from media.provenance import detect
out = io.BytesIO()
Image.new("RGB", (16, 16)).save(out, "PNG")
before = detect(out.getvalue()).verdict, "c2pa" in sys.modules
after = detect(open({str(fixture)!r}, "rb").read()).verdict, "c2pa" in sys.modules
print(json.dumps([before, after]))
"""
    preload = """
import json, sys
from media.provenance import preload_c2pa
from media.provenance import c2pa
print(json.dumps(["c2pa" in sys.modules, preload_c2pa(), c2pa._context_cache is not None]))
"""
    root = Path(__file__).resolve().parents[2]
    run = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True
    )
    assert json.loads(run.stdout) == [["none", False], ["ai", True]]
    run = subprocess.run(
        [sys.executable, "-c", preload], cwd=root, capture_output=True, text=True, check=True
    )
    assert json.loads(run.stdout) == [False, True, True]
