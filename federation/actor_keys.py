"""Finding a signing key in what a key id dereferences to — the pure half of a
key resolver (the fetching half lives with the caller, which owns the client/cache).

Shapes met in the wild: Mastodon/Pixelfed/bovine `actor#main-key` / `#serverKey` (the
actor document embeds `publicKey`), GoToSocial `actor/main-key` (a stub actor with
`publicKey`), a bare actor URL as key id, FEP-521a `assertionMethod` Multikeys
(Fedify's Ed25519 keys), and standalone key documents naming an `owner`/`controller`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from federation.signatures import PublicKeyInfo
from federation.vocab import as_list, id_of, same_origin


@dataclass(frozen=True)
class FoundKey:
    """`confirmed` is True when the key sits in its owner's own actor document, fetched
    from the owner's origin; otherwise fetch the owner and call `find_key` on it."""

    info: PublicKeyInfo
    confirmed: bool


def key_fetch_url(key_id: str) -> str:
    """What to GET for a key id: the URL without its fragment."""
    return key_id.split("#", 1)[0]


def find_key(doc: Any, key_id: str, fetched_from: str) -> FoundKey | None:
    """The key `key_id` in `doc` (fetched from `fetched_from`), or None. A key is only
    ever found for an actor on its own origin: an actor listing a key id of another host
    (or a key document naming an owner elsewhere) finds nothing."""
    if not isinstance(doc, dict) or not same_origin(key_id, fetched_from):
        return None
    doc_id = id_of(doc)
    if not doc_id or not same_origin(doc_id, fetched_from):
        return None
    embedded = _embedded(doc, doc_id, key_id)
    if embedded is not None:
        return FoundKey(PublicKeyInfo(doc_id, embedded), confirmed=True)
    if doc_id == key_id:  # a standalone key document
        material = doc.get("publicKeyPem") or doc.get("publicKeyMultibase")
        owner = id_of(doc.get("owner")) or id_of(doc.get("controller"))
        if isinstance(material, str) and owner and same_origin(owner, key_id):
            return FoundKey(PublicKeyInfo(owner, material), confirmed=False)
    return None


def _embedded(actor: dict[str, Any], actor_id: str, key_id: str) -> str | None:
    candidates: list[tuple[str | None, str | None, Any]] = []
    for entry in as_list(actor.get("publicKey")):
        if isinstance(entry, dict):
            owner = id_of(entry.get("owner")) or actor_id
            candidates.append((id_of(entry), owner, entry.get("publicKeyPem")))
    for entry in as_list(actor.get("assertionMethod")):
        if isinstance(entry, dict):
            owner = id_of(entry.get("controller")) or actor_id
            candidates.append((id_of(entry), owner, entry.get("publicKeyMultibase")))
    usable = [(kid, m) for kid, owner, m in candidates if owner == actor_id and isinstance(m, str)]
    for kid, material in usable:
        if kid == key_id:
            return material
    pems = [m for kid, m in usable if m.startswith("-----BEGIN")]
    if key_id == actor_id and len(pems) == 1:  # bare actor URL as key id
        return pems[0]
    return None
