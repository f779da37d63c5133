"""An application to a listing on another server: a direct (private) reply to the listing.

Any app can send one (Mastodon's "mention only" reply to the listing post), so an
artist on any server applies without an account where the listing lives. Impasto sends
the same shape: a Note addressed to the poster only, `inReplyTo` the listing, the
message and the chosen works as links in the content (every app shows them) and as
`Link` attachments (so the receiver reads them without scraping HTML). Reading takes
links from `Link` attachments and from attached images (a Mastodon artist attaches
pictures of their work). Pure: no storage, no network.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from federation.joblisting import iso
from federation.vocab import as_list, audience, id_of, is_addressed_publicly

MAX_MESSAGE_CHARS = 20000  # the HTML as sent; the text shown is bounded again on arrival
MAX_LINKS = 20
MAX_URL = 2048


class ApplicationRejected(ValueError):
    """A reply that cannot be recorded as an application; the message is the reason."""


@dataclass
class ApplicationDoc:
    ap_id: str
    author: str
    listing: str
    message: str  # HTML as sent (sanitise before storing)
    links: list[str] = field(default_factory=list)


def application_to_note(*, ident: str, applicant_id: str, poster_id: str, poster_handle: str,
                        listing_id: str, listing_title: str, message_html: str,
                        works: list[tuple[str, str]], contact: str,
                        published: datetime | None) -> dict[str, Any]:
    """The direct reply that carries a local artist's application (without @context);
    `works` are (url, title) of the chosen works."""
    esc = html.escape
    mention = (f'<span class="h-card"><a href="{esc(poster_id, quote=True)}" '
               f'class="u-url mention">{esc(poster_handle)}</a></span>')
    parts = [f"<p>{mention} Application: {esc(listing_title)}</p>", message_html]
    if works:
        items = "".join(f'<li><a href="{esc(url, quote=True)}">{esc(title or url)}</a></li>'
                        for url, title in works)
        parts.append(f"<p>Works:</p><ul>{items}</ul>")
    if contact:
        parts.append(f"<p>Contact: {esc(contact)}</p>")
    doc: dict[str, Any] = {
        "id": ident,
        "type": "Note",
        "attributedTo": applicant_id,
        "inReplyTo": listing_id,
        "content": "".join(parts),
        "published": iso(published),
        "to": [poster_id],
        "cc": [],
        "tag": [{"type": "Mention", "href": poster_id, "name": poster_handle}],
        "attachment": [{"type": "Link", "href": url, "name": title or url} for url, title in works],
    }
    return {k: v for k, v in doc.items() if v is not None}


def _link(entry: Any) -> str | None:
    if not isinstance(entry, dict):
        return None
    kind = entry.get("type")
    value = entry.get("href") if kind == "Link" else entry.get("url")
    if isinstance(value, dict | list):
        value = next((v.get("href") for v in as_list(value) if isinstance(v, dict)), None)
    if not isinstance(value, str) or len(value) > MAX_URL:
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme in ("http", "https") and parts.hostname else None


def is_reply_to(obj: Any, listing_ids: set[str] | None = None) -> str | None:
    """The id this object replies to (None when it is no reply)."""
    if not isinstance(obj, dict):
        return None
    parent = id_of(obj.get("inReplyTo"))
    return parent if parent and (listing_ids is None or parent in listing_ids) else None


def parse_application(obj: Any, *, max_links: int = MAX_LINKS) -> ApplicationDoc:
    """The application a reply carries; raises ApplicationRejected with the reason for a
    public reply (a comment, not an application) or anything malformed."""
    if not isinstance(obj, dict) or obj.get("type") not in ("Note", "Article", "Page"):
        raise ApplicationRejected("not a Note")
    ident, author = id_of(obj), id_of(obj.get("attributedTo"))
    listing = is_reply_to(obj)
    if not ident or not author or not listing:
        raise ApplicationRejected("an application needs an id, attributedTo and inReplyTo")
    if is_addressed_publicly(obj):
        raise ApplicationRejected("a public reply to a listing is a comment, not an application")
    if not audience(obj):
        raise ApplicationRejected("the reply is addressed to nobody")
    message = obj.get("content")
    if not isinstance(message, str) or not message.strip():
        raise ApplicationRejected("the application has no message")
    if len(message) > MAX_MESSAGE_CHARS:
        raise ApplicationRejected(f"the message is longer than {MAX_MESSAGE_CHARS} characters")
    links = list(dict.fromkeys(link for link in map(_link, as_list(obj.get("attachment"))) if link))
    if len(links) > max_links:
        raise ApplicationRejected(f"more than {max_links} links")
    return ApplicationDoc(ap_id=ident, author=author, listing=listing, message=message,
                          links=links)


def answer_to_note(*, ident: str, poster_id: str, applicant_id: str, applicant_handle: str,
                   application_id: str, listing_title: str, text: str,
                   published: datetime | None) -> dict[str, Any]:
    """The poster's reply to an application from another server: a direct reply to the
    application's Note, addressed to the applicant only (without @context). `text` is
    plain text; the receiver shows it as the poster's reply."""
    esc = html.escape
    mention = (f'<span class="h-card"><a href="{esc(applicant_id, quote=True)}" '
               f'class="u-url mention">{esc(applicant_handle)}</a></span>')
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in text.split("\n\n") if p.strip())
    doc: dict[str, Any] = {
        "id": ident, "type": "Note", "attributedTo": poster_id, "inReplyTo": application_id,
        "content": f"<p>{mention} About your application: {esc(listing_title)}</p>{paragraphs}",
        "published": iso(published), "to": [applicant_id], "cc": [],
        "tag": [{"type": "Mention", "href": applicant_id, "name": applicant_handle}],
    }
    return {k: v for k, v in doc.items() if v is not None}
