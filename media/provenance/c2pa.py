"""C2PA (Content Credentials) manifests, read offline with c2pa-python.

Every manifest in the store is checked, ingredients included: ChatGPT's active manifest
has no actions and DALL-E's `trainedAlgorithmicMedia` sits in the ingredient. An AI claim
counts even from an untrusted signer (nobody forges a claim against themselves); the
signature state is still reported so a moderator can weigh it.

Why we look before asking c2pa-python: its native reader walks the container through
Python callbacks (ctypes), one or two tiny reads and a seek per PNG chunk or GIF block,
and it reads a JPEG whole twice, all before it can say "no manifest". A 12 MP PNG with
libpng's 8 KB IDAT chunks cost ~200 ms that way, a 50 000-chunk PNG about a second. So
the reader is only called where an embedded manifest store can be: a PNG `caBX` chunk
(from the chunk walk `containers` already made), a JPEG APP11 segment before the first
scan, the JUMBF box type `jumb` in a GIF; other formats are cheap for it and always read.
The library is imported on first need and its offline Context built once per process,
not per file.
"""

from __future__ import annotations

import io
import json
import os
import re
import threading
from typing import Any

from .containers import png_chunks
from .model import HIGH, Signal
from .xmp import ai_source_type

OFFLINE_SETTINGS = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}
SUPPORTED = {
    "image/jpeg",
    "image/png",
    "image/webp",
    "image/gif",
    "image/tiff",
    "image/heif",
    "image/avif",
    "image/jxl",
}
# Bing Image Creator declares no source type, only this free-text action description.
_AI_DESCRIPTION = re.compile(r"\bAI[- ]generated\b", re.IGNORECASE)
_MAX_DEPTH = 12
_MAX_JPEG_SEGMENTS = 4096  # past that, let the reader decide
_NOT_LOADED = object()
_library_cache: Any = _NOT_LOADED
_context_cache: tuple[int, Any] | None = None
_lock = threading.Lock()


def _library() -> Any:
    """c2pa-python, imported on first need, or None without it. Loading it (a 23 MB
    native library) costs 35-70 ms, which a process that never meets a manifest
    should not pay."""
    global _library_cache
    with _lock:
        if _library_cache is _NOT_LOADED:
            try:  # the wheel bundles a native library; keep detection alive without it
                import c2pa

                _library_cache = c2pa
            except Exception:  # pragma: no cover - depends on the environment
                _library_cache = None
        return _library_cache


def preload() -> bool:
    """Load c2pa-python and build the offline Context now, so that the first upload with a
    manifest does not pay for it (for a worker's initializer); False without the library."""
    library = _library()
    if library is None:
        return False
    _context(library)
    return True


def _context(library: Any) -> Any:
    """The offline Context of this process, rebuilt after a fork (c2pa refuses handles
    made in another process) or if it was ever closed."""
    global _context_cache
    with _lock:
        cached = _context_cache
        if cached is None or cached[0] != os.getpid() or not cached[1].is_valid:
            settings = library.Settings.from_dict(OFFLINE_SETTINGS)
            _context_cache = (os.getpid(), library.Context(settings))
        return _context_cache[1]


def _jpeg_has_app11(data: bytes) -> bool:
    """An APP11 segment (C2PA's JUMBF carrier) among the markers before the first scan;
    True as well when the header cannot be followed, so the reader decides then."""
    pos = 2
    for _ in range(_MAX_JPEG_SEGMENTS):
        if pos + 4 > len(data):
            return False  # header ends before any scan: nothing more to find
        if data[pos] != 0xFF:
            return True
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker == 0x01 or 0xD0 <= marker <= 0xD8:  # no length field
            pos += 2
        elif marker in (0xDA, 0xD9):  # SOS / EOI: the header is over
            return False
        elif marker == 0xEB:
            return True
        else:
            pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    return True


def may_embed_manifest(
    data: bytes, mime: str | None, png_chunk_types: frozenset[bytes] | None = None
) -> bool:
    """False only where the container shows no place for an embedded manifest store.
    `png_chunk_types` saves walking a PNG again when the caller already has its chunks."""
    if mime == "image/png":
        if png_chunk_types is None:
            png_chunk_types = frozenset(kind for kind, _ in png_chunks(data))
        return b"caBX" in png_chunk_types
    if mime == "image/jpeg":
        return _jpeg_has_app11(data)
    if mime == "image/gif":
        return b"jumb" in data
    return True


