"""IPTC Digital Source Type and tool names from XMP packets.

A small scanner rather than an XML parser: packets come from hostile files (entity
expansion, namespace tricks) and we only need a few simple-valued properties, in any
prefix, as attribute (`p:Name="v"`), element (`<p:Name>v</p:Name>`), `rdf:resource` or
rdf:Alt/Seq/Bag form.
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


_ATTR_VALUE = re.compile(r"\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ELEMENT = re.compile(r"\b[^>]*?(/?)>")
_RESOURCE = re.compile(r"\brdf:resource\s*=\s*[\"']([^\"']*)[\"']")
_TEXT = re.compile(r"([^<]*)<")
_CONTAINER = re.compile(r"\s*<rdf:(Alt|Seq|Bag)\b[^>]*>(.*?)</rdf:\1\s*>", re.DOTALL)
_LI = re.compile(r"<rdf:li\b[^>]*>([^<]*)</rdf:li\s*>")
_PREFIX_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _opening(packet: str, colon: int) -> str:
    """The character before `prefix:` at `colon`: '<' for an element, space for an
    attribute, anything else (e.g. '/' of a closing tag) for neither."""
    i = colon
    while i > 0 and packet[i - 1] in _PREFIX_CHARS:
        i -= 1
    if i == colon or i == 0:
        return ""
    return packet[i - 1]


def _property_values(packet: str, local_name: str) -> list[str]:
    """All simple values of a property with this local name, whatever its prefix.

    Searches the literal `:Name` first (fast even on 100 KB packets), then parses in
    place; attribute, element, `rdf:resource` and rdf:Alt/Seq/Bag forms are read.
    """
    values: list[str] = []
    for hit in re.finditer(rf":{local_name}\b", packet):
        before, pos = _opening(packet, hit.start()), hit.end()
        if before.isspace():
            attr = _ATTR_VALUE.match(packet, pos)
            if attr:
                values.append(attr.group(1) if attr.group(1) is not None else attr.group(2))
        elif before == "<":
            tag = _ELEMENT.match(packet, pos)
            if not tag:
                continue
            resource = _RESOURCE.search(tag.group(0))
            if resource:
                values.append(resource.group(1))
            elif not tag.group(1):  # not self-closing: text or an rdf container follows
                box = _CONTAINER.match(packet, tag.end())
                if box:
                    values.extend(_LI.findall(box.group(2)))
                else:
                    text = _TEXT.match(packet, tag.end())
                    if text:
                        values.append(text.group(1))
        if len(values) > 64:
            break
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
