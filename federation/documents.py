"""ActivityStreams documents of local things, built from plain values: the Note a work
federates as, the Person (or Application) an account federates as, activities, and paged
OrderedCollections. Pure builders, named by direction (`work_to_note`,
`account_to_person`): rows in, JSON out, no storage — so the views that serve a document
and the fan-out that sends it always agree. `outbox.documents` loads the rows."""

from __future__ import annotations

import mimetypes
from datetime import datetime
from typing import Any

from federation import licences
from federation.jsonld import outgoing_context
from federation.relme import field_html
from federation.vocab import AS2_CONTEXT, PUBLIC

MEDIA_TYPES = {"webp": "image/webp", "jpeg": "image/jpeg"}


def iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def addressing(visibility: str, followers_url: str, mentions: list[str]) -> tuple[list, list]:
    """(to, cc) for a visibility, as Mastodon addresses it."""
    if visibility == "public":
        return [PUBLIC], [followers_url, *mentions]
    if visibility == "unlisted":
        return [followers_url], [PUBLIC, *mentions]
    if visibility == "private":
        return [followers_url, *mentions], []
    return list(mentions), []


def media_to_image(media: Any, base_url: str) -> dict[str, Any] | None:
    """An Image attachment Mastodon shows: alt text, blurhash, focal point, size."""
    display = (media.variants or {}).get("display") or {}
    key = display.get("jpeg") or display.get("webp")
    if media.remote_url and not key:
        url, media_type = media.remote_url, media.original_type or "image/jpeg"
    elif key:
        url = f"{base_url}/media/{key}"
        media_type = MEDIA_TYPES["jpeg" if display.get("jpeg") else "webp"]
    else:
        return None
    doc: dict[str, Any] = {
        "type": "Image",
        "mediaType": media_type,
        "url": url,
        "name": media.description or None,
        "blurhash": media.blurhash,
        "focalPoint": [media.focus_x, media.focus_y],
        "width": display.get("width") or media.width,
        "height": display.get("height") or media.height,
    }
    if media.ai_label or media.provenance_verdict == "ai":
        doc["aiDeclaration"] = "generated"
    return {k: v for k, v in doc.items() if v is not None}


def emoji_tag(ident: str, shortcode: str, media_type: str, url: str,
              updated: datetime | None = None) -> dict[str, Any]:
    """A custom emoji as Mastodon tags it (`toot:Emoji`, in MASTODON_TERMS)."""
    doc: dict[str, Any] = {"id": ident, "type": "Emoji", "name": f":{shortcode}:",
                           "updated": iso(updated),
                           "icon": {"type": "Image", "mediaType": media_type, "url": url}}
    return {k: v for k, v in doc.items() if v is not None}


