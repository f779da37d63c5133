"""Filters, Mastodon's v1 API, mapped onto v2 as Mastodon 4 does: a v1 filter is one
keyword of a v2 filter (its id is the keyword's id); `irreversible` is the `hide` action."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from quart import Blueprint, jsonify
from tortoise.transactions import in_transaction

from instance.api.auth import me, scoped
from instance.api.body import Params, params
from instance.api.common import parse_id
from instance.api.entities import iso
from instance.api.errors import ApiError
from instance.api.filtering import CONTEXTS
from instance.api.filters import MAX_EXPIRES_IN, MAX_FILTERS, MAX_KEYWORD
from instance.storage.models import ContentFilter, FilterAction, FilterKeyword

blueprint = Blueprint("api_filters_v1", __name__, url_prefix="/api/v1/filters")


def v1_entity(k: FilterKeyword) -> dict[str, Any]:
    f = k.content_filter
    return {"id": str(k.id), "phrase": k.keyword, "context": list(f.contexts), "whole_word": k.whole_word,
            "expires_at": iso(f.expires_at), "irreversible": f.action == FilterAction.HIDE}


async def _mine(keyword_id: str) -> FilterKeyword:
    found = await FilterKeyword.get_or_none(id=parse_id(keyword_id), content_filter__owner_id=me().id) \
        .prefetch_related("content_filter")
    if found is None:
        raise ApiError(404, "Record not found")
    return found


def _values(p: Params, creating: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """(filter fields, keyword fields) from v1 parameters, all checked."""
    f: dict[str, Any] = {}
    k: dict[str, Any] = {}
    if creating or p.get("phrase") is not None:
        phrase = p.text("phrase", max_length=MAX_KEYWORD).strip()
        if not phrase:
            raise ApiError(422, "Validation failed: Phrase can't be blank")
        k["keyword"], f["title"] = phrase, phrase
    if creating or p.list("context"):
        contexts = list(dict.fromkeys(p.list("context")))
        if not contexts or any(c not in CONTEXTS for c in contexts):
            raise ApiError(422, f"Validation failed: Context must be some of {', '.join(CONTEXTS)}")
        f["contexts"] = contexts
    if p.get("irreversible") is not None or creating:
        f["action"] = FilterAction.HIDE.value if p.flag("irreversible") else FilterAction.WARN.value
    if p.get("whole_word") is not None or creating:
        k["whole_word"] = p.flag("whole_word", True)
    if p.get("expires_in") not in (None, ""):
        seconds = p.integer("expires_in") or 0
        if not 0 < seconds <= MAX_EXPIRES_IN:
            raise ApiError(422, "expires_in must be a number of seconds, at most ten years")
        f["expires_at"] = datetime.now(UTC) + timedelta(seconds=seconds)
    return f, k


@blueprint.get("")
@scoped("read:filters")
async def index():
    found = await FilterKeyword.filter(content_filter__owner_id=me().id).order_by("id") \
        .prefetch_related("content_filter")
    return jsonify([v1_entity(k) for k in found])


@blueprint.get("/<keyword_id>")
@scoped("read:filters")
async def show(keyword_id: str):
    return jsonify(v1_entity(await _mine(keyword_id)))


@blueprint.post("")
@scoped("write:filters")
async def create():
    f, k = _values(await params(), creating=True)
    if await ContentFilter.filter(owner_id=me().id).count() >= MAX_FILTERS:
        raise ApiError(422, f"Validation failed: You cannot have more than {MAX_FILTERS} filters")
    async with in_transaction():
        row = await ContentFilter.create(owner_id=me().id, **f)
        keyword = await FilterKeyword.create(content_filter_id=row.id, **k)
    return jsonify(v1_entity(await _mine(str(keyword.id))))


@blueprint.put("/<keyword_id>")
@scoped("write:filters")
async def update(keyword_id: str):
    keyword = await _mine(keyword_id)
    f, k = _values(await params(), creating=False)
    async with in_transaction():
        if f:
            await ContentFilter.filter(id=keyword.content_filter_id).update(**f)
        if k:
            await FilterKeyword.filter(id=keyword.id).update(**k)
    return jsonify(v1_entity(await _mine(keyword_id)))


@blueprint.delete("/<keyword_id>")
@scoped("write:filters")
async def delete(keyword_id: str):
    """Deletes the keyword, and its filter when that was the filter's last keyword."""
    keyword = await _mine(keyword_id)
    async with in_transaction():
        await keyword.delete()
        if not await FilterKeyword.filter(content_filter_id=keyword.content_filter_id).exists():
            await ContentFilter.filter(id=keyword.content_filter_id).delete()
    return jsonify({})
