"""IPTC Digital Source Type and tool names from XMP packets.

Regexes rather than an XML parser: packets come from hostile files (entity expansion,
namespace tricks) and we only need a few simple-valued properties, in any prefix, as
attribute (`p:Name="v"`), element (`<p:Name>v</p:Name>`) or `rdf:resource` form.
"""

from __future__ import annotations

import re

from .model import HIGH, Signal

IPTC_DST_PREFIXES = (
    "http://cv.iptc.org/newscodes/digitalsourcetype/",
    "https://cv.iptc.org/newscodes/digitalsourcetype/",
)
# Learned-model codes only: `algorithmicMedia` (procedural), `digitalCapture`,
# `softwareImage`, `compositeSynthetic`… are not declarations of generative AI.
AI_DST_CODES = {
    "trainedalgorithmicmedia": "trainedAlgorithmicMedia",
    "compositewithtrainedalgorithmicmedia": "compositeWithTrainedAlgorithmicMedia",
}


def ai_source_type(value: object) -> str | None:
    """The canonical AI code when `value` is an IPTC trained/composite DST URI, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    low = text.lower()
    for prefix in IPTC_DST_PREFIXES:
        if low.startswith(prefix):
            return AI_DST_CODES.get(low[len(prefix) :].strip("/"))
    return None


def _property_values(packet: str, local_name: str) -> list[str]:
    """All simple values of a property with this local name, whatever its prefix."""
    name = rf"[\w.-]+:{local_name}"
    patterns = (
        rf"\b{name}\s*=\s*\"([^\"]*)\"",
        rf"\b{name}\s*=\s*'([^']*)'",
        rf"<{name}\b[^>]*\brdf:resource\s*=\s*[\"']([^\"']*)[\"']",
        rf"<{name}\b[^>/]*>([^<]*)</",
        # rdf:Alt / rdf:Seq / rdf:Bag with rdf:li items
        rf"<{name}\b[^>/]*>\s*<rdf:(?:Alt|Seq|Bag)>(.*?)</rdf:",
    )
    values: list[str] = []
    for pattern in patterns:
        for m in re.finditer(pattern, packet, re.DOTALL):
            raw = m.group(1)
            if "<rdf:li" in raw:
                values.extend(re.findall(r"<rdf:li\b[^>]*>([^<]*)</rdf:li>", raw))
            else:
                values.append(raw)
    return [_unescape(v).strip() for v in values if v.strip()]


def _unescape(text: str) -> str:
    return (
        text.replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def dst_signals(packets: list[str]) -> list[Signal]:
    """High signal per XMP packet declaring a trained/composite-AI DigitalSourceType."""
    out: list[Signal] = []
    for packet in packets:
        for value in _property_values(packet, "DigitalSourceType"):
            code = ai_source_type(value)
            if code:
                out.append(Signal("iptc-xmp", f"XMP Iptc4xmpExt:DigitalSourceType {code}", HIGH))
    return out


# Properties naming the tool or credit line; searched by the free-text detector.
TOOL_PROPERTIES = ("CreatorTool", "Credit", "Software", "Source")


def tool_fields(packets: list[str]) -> list[tuple[str, str]]:
    """(`XMP <property>`, value) pairs for the free-text detector."""
    fields: list[tuple[str, str]] = []
    for packet in packets:
        for prop in TOOL_PROPERTIES:
            fields.extend((f"XMP {prop}", v) for v in _property_values(packet, prop))
    return fields