def work_to_note(
    work: Any,
    *,
    actor_id: str,
    followers_url: str,
    base_url: str,
    media: list[Any],
    tags: list[str],
    mentions: list[tuple[str, str]],  # (actor id, "@user@domain")
    in_reply_to: str | None,
    cloaked: bool,
    emoji: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The Note a work federates as (Mastodon shows it as a post with images). The
    licence goes as its deed IRI (`licence`, Impasto's context) and as a readable last
    line of the content, which servers that ignore the property still show."""
    mention_ids = [m[0] for m in mentions]
    to, cc = addressing(work.visibility, followers_url, mention_ids)
    tag_docs: list[dict[str, Any]] = [
        {"type": "Hashtag", "href": f"{base_url}/tags/{t}", "name": f"#{t}"} for t in tags
    ]
    tag_docs += [{"type": "Mention", "href": ident, "name": name} for ident, name in mentions]
    tag_docs += list(emoji or [])
    verdicts = {m.provenance_verdict for m in media}
    content = work.content + licences.content_line(work.licence)
    doc: dict[str, Any] = {
        "id": work.ap_id,
        "type": "Note",
        "attributedTo": actor_id,
        "name": work.title or None,
        "summary": work.summary or None,
        "sensitive": bool(work.sensitive or work.summary),
        "content": content,
        "published": iso(work.published_at or work.created_at),
        "updated": iso(work.edited_at),
        "url": work.url,
        "inReplyTo": in_reply_to,
        "to": to,
        "cc": cc,
        "tag": tag_docs,
        "attachment": [a for a in (media_to_image(m, base_url) for m in media) if a],
        "licence": licences.url_of(work.licence),
        "medium": work.medium or None,
        "tools": list(work.tools or []),
        "aiDeclaration": work.ai_declaration,
        "provenanceVerdict": "ai" if "ai" in verdicts else
        ("needs-review" if "needs-review" in verdicts else ("none" if media else None)),
        "cloaked": cloaked if media else None,
    }
    if work.language:
        doc["contentMap"] = {work.language: content}
    return {k: v for k, v in doc.items() if v is not None}

def _image(base_url: str, url: str | None) -> dict[str, Any] | None:
    if not url:
        return None
    if url.startswith("/"):
        url = base_url + url
    kind = mimetypes.guess_type(url.split("?", 1)[0])[0] or "image/jpeg"
    return {"type": "Image", "mediaType": kind, "url": url}


def account_to_person(
    account: Any, *, base_url: str, shared_inbox: str, collection_ids: list[str] | None = None,
    extra_fields: list[tuple[str, str]] | None = None, moved_to: str | None = None,
    emoji: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The actor document of a local account (without @context): Person for artists,
    Application for the instance actor, with every field Mastodon reads (publicKey,
    featured, sharedInbox, manuallyApprovesFollowers, discoverable, indexable, icon,
    image, PropertyValue attachments (the profile's fields, then `extra_fields` the server
    adds, such as the job board's availability), url, published, alsoKnownAs, and
    movedTo (`moved_to`, the new account's id) once the artist has moved."""
    ident = account.ap_id
    doc: dict[str, Any] = {
        "id": ident,
        "type": account.actor_type or "Person",
        "preferredUsername": account.username,
        "name": account.display_name or account.username,
        "summary": account.note or "",
        "url": account.url or ident,
        "inbox": account.inbox_url,
        "outbox": account.outbox_url,
        "followers": account.followers_url,
        "following": account.following_url,
        "featured": account.featured_url,
        "endpoints": {"sharedInbox": shared_inbox},
        "manuallyApprovesFollowers": bool(account.locked),
        "discoverable": bool(account.discoverable),
        "indexable": bool(account.indexable),
        "published": iso(account.created_at),
        "publicKey": {
            "id": account.public_key_id,
            "owner": ident,
            "publicKeyPem": account.public_key_pem,
        },
        "attachment": [
            {"type": "PropertyValue", "name": f.get("name", ""), "value": field_html(f.get("value", ""))}
            for f in (account.fields_json or []) if isinstance(f, dict)
        ] + [{"type": "PropertyValue", "name": name, "value": value}
             for name, value in extra_fields or []],
        "alsoKnownAs": list(account.also_known_as or []) or None,
        "movedTo": moved_to,
        "icon": _image(base_url, account.avatar_url),
        "image": _image(base_url, account.header_url),
        "streams": collection_ids or None,
        "tag": list(emoji) if emoji else None,
    }
    if account.actor_type == "Application":
        for name in ("followers", "following", "featured", "attachment", "streams"):
            doc.pop(name, None)
    return {k: v for k, v in doc.items() if v is not None}


def with_context(doc: dict[str, Any]) -> dict[str, Any]:
    return {"@context": outgoing_context(), **doc}


def activity(
    kind: str,
    ident: str,
    actor_id: str,
    obj: Any,
    *,
    to: list | None = None,
    cc: list | None = None,
    published: datetime | None = None,
) -> dict[str, Any]:
    doc: dict[str, Any] = {"id": ident, "type": kind, "actor": actor_id, "object": obj}
    if to is not None:
        doc["to"] = to
    if cc is not None:
        doc["cc"] = cc
    if published is not None:
        doc["published"] = iso(published)
    return with_context(doc)


def tombstone(ap_id: str) -> dict[str, Any]:
    return {"id": ap_id, "type": "Tombstone"}


def ordered_collection(ident: str, total: int, first: str | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": AS2_CONTEXT, "id": ident, "type": "OrderedCollection", "totalItems": total,
    }
    if first:
        doc["first"] = first
    return doc


def ordered_page(
    ident: str, part_of: str, items: list[Any], next_url: str | None
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": outgoing_context(),
        "id": ident,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    }
    if next_url:
        doc["next"] = next_url
    return doc
