"""What an artist typed → safe HTML, with hashtags and mentions found on the way.

Plain text in (paragraphs, line breaks, bare URLs, #tags, @user and @user@domain);
sanitised HTML out (nh3), the shape Mastodon itself produces so remote clients render it.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import nh3

from instance.urls import LocalUrls

ALLOWED_TAGS = {"p", "br", "a", "span"}
_TOKEN = re.compile(
    r"(?P<url>https?://[^\s<>\"']+)"
    r"|(?<![\w/@])#(?P<tag>[^\W_][\w]{0,99})"
    r"|(?<![\w/@])@(?P<user>[a-zA-Z0-9_.\-]{1,64})(?:@(?P<domain>[a-zA-Z0-9.\-]+(?::\d+)?))?"
)


@dataclass
class Rendered:
    html: str
    tags: list[str] = field(default_factory=list)  # lower-case, no '#', in order
    mentions: list[tuple[str, str | None]] = field(default_factory=list)  # (user, domain)


def find_mentions(text: str) -> list[tuple[str, str | None]]:
    found: dict[tuple[str, str | None], None] = {}
    for match in _TOKEN.finditer(text or ""):
        if match.group("user"):
            domain = match.group("domain")
            found[(match.group("user").lower(), domain.lower() if domain else None)] = None
    return list(found)


def render(
    text: str,
    base_url: str,
    mention_urls: dict[tuple[str, str | None], str] | None = None,
) -> Rendered:
    """Render `text`; `mention_urls` maps (user, domain) to the profile URL to link."""
    mention_urls = mention_urls or {}
    out = Rendered(html="")
    paragraphs = [p for p in re.split(r"\n\s*\n", (text or "").strip()) if p.strip()]
    parts: list[str] = []
    for paragraph in paragraphs:
        lines = [_render_line(line, base_url, mention_urls, out) for line in paragraph.split("\n")]
        parts.append("<p>" + "<br>".join(lines) + "</p>")
    out.html = sanitise("".join(parts))
    return out


def _render_line(line: str, base_url: str, mention_urls: dict, out: Rendered) -> str:
    pieces: list[str] = []
    last = 0
    for match in _TOKEN.finditer(line):
        pieces.append(html.escape(line[last : match.start()]))
        last = match.end()
        if match.group("url"):
            url = match.group("url").rstrip(".,;:!?)")
            trailing = match.group("url")[len(url) :]
            shown = html.escape(re.sub(r"^https?://", "", url))
            pieces.append(f'<a href="{html.escape(url)}" rel="nofollow noopener">{shown}</a>')
            pieces.append(html.escape(trailing))
        elif match.group("tag"):
            tag = match.group("tag")
            if tag.lower() not in out.tags:
                out.tags.append(tag.lower())
            href = LocalUrls(base_url).tag(tag.lower())
            pieces.append(f'<a href="{href}" class="mention hashtag" rel="tag">'
                          f"#<span>{html.escape(tag)}</span></a>")
        else:
            key = (match.group("user").lower(), (match.group("domain") or "").lower() or None)
            if key not in out.mentions:
                out.mentions.append(key)
            url = mention_urls.get(key)
            if url:
                pieces.append(
                    f'<span class="h-card"><a href="{html.escape(url)}" class="u-url mention">'
                    f"@<span>{html.escape(key[0])}</span></a></span>"
                )
            else:
                pieces.append(html.escape(match.group(0)))
    pieces.append(html.escape(line[last:]))
    return "".join(pieces)


def sanitise(markup: str) -> str:
    """The one HTML cleaner for what we store and send (remote content included)."""
    return nh3.clean(
        markup or "",
        tags=ALLOWED_TAGS | {"em", "strong", "i", "b", "u", "del", "s", "blockquote", "code",
                             "pre", "ul", "ol", "li"},
        attributes={"a": {"href", "class", "rel"}, "span": {"class"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )
