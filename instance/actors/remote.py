"""Remote actors in storage: fetch (signed, from the instance actor), cache in Account,
and the key resolver the inbox and authorized fetch verify signatures with."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from tortoise.exceptions import IntegrityError

from federation.actor_keys import find_key, key_fetch_url
from federation.client import FetchError
from federation.discovery import DiscoveryError, parse_jrd
from federation.jsonld import JsonLdError, normalize
from federation.remote_urls import first_http_url
from federation.signatures import PublicKeyInfo
from federation.vocab import as_list, id_of, same_origin
from instance.actors import key_cache
from instance.actors.instance_actor import instance_signer
from instance.actors.lookup import LookupRefused, refuse_if_suspended, webfinger, words_for
from instance.attachments.remote_profiles import cache_profile_images
from instance.emoji.remote import remember_emoji
from instance.moderation.gate import domain_of, url_is_suspended
from instance.moderation.instances import meet_domain
from instance.services import Services
from instance.storage.models import Account
from instance.text import sanitise
from instance.translation import gettext as _

log = logging.getLogger("impasto.federation")

ACTOR_TYPES = frozenset({"Person", "Service", "Application", "Group", "Organization"})


class ActorError(Exception):
    """A remote actor cannot be fetched or is not usable."""


async def fetch_document(services: Services, url: str) -> Any:
    """GET an ActivityPub document, signed by the instance actor; refuses suspended
    domains. Raises FetchError/ActorError."""
    if await url_is_suspended(services, url):
        raise ActorError(f"{domain_of(url)} is suspended")
    doc = await services.http.fetch_json(url, signer=await instance_signer(services))
    if not isinstance(doc, dict):
        raise ActorError(f"{url} is not a JSON object")
    try:
        return normalize(doc)
    except JsonLdError as exc:
        raise ActorError(f"{url}: {exc}") from exc


def _fields(doc: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for entry in as_list(doc.get("attachment")):
        if isinstance(entry, dict) and entry.get("type") == "PropertyValue":
            out.append({"name": str(entry.get("name", ""))[:255],
                        "value": sanitise(str(entry.get("value", "")))})
    return out[:16]


def _key(doc: dict[str, Any], actor_id: str) -> tuple[str | None, str | None]:
    for entry in as_list(doc.get("publicKey")):
        if isinstance(entry, dict) and isinstance(entry.get("publicKeyPem"), str):
            owner = id_of(entry.get("owner")) or actor_id
            if owner == actor_id and same_origin(id_of(entry), actor_id):
                return id_of(entry), entry["publicKeyPem"]
    return None, None


def _derived(key_id: str, actor_id: str) -> bool:
    """A key id spelled from the actor's own id (`actor#main-key`, `actor/main-key`)."""
    return key_id == actor_id or key_id.startswith((actor_id + "#", actor_id.rstrip("/") + "/"))


async def _claim_key(key_id: str, actor_id: str) -> None:
    """A key already held by another actor moves only to an actor whose own id it is
    spelled from (the actor re-created under a new id); any other claim is refused, so
    one actor on a host cannot take over another's key by listing it."""
    holder = await Account.filter(public_key_id=key_id).exclude(ap_id=actor_id).first()
    if holder is None:
        return
    if not _derived(key_id, actor_id):
        raise ActorError(f"{actor_id} claims the key {key_id} of {holder.ap_id}")
    await Account.filter(id=holder.id).update(public_key_id=None)
    key_cache.drop(key_id, owner=holder.ap_id)


async def store_actor(doc: dict[str, Any], fetched_from: str,
                      services: Services | None = None) -> Account:
    """Create or update the Account for an actor document fetched from `fetched_from`;
    with `services`, its new avatar and header are queued to be fetched and cached."""
    stored = await _store_actor(doc, fetched_from)
    key_cache.drop(stored.public_key_id, owner=stored.ap_id)  # its key may have changed
    if services is not None:
        await cache_profile_images(services, stored)
        await remember_emoji(services, stored, doc)
    return stored


async def _store_actor(doc: dict[str, Any], fetched_from: str) -> Account:
    actor_id = id_of(doc)
    if not actor_id or not same_origin(actor_id, fetched_from):
        raise ActorError(f"actor id {actor_id!r} does not match where it came from")
    if doc.get("type") not in ACTOR_TYPES:
        raise ActorError(f"{actor_id} is a {doc.get('type')!r}, not an actor")
    declared_endpoints = doc.get("endpoints")
    endpoints = declared_endpoints if isinstance(declared_endpoints, dict) else {}
    key_id, pem = _key(doc, actor_id)
    username = str(doc.get("preferredUsername") or actor_id.rstrip("/").rsplit("/", 1)[-1])
    values: dict[str, Any] = dict(
        username=username[:255],
        domain=domain_of(actor_id),
        actor_type=str(doc.get("type")),
        display_name=str(doc.get("name") or "")[:255],
        note=sanitise(str(doc.get("summary") or "")),
        url=first_http_url(doc.get("url"), "url", actor_id) or actor_id,
        inbox_url=id_of(doc.get("inbox")),
        shared_inbox_url=id_of(endpoints.get("sharedInbox")),
        outbox_url=id_of(doc.get("outbox")),
        followers_url=id_of(doc.get("followers")),
        following_url=id_of(doc.get("following")),
        featured_url=id_of(doc.get("featured")),
        public_key_id=key_id,
        public_key_pem=pem,
        avatar_remote_url=first_http_url(doc.get("icon"), "icon", actor_id),
        header_remote_url=first_http_url(doc.get("image"), "image", actor_id),
        fields_json=_fields(doc),
        also_known_as=[i for i in (id_of(a) for a in as_list(doc.get("alsoKnownAs"))) if i],
        locked=bool(doc.get("manuallyApprovesFollowers")),
        bot=doc.get("type") in ("Service", "Application"),
        discoverable=bool(doc.get("discoverable", False)),
        indexable=bool(doc.get("indexable", False)),
        fetched_at=datetime.now(UTC),
    )
    if key_id:  # never two rows claiming one key
        await _claim_key(key_id, actor_id)
    account = await Account.get_or_none(ap_id=actor_id)
    if account is not None:
        if account.domain is None:
            raise ActorError(f"{actor_id} is a local actor")
        for field in ("avatar", "header"):  # a new image: the placeholder until it is cached
            if getattr(account, f"{field}_remote_url") != values[f"{field}_remote_url"]:
                values[f"{field}_url"] = None
        await Account.filter(id=account.id).update(**values)
        await account.refresh_from_db()
        return account
    try:
        return await Account.create(ap_id=actor_id, **values)
    except IntegrityError:
        # Same name and domain under a new id (the peer re-created the actor): take it over.
        await Account.filter(username=values["username"], domain=values["domain"]).update(
            ap_id=actor_id, avatar_url=None, header_url=None,  # not the old actor's images
            **{k: v for k, v in values.items() if k not in ("username", "domain")}
        )
        return await Account.get(ap_id=actor_id)


