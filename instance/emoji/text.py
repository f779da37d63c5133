"""`:shortcode:` in text: which ones a text uses (for entities and Emoji tags) and the
HTML that shows them as images — after the text is escaped or sanitised, so a shortcode
can never carry markup (only [a-zA-Z0-9_] can be one)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

SHORTCODE = re.compile(r"^[a-zA-Z0-9_]{2,64}$")
IN_TEXT = re.compile(r":([a-zA-Z0-9_]{2,64}):")


def shortcodes_in(*texts: str | None) -> set[str]:
    """The `:shortcode:` names used in `texts`."""
    return {m.group(1) for text in texts if text for m in IN_TEXT.finditer(text)}


def emoji_img(shortcode: str, url: str) -> str:
    """The <img> a shortcode shows as (shortcode and url escaped)."""
    return (f'<img class="custom-emoji" src="{escape(url)}" alt=":{escape(shortcode)}:" '
            f'title=":{escape(shortcode)}:" style="height:1.2em;width:auto;'
            f'vertical-align:middle" draggable="false">')


def replace_in_html(safe_html: str, known: Mapping[str, str]) -> Markup:
    """Replace `:shortcode:` in already-safe HTML (escaped or sanitised) by images, for
    the shortcodes in `known` (shortcode → served URL); others stay as text. Shortcodes
    inside tags' attributes are left alone (only text between tags is touched)."""
    if not known:
        return Markup(safe_html)
    parts = re.split(r"(<[^>]*>)", str(safe_html))
    for i, part in enumerate(parts):
        if part.startswith("<"):
            continue
        parts[i] = IN_TEXT.sub(
            lambda m: emoji_img(m.group(1), known[m.group(1)]) if m.group(1) in known
            else m.group(0), part)
    return Markup("".join(parts))


def emojify(value: object, known: Mapping[str | None, Mapping[str, str]] | None,
            domain: str | None) -> Markup:
    """A template value (safe HTML stays, text is escaped) with the `:shortcode:` of
    `domain`'s known emoji shown as images."""
    html = value if isinstance(value, Markup) else escape("" if value is None else str(value))
    return replace_in_html(str(html), (known or {}).get(domain) or {})


def known_for(rows: Iterable[Any], base: str = "") -> dict[str, str]:
    """shortcode → absolute URL for shown emoji rows (with an image)."""
    out: dict[str, str] = {}
    for row in rows:
        path = getattr(row, "image_path", None)
        if path and not getattr(row, "disabled", False):
            out[row.shortcode] = f"{base}{path}" if path.startswith("/") else path
    return out
