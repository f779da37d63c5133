"""C2PA (Content Credentials) manifests, read offline with c2pa-python.

Every manifest in the store is checked, ingredients included: ChatGPT's active manifest
has no actions and DALL-E's `trainedAlgorithmicMedia` sits in the ingredient. An AI claim
counts even from an untrusted signer (nobody forges a claim against themselves); the
signature state is still reported so a moderator can weigh it.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from .model import HIGH, Signal
from .xmp import ai_source_type

try:  # the wheel bundles a native library; keep detection alive without it
    import c2pa as _c2pa
except Exception:  # pragma: no cover - depends on the environment
    _c2pa = None

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


def read_store(data: bytes, mime: str | None) -> tuple[dict[str, Any], str] | None:
    """(manifest store JSON, validation state), or None when absent/unreadable."""
    if _c2pa is None or mime not in SUPPORTED:
        return None
    try:
        context = _c2pa.Context(_c2pa.Settings.from_dict(OFFLINE_SETTINGS))
        reader = _c2pa.Reader(mime, io.BytesIO(data), context=context)
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


def c2pa_signals(data: bytes, mime: str | None) -> list[Signal]:
    """Read the manifest store offline and report its AI declarations."""
    found = read_store(data, mime)
    if found is None:
        return []
    return manifest_signals(*found)
