"""Mastodon entities (Account, Status, MediaAttachment, Relationship, Tag) built from
our models in batches: one query per kind of fact for a whole page, never per row.
A status for a work carries Impasto's art fields under "impasto", which Mastodon
clients ignore."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from tortoise.expressions import Subquery

from federation.remote_urls import http_url
from federation.vocab import media_kind
from instance.storage.models import (
    Account,
    AccountDomainBlock,
    Block,
    Boost,
    Follow,
    FollowState,
    MediaAttachment,
    MediaState,
    Mute,
    ProvenanceVerdict,
)
from instance.urls import LocalUrls

VERDICT_RANK = {ProvenanceVerdict.NONE: 0, ProvenanceVerdict.PENDING: 1,
                ProvenanceVerdict.NEEDS_REVIEW: 2, ProvenanceVerdict.AI: 3}
EMPTY: list[Any] = []


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def acct(account: Account | SimpleNamespace) -> str:
    return account.username if account.domain is None else f"{account.username}@{account.domain}"


def account_entity(a: Account | SimpleNamespace, base: str, source: bool = False,
                   moved: Account | None = None) -> dict[str, Any]:
    """`a` is an Account, or an accounts row's fields as attributes (status_batch).
    `moved` is the account `a` moved to: Mastodon's `moved` is that account's entity,
    so it is given where one account is shown (`with_moved`) and left out of lists."""
    urls = LocalUrls(base)
    placeholder = urls.static("favicon.svg")
    # Local images are stored as paths; remote ones are checked again (rows older than the rule).
    avatar = http_url(urls.absolute(a.avatar_url)) or placeholder
    header = http_url(urls.absolute(a.header_url)) or placeholder
    body: dict[str, Any] = {
        "id": str(a.id),
        "username": a.username,
        "acct": acct(a),
        "display_name": a.display_name or "",
        "locked": a.locked,
        "bot": a.bot or a.actor_type == "Service",
        "discoverable": a.discoverable,
        "indexable": a.indexable,
        "group": a.actor_type == "Group",
        "created_at": iso(a.created_at),
        "note": a.note or "",
        "url": http_url(a.url) or a.ap_id,
        "uri": a.ap_id,
        "avatar": avatar,
        "avatar_static": avatar,
        "header": header,
        "header_static": header,
        "followers_count": a.followers_count,
        "following_count": a.following_count,
        "statuses_count": a.works_count,
        "last_status_at": a.last_work_at.date().isoformat() if a.last_work_at else None,
        "noindex": not a.indexable,
        "emojis": EMPTY,
        "roles": EMPTY,
        "fields": [
            {"name": f.get("name", ""), "value": f.get("value", ""), "verified_at": f.get("verified_at")}
            for f in (a.fields_json or [])
            if isinstance(f, dict)
        ],
    }
    if a.moved_to_id and moved is not None and moved.id == a.moved_to_id:
        body["moved"] = account_entity(moved, base)
    if source:
        body["source"] = {
            "privacy": "public",
            "sensitive": False,
            "language": None,
            "note": a.note or "",
            "fields": body["fields"],
            "follow_requests_count": 0,
        }
    return body


async def with_moved(a: Account, base: str, source: bool = False) -> dict[str, Any]:
    """The Account entity of one account, with `moved` filled in when it has moved."""
    moved = await Account.get_or_none(id=a.moved_to_id) if a.moved_to_id else None
    return account_entity(a, base, source, moved=moved)


def media_url(base: str, entry: dict | None, *formats: str) -> str | None:
    for fmt in formats:
        key = (entry or {}).get(fmt)
        if isinstance(key, str):
            return LocalUrls(base).media(key)
    return None


def _dims(entry: dict | None, fallback: MediaAttachment | None = None) -> dict[str, Any] | None:
    width = (entry or {}).get("width") or (fallback.width if fallback else None)
    height = (entry or {}).get("height") or (fallback.height if fallback else None)
    if not width or not height:
        return None
    return {"width": width, "height": height, "size": f"{width}x{height}", "aspect": round(width / height, 6)}


def media_entity(m: MediaAttachment, base: str) -> dict[str, Any]:
    variants = m.variants or {}
    ready = m.state == MediaState.READY
    url = media_url(base, variants.get("display"), "jpeg", "webp") if ready else None
    preview = (
        media_url(base, variants.get("thumb") or variants.get("thumbnail"), "jpeg", "webp") if ready else None
    )
    remote_url = http_url(m.remote_url)
    kind = "image" if m.variants or not m.original_type else media_kind(m.original_type)
    if url is None and remote_url and ready:
        url = remote_url  # only a video, audio or document link: images are served cached
    meta: dict[str, Any] = {"focus": {"x": m.focus_x, "y": m.focus_y}}
    original = _dims(variants.get("display"), m)
    if original:
        meta["original"] = original
    small = _dims(variants.get("thumb") or variants.get("thumbnail"))
    if small:
        meta["small"] = small
    return {
        "id": str(m.id),
        "type": kind,
        "url": url,
        "preview_url": preview or url,
        "remote_url": remote_url,
        "preview_remote_url": None,
        "text_url": None,
        "meta": meta,
        "description": m.description or None,
        "blurhash": m.blurhash,
        "impasto": {
            "state": m.state,
            "provenance_verdict": m.provenance_verdict,
            "ai_label": m.ai_label,
            "cloak_level": m.cloak_level,
        },
    }


def reblog_entity(boost: Boost, inner: dict[str, Any], base: str) -> dict[str, Any]:
    """A boost as Mastodon shows it: its own status wrapping the boosted one."""
    return {
        **inner,
        "id": boost_status_id(boost.id),
        "uri": boost.ap_id or f"{inner['uri']}#boost-{boost.id}",
        "url": None,
        "account": account_entity(boost.account, base),
        "reblog": inner,
        "content": "",
        "created_at": iso(boost.created_at),
        "media_attachments": EMPTY,
        "mentions": EMPTY,
        "tags": EMPTY,
        "in_reply_to_id": None,
        "in_reply_to_account_id": None,
    }


BOOST_ID_BASE = 1 << 52  # boosts share the status id space above every work id


def boost_status_id(boost_id: int) -> str:
    return str(BOOST_ID_BASE + boost_id)


async def relationships(me_id: int, ids: list[int]) -> list[dict[str, Any]]:
    """Relationship entities for several accounts in seven queries."""
    if not ids:
        return []
    out_follows = {f.target_id: f for f in await Follow.filter(follower_id=me_id, target_id__in=ids)}
    in_follows = {f.follower_id: f for f in await Follow.filter(target_id=me_id, follower_id__in=ids)}
    blocking = set(
        await Block.filter(account_id=me_id, target_id__in=ids).values_list("target_id", flat=True)
    )
    blocked_by = set(
        await Block.filter(target_id=me_id, account_id__in=ids).values_list("account_id", flat=True)
    )
    mutes = {m.target_id: m for m in await Mute.filter(account_id=me_id, target_id__in=ids)}
    domain_blocked = set(await Account.filter(
        id__in=ids, domain__in=Subquery(AccountDomainBlock.filter(account_id=me_id).values("domain")),
    ).values_list("id", flat=True))
    result = []
    for target in ids:
        out, back = out_follows.get(target), in_follows.get(target)
        result.append(
            {
                "id": str(target),
                "following": bool(out and out.state == FollowState.ACCEPTED),
                "showing_reblogs": bool(out and out.show_reblogs),
                "notifying": bool(out and out.notify),
                "languages": None,
                "followed_by": bool(back and back.state == FollowState.ACCEPTED),
                "blocking": target in blocking,
                "blocked_by": target in blocked_by,
                "muting": target in mutes,
                "muting_notifications": bool(mutes.get(target) and mutes[target].notifications),
                "requested": bool(out and out.state != FollowState.ACCEPTED),
                "requested_by": bool(back and back.state != FollowState.ACCEPTED),
                "domain_blocking": target in domain_blocked,
                "endorsed": False,
                "note": "",
            }
        )
    return result