async def get_actor(services: Services, actor_id: str, *, refresh: bool = False) -> Account:
    """The Account for `actor_id`: local, cached, or fetched now."""
    account = await Account.get_or_none(ap_id=actor_id)
    if account is not None and (account.domain is None or (account.inbox_url and not refresh)):
        return account
    try:
        doc = await fetch_document(services, actor_id)
    except FetchError as exc:
        raise ActorError(str(exc)) from exc
    stored = await store_actor(doc, actor_id, services)
    await meet_domain(services, stored.domain)
    return stored


async def resolve_key(services: Services, key_id: str, refresh: bool) -> PublicKeyInfo | None:
    """The key resolver for signature checks: cached first, then fetched (once more
    with `refresh`). Only returns a key its owner's own document lists. Keys found are
    kept in `key_cache`; `refresh` (the key did not verify) skips it."""
    if not refresh:
        if (cached := key_cache.get(key_id)) is not None:
            return cached
        account = await Account.get_or_none(public_key_id=key_id)
        if account is not None and account.public_key_pem and same_origin(key_id, account.ap_id):
            info = PublicKeyInfo(account.ap_id, account.public_key_pem)
            key_cache.put(key_id, info)
            return info
    else:
        key_cache.drop(key_id)
    url = key_fetch_url(key_id)
    try:
        doc = await fetch_document(services, url)
        found = find_key(doc, key_id, url)
        if found is not None and not found.confirmed:
            owner = found.info.owner
            owner_doc = await fetch_document(services, owner)
            found = find_key(owner_doc, key_id, owner)
            doc, url = owner_doc, owner
        if found is None or not found.confirmed:
            return None
        if doc.get("type") in ACTOR_TYPES and id_of(doc.get("inbox")):
            stored = await store_actor(doc, url, services)
            await meet_domain(services, stored.domain)
        elif doc.get("type") in ACTOR_TYPES:
            # A stub (GoToSocial's key URL answers with id + key only): storing it would
            # blank the inbox and profile we know; the owner's full document comes instead.
            await get_actor(services, found.info.owner, refresh=True)
        key_cache.put(key_id, found.info)
        return found.info
    except (FetchError, ActorError) as exc:
        log.info("cannot resolve key", extra={"key_id": key_id, "error": str(exc)})
        return None


async def find_acct(services: Services, username: str, domain: str | None) -> Account:
    """@user@domain → Account (local lookup, cache, or WebFinger + actor fetch); when it
    cannot be found, a `LookupRefused` says why in words. A suspended domain is never
    contacted."""
    local = services.config.instance.domain.lower()
    if domain is None or domain.lower() == local:
        found = await Account.get_or_none(username=username.lower(), domain=None)
        if found is None:
            raise LookupRefused(_("There is no artist @%(username)s here.", username=username), status=404)
        return found
    domain = domain.lower()
    known = await Account.get_or_none(username=username, domain=domain)
    if known is not None:
        return known
    await refuse_if_suspended(services, domain)
    who = f"@{username}@{domain}"
    actor_url = parse_jrd_or_refuse(await webfinger(services, username, domain), who)
    try:
        return await get_actor(services, actor_url)
    except FetchError as exc:
        raise words_for(exc, domain, who) from exc
    except ActorError as exc:
        log.info("cannot use actor", extra={"acct": who, "error": str(exc)})
        raise LookupRefused(_("%(domain)s sent an account for %(who)s that cannot be used here.",
                              domain=domain, who=who)) \
            from exc


def parse_jrd_or_refuse(jrd: dict[str, Any], who: str) -> str:
    """The ActivityPub actor URL a JRD names, or a refusal in words."""
    try:
        actor_url = parse_jrd(jrd).actor_url
    except DiscoveryError:
        actor_url = None
    if not actor_url:
        raise LookupRefused(_("%(who)s is not an account this server can follow (it has no ActivityPub "
                              "actor).", who=who), status=422)
    return actor_url


async def resolve_acct(services: Services, username: str, domain: str | None) -> Account | None:
    """`find_acct`, with None for anything that cannot be found."""
    try:
        return await find_acct(services, username, domain)
    except LookupRefused as exc:
        log.info("cannot resolve acct", extra={"acct": f"{username}@{domain}", "error": exc.message})
        return None
