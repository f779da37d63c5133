"""Generator metadata: what AUTOMATIC1111/Forge, ComfyUI, NovelAI, InvokeAI, Fooocus,
SwarmUI and Easy Diffusion write into PNG text chunks and EXIF.

A key alone is weak (anyone can name a chunk `prompt`), so the common keys are checked
for the generator's actual shape; only tool-specific key names count on their own.
SwarmUI writes one JSON object, `{"sui_image_params": {...}, "sui_extra_data": …,
"sui_models": […]}`, into PNG `parameters` (JPEG/WebP: EXIF UserComment): its settings sit
one level down, so the object is recognised by that tool-specific key, not by top-level
setting names.
"""

from __future__ import annotations

import json
import re
from typing import Any

from .model import HIGH, MEDIUM, Signal

_A1111_STEPS = re.compile(r"(?:^|[\n,]\s*)Steps:\s*\d+")
_A1111_MORE = re.compile(r"(?:^|[\n,]\s*)(?:Sampler|CFG scale|Seed|Size|Model hash):\s*\S")
# Keys written only by one generator family → high on their own.
_TOOL_KEYS = {
    "invokeai_metadata": "InvokeAI",
    "invokeai_graph": "InvokeAI",
    "invokeai_workflow": "InvokeAI",
    "sd-metadata": "InvokeAI (legacy)",
    "Dream": "InvokeAI (legacy)",
    "fooocus_scheme": "Fooocus",
    "sui_image_params": "SwarmUI",
    "negative_prompt": "Easy Diffusion",
}
_SD_JSON_KEYS = {
    "seed",
    "steps",
    "sampler",
    "sampler_name",
    "cfg",
    "cfg_scale",
    "guidance_scale",
    "negative_prompt",
    "base_model",
    "scheduler",
    "num_inference_steps",
    "model_hash",
    "uc",
    "scale",
    "noise_schedule",
    "performance",
    "styles",
}
_MAX_JSON = 4 * 1024 * 1024


def is_a1111(text: str) -> bool:
    """The A1111/Forge infotext shape: `Steps: N` plus another of its fields."""
    return bool(_A1111_STEPS.search(text) and _A1111_MORE.search(text))


def load_json(text: str) -> Any:
    """Parsed JSON or None (bounded; deep nesting just fails)."""
    if len(text) > _MAX_JSON or text.lstrip()[:1] not in ("{", "["):
        return None
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def is_comfy_prompt(obj: Any) -> bool:
    """ComfyUI API prompt: {node_id: {"class_type": str, "inputs": {...}}}."""
    if not isinstance(obj, dict) or not obj:
        return False
    nodes = [v for v in obj.values() if isinstance(v, dict)]
    return bool(nodes) and all(
        isinstance(n.get("class_type"), str) and isinstance(n.get("inputs"), dict) for n in nodes
    )


def is_comfy_workflow(obj: Any) -> bool:
    """ComfyUI UI workflow: {"nodes": [...], "links": [...], …}."""
    return (
        isinstance(obj, dict)
        and isinstance(obj.get("nodes"), list)
        and isinstance(obj.get("links"), list)
    )


def is_sd_json(obj: Any) -> bool:
    """A JSON settings dict with at least three Stable-Diffusion generation fields."""
    return isinstance(obj, dict) and len(_SD_JSON_KEYS.intersection(obj)) >= 3


def swarm_params(obj: Any) -> dict[str, Any] | None:
    """The `sui_image_params` object of SwarmUI's metadata JSON, else None."""
    if isinstance(obj, dict):
        params = obj.get("sui_image_params")
        if isinstance(params, dict):
            return params
    return None


def _swarm_detail(params: dict[str, Any]) -> str:
    """What SwarmUI declared, for the moderator: version and model when present."""
    parts = [
        f"{key} {_snippet(str(params[key]), 50)}"
        for key in ("swarm_version", "model")
        if isinstance(params.get(key), (str, int, float)) and str(params[key]).strip()
    ]
    named = f" ({', '.join(parts)})" if parts else ""
    return f"SwarmUI sui_image_params JSON{named}"


