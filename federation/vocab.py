"""ActivityStreams 2 helpers for the shapes peers really send.

Compacted AS2 is loose: `to` may be a string, an object or a list; Public has three
spellings; objects may be inlined or referenced by id. These helpers absorb that so
handlers can stay simple.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

AS2_CONTEXT = "https://www.w3.org/ns/activitystreams"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})

AP_CONTENT_TYPE = "application/activity+json"
LD_CONTENT_TYPE = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
AP_ACCEPT = f"{AP_CONTENT_TYPE}, {LD_CONTENT_TYPE}"

AUDIENCE_FIELDS = ("to", "cc", "bto", "bcc", "audience")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def as_list(value: Any) -> list[Any]:
    """None → [], a list → itself without Nones, anything else → [value]."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [v for v in value if v is not None]
    return [value]


def id_of(value: Any) -> str | None:
    """The id of an inlined object or a bare reference; None when there is none."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        found = value.get("id", value.get("@id"))
        return found if isinstance(found, str) and found else None
    return None


def ids_of(value: Any) -> list[str]:
    """Ids of every entry of a string/object/list field, in order, without blanks."""
    return [i for i in (id_of(v) for v in as_list(value)) if i]


def is_public(value: Any) -> bool:
    """True for any spelling of the Public collection."""
    return id_of(value) in PUBLIC_ALIASES


def audience(obj: dict[str, Any], fields: Iterable[str] = AUDIENCE_FIELDS) -> list[str]:
    """Every addressed id (to, cc, bto, bcc, audience), de-duplicated, Public normalised."""
    seen: dict[str, None] = {}
    for name in fields:
        for ident in ids_of(obj.get(name)):
            seen[PUBLIC if ident in PUBLIC_ALIASES else ident] = None
    return list(seen)


def is_addressed_publicly(obj: dict[str, Any]) -> bool:
    return PUBLIC in audience(obj)


def visibility(obj: dict[str, Any], followers_url: str | None = None) -> str:
    """Mastodon's reading: Public in `to` → public; in `cc` → unlisted; the author's
    followers collection addressed → private; otherwise direct."""
    if any(is_public(v) for v in as_list(obj.get("to"))):
        return "public"
    if any(is_public(v) for v in as_list(obj.get("cc"))):
        return "unlisted"
    if followers_url and followers_url in audience(obj):
        return "private"
    return "direct"


def without_blind_copies(activity: dict[str, Any]) -> dict[str, Any]:
    """A copy without `bto`/`bcc` (also inside an inlined object): never sent out."""
    out = {k: v for k, v in activity.items() if k not in ("bto", "bcc")}
    if isinstance(out.get("object"), dict):
        out["object"] = without_blind_copies(out["object"])
    return out


def origin(url: Any) -> tuple[str, str, int] | None:
    """(scheme, host, port) of a URL or of an object's id; None when it has none."""
    ident = id_of(url)
    return _origin(ident) if ident else None


@lru_cache(maxsize=4096)
def _origin(ident: str) -> tuple[str, str, int] | None:
    """Cached: each inbox POST asks for the same few actors' and keys' origins 8 times."""
    try:
        parts = urlsplit(ident)
        port = parts.port
    except ValueError:
        return None
    if not parts.scheme or not parts.hostname:
        return None
    scheme = parts.scheme.lower()
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS.get(scheme, 0)


def same_origin(a: Any, b: Any) -> bool:
    """Same scheme, host and port (ids or objects); never true when either has none."""
    first = origin(a)
    return first is not None and first == origin(b)


def host_of(url: Any) -> str | None:
    """Lower-cased host name of a URL or object id."""
    found = origin(url)
    return found[1] if found else None


def _media_ranges(header: str) -> Iterable[tuple[str, dict[str, str]]]:
    for part in header.split(","):
        pieces = [p.strip() for p in part.split(";")]
        params = {}
        for p in pieces[1:]:
            name, _, value = p.partition("=")
            params[name.strip().lower()] = value.strip().strip('"')
        yield pieces[0].lower(), params


def _is_as2_ld(mime: str, params: dict[str, str]) -> bool:
    profile = params.get("profile")
    return mime == "application/ld+json" and (profile is None or AS2_CONTEXT in profile.split())


def is_activitypub_accept(header: str | None) -> bool:
    """Does an Accept header ask for ActivityPub JSON (activity+json or AS2 ld+json)?"""
    for mime, params in _media_ranges(header or ""):
        if params.get("q", "1").strip() in ("0", "0.0", "0.00", "0.000"):
            continue
        if mime == AP_CONTENT_TYPE or _is_as2_ld(mime, params):
            return True
    return False


def is_activitypub_content_type(header: str | None) -> bool:
    """Is a Content-Type ActivityPub JSON? (Mastodon also accepts any ld+json profile.)"""
    for mime, _params in _media_ranges(header or ""):
        return mime in (AP_CONTENT_TYPE, "application/ld+json")
    return False


# Every type a handler or reader here looks at; a list-valued `type` reads as the first
# of its entries found here (as Mastodon does), else its first string.
KNOWN_TYPES = frozenset({
    "Accept", "Add", "Announce", "Block", "Create", "Delete", "Dislike", "Flag", "Follow",
    "Ignore", "Invite", "Join", "Leave", "Like", "Listen", "Move", "Offer", "Question",
    "Read", "Reject", "Remove", "TentativeAccept", "TentativeReject", "Undo", "Update",
    "View", "Application", "Group", "Organization", "Person", "Service", "Article", "Audio",
    "Document", "Event", "Image", "Note", "Page", "Place", "Profile", "Tombstone", "Video",
    "Link", "Mention", "Hashtag", "Emoji", "PropertyValue", "Collection",
    "OrderedCollection", "CollectionPage", "OrderedCollectionPage", "Key", "Multikey",
})
_AS_PREFIXES = ("as:", AS2_CONTEXT + "#")


def _bare_type(value: str) -> str:
    for prefix in _AS_PREFIXES:
        if value.startswith(prefix):
            return value[len(prefix):]
    return value


def first_type(value: Any) -> str | None:
    """One type name from a `type` value: a string (`as:Note` and the full AS2 IRI read as
    `Note`), or the first known entry of a list (else its first string)."""
    names = [_bare_type(v) for v in as_list(value) if isinstance(v, str) and v]
    return next((n for n in names if n in KNOWN_TYPES), names[0] if names else None)


def single_types(doc: Any, _depth: int = 0) -> Any:
    """`doc` with every object's `type` read by `first_type`, so handlers compare one
    string (a list type once crashed the inbox with a TypeError). Returns `doc` itself
    when nothing changes (the common case costs no copy)."""
    if _depth > 32 or not isinstance(doc, dict | list):
        return doc
    if isinstance(doc, list):
        items = [single_types(v, _depth + 1) for v in doc]
        return doc if all(a is b for a, b in zip(items, doc, strict=True)) else items
    out = {k: single_types(v, _depth + 1) for k, v in doc.items()}
    if "type" in out and not (isinstance(out["type"], str) and out["type"] in KNOWN_TYPES):
        out["type"] = first_type(out["type"])
    changed = any(out[k] is not v for k, v in doc.items())
    return out if changed else doc


def media_kind(media_type: str | None) -> str:
    """A Mastodon attachment type from a MIME type: image, video, audio or unknown."""
    major = (media_type or "").split("/", 1)[0].strip().lower()
    return major if major in ("image", "video", "audio") else "unknown"


def is_image_type(media_type: str | None) -> bool:
    return media_kind(media_type) == "image"