def read_store(data: bytes, mime: str | None) -> tuple[dict[str, Any], str] | None:
    """(manifest store JSON, validation state), or None when absent/unreadable."""
    library = _library() if mime in SUPPORTED else None
    if library is None:
        return None
    try:
        reader = library.Reader(mime, io.BytesIO(data), context=_context(library))
        try:
            store = json.loads(reader.json())
            state = str(reader.get_validation_state() or "")
        finally:
            reader.close()
    except Exception:  # ManifestNotFound, NotSupported, parse errors: nothing declared
        return None
    return (store, state) if isinstance(store, dict) else None


def _agent(action: dict[str, Any]) -> str:
    agent = action.get("softwareAgent")
    if isinstance(agent, dict):
        agent = agent.get("name")
    return agent[:80] if isinstance(agent, str) else ""


def _where(label: str, active: str | None, agent: str, state: str) -> str:
    parts = ["active manifest" if label == active else "ingredient manifest"]
    if agent:
        parts.append(f"softwareAgent {agent}")
    if state:
        parts.append(f"validation {state}")
    return ", ".join(parts)


def _action_findings(action: dict[str, Any]) -> list[str]:
    """What in one action declares AI, as phrases (empty when nothing does)."""
    name = action.get("action", "?")
    found: list[str] = []
    code = ai_source_type(action.get("digitalSourceType"))
    if code:
        found.append(f"C2PA action {name} digitalSourceType {code}")
    params = action.get("parameters")
    if isinstance(params, dict):
        for key, value in params.items():
            code = ai_source_type(value)
            if code and str(key).lower().endswith("digitalsourcetype"):
                found.append(f"C2PA action {name} parameter {key} {code}")
    description = action.get("description")
    if isinstance(description, str) and _AI_DESCRIPTION.search(description):
        found.append(f'C2PA action {name} description "{description[:80]}"')
    return found


def _nested_dst(value: Any, depth: int = 0) -> str | None:
    """A trained/composite DST anywhere in a non-action assertion (e.g. stds.iptc)."""
    if depth > _MAX_DEPTH:
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if str(key).lower().endswith("digitalsourcetype") and ai_source_type(item):
                return ai_source_type(item)
            found = _nested_dst(item, depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for item in value[:1000]:
            found = _nested_dst(item, depth + 1)
            if found:
                return found
    return None


def manifest_signals(store: dict[str, Any], state: str = "") -> list[Signal]:
    """High signals for every AI declaration in any manifest of the store."""
    manifests = store.get("manifests")
    if not isinstance(manifests, dict):
        return []
    active = store.get("active_manifest")
    out: list[Signal] = []
    for label, manifest in manifests.items():
        assertions = manifest.get("assertions") if isinstance(manifest, dict) else None
        for assertion in assertions if isinstance(assertions, list) else []:
            if not isinstance(assertion, dict):
                continue
            kind = str(assertion.get("label", ""))
            data = assertion.get("data")
            if kind.startswith("c2pa.actions") and isinstance(data, dict):
                actions = data.get("actions")
                for action in actions if isinstance(actions, list) else []:
                    if not isinstance(action, dict):
                        continue
                    where = _where(label, active, _agent(action), state)
                    out.extend(
                        Signal("c2pa", f"{phrase} ({where})", HIGH)
                        for phrase in _action_findings(action)
                    )
            else:
                code = _nested_dst(data)
                if code:
                    where = _where(label, active, "", state)
                    out.append(
                        Signal("c2pa", f"C2PA {kind} digitalSourceType {code} ({where})", HIGH)
                    )
    return out


def c2pa_signals(
    data: bytes, mime: str | None, png_chunk_types: frozenset[bytes] | None = None
) -> list[Signal]:
    """Read the manifest store offline, where one can be, and report its AI declarations."""
    if not may_embed_manifest(data, mime, png_chunk_types):
        return []
    found = read_store(data, mime)
    if found is None:
        return []
    return manifest_signals(*found)