def _fooocus_hint(fields: dict[str, str], obj: Any) -> str:
    """' written by Fooocus (…)' when the EXIF says so: Fooocus puts its metadata scheme
    in MakerNote, `Fooocus v…` in Software and in its JSON's `version`."""
    found: list[str] = []
    scheme = fields.get("MakerNote", "")
    if scheme in ("fooocus", "a1111"):
        found.append(f"MakerNote scheme '{scheme}'")
    software = fields.get("Software", "")
    if software.lower().startswith("fooocus"):
        found.append(f"Software '{_snippet(software, 30)}'")
    version = obj.get("version") if isinstance(obj, dict) else None
    if isinstance(version, str) and version.lower().startswith("fooocus") and not found:
        found.append(f"version '{_snippet(version, 30)}'")
    return f" written by Fooocus ({', '.join(found)})" if found else ""


def _snippet(text: str, limit: int = 60) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def png_text_signals(text: list[tuple[str, str]]) -> list[Signal]:
    """Signals from PNG tEXt/zTXt/iTXt chunks."""
    keys = {k: v for k, v in reversed(text)}  # first occurrence wins
    out: list[Signal] = []
    for key in ("prompt", "workflow"):
        if key not in keys:
            continue
        obj = load_json(keys[key])
        if (is_comfy_prompt if key == "prompt" else is_comfy_workflow)(obj):
            shape = "node graph" if key == "prompt" else "workflow with nodes/links"
            out.append(Signal("comfyui", f"PNG text '{key}': ComfyUI {shape}", HIGH))
        elif key == "prompt" and not is_comfy_workflow(load_json(keys.get("workflow", ""))):
            out.append(
                Signal(
                    "png-parameters",
                    f"PNG text 'prompt' without ComfyUI's JSON shape: {_snippet(keys[key])}",
                    MEDIUM,
                )
            )
    if "parameters" in keys:
        value = keys["parameters"]
        obj = load_json(value)
        if is_a1111(value):
            out.append(
                Signal(
                    "png-parameters",
                    f"PNG text 'parameters' in AUTOMATIC1111/Forge format: {_snippet(value)}",
                    HIGH,
                )
            )
        elif swarm_params(obj) is not None:
            detail = _swarm_detail(swarm_params(obj) or {})
            out.append(Signal("png-parameters", f"PNG text 'parameters' holds {detail}", HIGH))
        elif is_sd_json(obj):
            tool = "Fooocus" if "fooocus_scheme" in keys else "a generator"
            out.append(Signal("png-parameters", f"PNG text 'parameters' JSON from {tool}", HIGH))
        else:
            out.append(
                Signal(
                    "png-parameters",
                    f"PNG text 'parameters' of unknown format: {_snippet(value)}",
                    MEDIUM,
                )
            )
    for key, tool in _TOOL_KEYS.items():
        if keys.get(key, "").strip():
            out.append(Signal("png-parameters", f"PNG text '{key}' written by {tool}", HIGH))
    software = keys.get("Software", "").strip()
    if software == "NovelAI" and is_sd_json(load_json(keys.get("Comment", ""))):
        out.append(
            Signal(
                "png-parameters",
                "PNG text Software 'NovelAI' with generation settings JSON in 'Comment'",
                HIGH,
            )
        )
    return out


def exif_signals(fields: dict[str, str]) -> list[Signal]:
    """Signals from EXIF: A1111/Fooocus/SwarmUI UserComment (either IFD), ComfyUI's WebP
    Make/Model."""
    out: list[Signal] = []
    for name in ("UserComment", "UserComment (IFD0)", "ImageDescription"):
        value = fields.get(name, "")
        if not value:
            continue
        obj = load_json(value)
        if is_a1111(value):
            out.append(
                Signal(
                    "exif",
                    f"EXIF {name} in AUTOMATIC1111/Forge format"
                    f"{_fooocus_hint(fields, None)}: {_snippet(value)}",
                    HIGH,
                )
            )
        elif swarm_params(obj) is not None:
            detail = _swarm_detail(swarm_params(obj) or {})
            out.append(Signal("exif", f"EXIF {name} holds {detail}", HIGH))
        elif is_sd_json(obj):
            hint = _fooocus_hint(fields, obj)
            out.append(Signal("exif", f"EXIF {name} holds generation settings JSON{hint}", HIGH))
    for name, key, check in (
        ("Model", "prompt", is_comfy_prompt),
        ("Make", "workflow", is_comfy_workflow),
    ):
        value = fields.get(name, "")
        if value.startswith(f"{key}:") and check(load_json(value[len(key) + 1 :])):
            out.append(Signal("comfyui", f"EXIF {name} '{key}:' ComfyUI JSON", HIGH))
    return out
