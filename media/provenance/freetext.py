"""Free-text tool names (EXIF Software, XMP CreatorTool/Credit, PNG Software/Source…).

Anyone can type these, and an artist may legitimately mention a tool, so a hit is only
ever medium confidence: a moderator looks, nothing is rejected on it.
"""

from __future__ import annotations

import re

from .model import MEDIUM, Signal

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("Stable Diffusion", r"\bstable[\s_-]?diffusion\b|\bSDXL\b"),
        ("Midjourney", r"\bmid[\s_-]?journey\b"),
        ("Google AI", r"\bmade with google ai\b|\bimagen\b|\bgemini\b"),
        ("DALL-E", r"\bdall[\W_]?e\b"),
        ("Adobe Firefly", r"\bfirefly\b"),
        ("NovelAI", r"\bnovel[\s_-]?ai\b"),
        ("ComfyUI", r"\bcomfy[\s_-]?ui\b"),
        ("AUTOMATIC1111", r"\bautomatic1111\b|\bstable-diffusion-webui\b"),
        ("Fooocus", r"\bfooocus\b"),
        ("InvokeAI", r"\binvoke[\s_-]?ai\b"),
        ("Leonardo.Ai", r"\bleonardo\.?ai\b"),
        ("Image Creator", r"\bimage creator from (?:designer|microsoft)\b|\bbing image creator\b"),
        ("Ideogram", r"\bideogram\b"),
        ("Runway", r"\brunwayml\b"),
        ("Flux", r"\bflux\.1\b|\bblack forest labs\b"),
        ("AI generated", r"\bAI[\s-]generated\b|\bgenerated (?:by|with) AI\b"),
    )
)
MAX_SCAN = 2048  # tool fields are short; long values are prompts or descriptions

# PNG text keys and EXIF fields that name a tool, not user prose.
PNG_KEYS = ("Software", "Source", "Title", "Credit", "Author", "Generator")
EXIF_FIELDS = ("Software", "Make", "Model", "Artist", "HostComputer")


def match_tool(value: str) -> str | None:
    """The AI tool name a short free-text value mentions, if any."""
    text = value[:MAX_SCAN]
    for name, pattern in _PATTERNS:
        if pattern.search(text):
            return name
    return None


def freetext_signals(fields: list[tuple[str, str]]) -> list[Signal]:
    """Medium `software-text` signal for each (where, value) naming an AI tool."""
    out: list[Signal] = []
    for where, value in fields:
        tool = match_tool(value)
        if tool:
            shown = " ".join(value.split())[:80]
            out.append(Signal("software-text", f"{where} '{shown}' mentions {tool}", MEDIUM))
    return out


def collect_fields(
    png_text: list[tuple[str, str]], exif: dict[str, str], xmp_fields: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The tool-naming fields of every container, labelled with where they were found."""
    fields = [(f"PNG text {k}", v) for k, v in png_text if k in PNG_KEYS]
    fields += [(f"EXIF {k}", exif[k]) for k in EXIF_FIELDS if exif.get(k)]
    fields += xmp_fields
    return fields
