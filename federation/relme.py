"""Profile links and `rel="me"`, the way Mastodon verifies them: a profile field whose value
is a bare http(s) URL is shown and sent as a link with rel="me", and it counts as verified
when the page it names links back to the profile with rel="me" (an `<a>` or a `<link>`).
Pure: the fetching is the caller's."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape, unescape
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

MAX_URL = 2048
LINK_REL = "me nofollow noopener noreferrer"


def field_url(value: str | None) -> str | None:
    """The URL a profile field's value is, when it is one bare http(s) URL (stored field
    text is HTML-escaped, so it is unescaped first); else None."""
    text = unescape(value or "").strip()
    if (
        not text.lower().startswith(("https://", "http://"))
        or len(text) > MAX_URL
        or any(c.isspace() or c in '<>"' for c in text)
        or not urlsplit(text).hostname
    ):
        return None
    return text


def field_html(value: str) -> str:
    """A field's value as sent in a Person's PropertyValue: a link with rel="me" when it is
    a URL (as Mastodon sends it, so other servers show it clickable and can verify it)."""
    url = field_url(value)
    if url is None:
        return value
    return f'<a href="{escape(url)}" rel="{LINK_REL}" target="_blank">{escape(url, quote=False)}</a>'


class _RelMeLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ("a", "link"):
            return
        values = dict(attrs)
        rel = (values.get("rel") or "").lower().split()
        href = (values.get("href") or "").strip()
        if "me" in rel and href:
            self.hrefs.append(href)


def rel_me_links(html: str, page_url: str) -> list[str]:
    """Every rel="me" link of a page, made absolute against the page's URL."""
    parser = _RelMeLinks()
    parser.feed(html)
    parser.close()
    return [urljoin(page_url, href) for href in parser.hrefs]


def _same(url: str) -> str:
    parts = urlsplit(url.strip())
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def links_back(html: str, page_url: str, profile_urls: Iterable[str]) -> bool:
    """Whether the page links back to one of the profile's URLs with rel="me" (scheme and
    host compared case-blind, a trailing slash ignored, the query and fragment ignored)."""
    wanted = {_same(u) for u in profile_urls if u}
    return any(_same(href) in wanted for href in rel_me_links(html, page_url))
