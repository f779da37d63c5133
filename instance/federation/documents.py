"""Actor documents: Person for artists, Application for the instance actor — with every
field Mastodon reads (publicKey, featured, sharedInbox, manuallyApprovesFollowers,
discoverable, indexable, icon, image, PropertyValue attachments, url, published)."""

from __future__ import annotations

import mimetypes
from typing import Any

from instance.services import Services
from instance.storage.models import Account
from outbox.documents import iso


def _image(services: Services, url: str | None) -> dict[str, Any] | None:
    if not url:
        return None
    if url.startswith("/"):
        url = services.config.base_url + url
    kind = mimetypes.guess_type(url.split("?", 1)[0])[0] or "image/jpeg"
    return {"type": "Image", "mediaType": kind, "url": url}


def actor_document(
    services: Services, account: Account, collection_ids: list[str] | None = None
) -> dict[str, Any]:
    """The actor document of a local account (without @context)."""
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
        "endpoints": {"sharedInbox": services.urls.shared_inbox},
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
            {"type": "PropertyValue", "name": f.get("name", ""), "value": f.get("value", "")}
            for f in (account.fields_json or []) if isinstance(f, dict)
        ],
        "alsoKnownAs": list(account.also_known_as or []) or None,
        "icon": _image(services, account.avatar_url),
        "image": _image(services, account.header_url),
        "streams": collection_ids or None,
    }
    if account.actor_type == "Application":
        for name in ("followers", "following", "featured", "attachment", "streams"):
            doc.pop(name, None)
    return {k: v for k, v in doc.items() if v is not None}
