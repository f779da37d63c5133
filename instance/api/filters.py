"""Filters, Mastodon's v2 API: a filter has a title, contexts, an action (warn or hide),
an optional expiry, keywords and statuses. Sizes are bounded (matching runs on every
timeline read); every change is checked whole before anything is written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from quart import Blueprint, jsonify
from tortoise.transactions import in_transaction

from instance.api.auth import me, scoped
from instance.api.body import Params, as_id, params
from instance.api.common import parse_id, work_or_404
from instance.api.errors import ApiError
from instance.api.filtering import CONTEXTS, filter_entity, keyword_entity, status_entity
from instance.storage.models import ContentFilter, FilterAction, FilterKeyword, FilterStatus

blueprint = Blueprint("api_filters", __name__, url_prefix="/api/v2/filters")

MAX_FILTERS = 100  # per person
MAX_KEYWORDS = 100  # per filter
MAX_KEYWORD = 200  # characters
MAX_STATUSES = 500  # per filter
MAX_TITLE = 200
MAX_EXPIRES_IN = 10 * 365 * 86400
Entry = TypeVar("Entry", FilterKeyword, FilterStatus)


async def _entity(row: ContentFilter) -> dict[str, Any]:
    keywords = await FilterKeyword.filter(content_filter_id=row.id).order_by("id")
    statuses = await FilterStatus.filter(content_filter_id=row.id).order_by("id")
    return filter_entity(row, list(keywords), list(statuses))


async def _mine(filter_id: str) -> ContentFilter:
    row = await ContentFilter.get_or_none(id=parse_id(filter_id), owner_id=me().id)
    if row is None:
        raise ApiError(404, "Record not found")
    return row


def _keyword(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ApiError(422, "Validation failed: Keyword can't be blank")
    if len(value) > MAX_KEYWORD:
        raise ApiError(422, f"Validation failed: A keyword is longer than {MAX_KEYWORD} characters")
    return value.strip()


def _whole_word(value: Any) -> bool:
    return Params({"w": [value]}, {}).flag("w", True) if value is not None else True


def _keyword_rows(p: Params) -> list[dict[str, Any]]:
    """`keywords_attributes` as a JSON list of objects or as form fields
    (`keywords_attributes[][keyword]` or `keywords_attributes[0][keyword]`)."""
    value = p.get("keywords_attributes")
    if isinstance(value, list):
        rows = value
    elif isinstance(value, dict):
        rows = list(value.values())
    else:
        rows = []
        flat = {k: v for k, v in p.values.items() if k.startswith("keywords_attributes[")}
        by_index: dict[str, dict[str, Any]] = {}
        for key, values in flat.items():
            index, _, field = key[len("keywords_attributes["):].partition("][")
            field = field.rstrip("]")
            if index == "":
                for n, v in enumerate(values):
                    by_index.setdefault(f"n{n}", {})[field] = v
            else:
                by_index.setdefault(index, {})[field] = values[0]
        rows = list(by_index.values())
    if len(rows) > MAX_KEYWORDS:
        raise ApiError(422, f"Validation failed: A filter has at most {MAX_KEYWORDS} keywords")
    if not all(isinstance(r, dict) for r in rows):
        raise ApiError(422, "keywords_attributes must be a list of objects")
    return rows


def _fields(p: Params, creating: bool) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if creating or p.get("title") is not None:
        title = p.text("title", max_length=MAX_TITLE).strip()
        if not title:
            raise ApiError(422, "Validation failed: Title can't be blank")
        out["title"] = title
    if creating or p.list("context"):
        contexts = list(dict.fromkeys(p.list("context")))
        if not contexts:
            raise ApiError(422, "Validation failed: Context can't be blank")
        if bad := [c for c in contexts if c not in CONTEXTS]:
            raise ApiError(422, f"Validation failed: Context {bad[0]!r} is not one of {', '.join(CONTEXTS)}")
        out["contexts"] = contexts
    if p.get("filter_action") is not None:
        action = p.text("filter_action", max_length=16)
        if action not in set(FilterAction):
            raise ApiError(422, "filter_action must be warn or hide")
        out["action"] = action
    if p.get("expires_in") is not None:
        seconds = p.integer("expires_in")
        if seconds is None:
            out["expires_at"] = None
        elif not 0 < seconds <= MAX_EXPIRES_IN:
            raise ApiError(422, "expires_in must be a number of seconds, at most ten years")
        else:
            out["expires_at"] = datetime.now(UTC) + timedelta(seconds=seconds)
    return out


@blueprint.get("")
@scoped("read:filters")
async def index():
    rows = await ContentFilter.filter(owner_id=me().id).order_by("id")
    return jsonify([await _entity(r) for r in rows])


@blueprint.get("/<filter_id>")
@scoped("read:filters")
async def show(filter_id: str):
    return jsonify(await _entity(await _mine(filter_id)))


@blueprint.post("")
@scoped("write:filters")
async def create():
    p = await params()
    fields = _fields(p, creating=True)
    keywords = [(_keyword(r.get("keyword")), _whole_word(r.get("whole_word"))) for r in _keyword_rows(p)]
    if await ContentFilter.filter(owner_id=me().id).count() >= MAX_FILTERS:
        raise ApiError(422, f"Validation failed: You cannot have more than {MAX_FILTERS} filters")
    async with in_transaction():
        row = await ContentFilter.create(owner_id=me().id, **fields)
        for word, whole in keywords:
            await FilterKeyword.create(content_filter_id=row.id, keyword=word, whole_word=whole)
    return jsonify(await _entity(row))


@blueprint.put("/<filter_id>")
@scoped("write:filters")
async def update(filter_id: str):
    row = await _mine(filter_id)
    p = await params()
    fields = _fields(p, creating=False)
    existing = {k.id: k for k in await FilterKeyword.filter(content_filter_id=row.id)}
    changes: list[tuple[str, Any]] = []
    for r in _keyword_rows(p):
        kid = as_id(r["id"]) if r.get("id") is not None else None
        if r.get("id") is not None and kid not in existing:
            raise ApiError(404, "Keyword not found")
        if kid is not None and Params({"d": [r.get("_destroy", False)]}, {}).flag("d"):
            changes.append(("delete", kid))
        elif kid is not None:
            changes.append(("update", (kid, _keyword(r.get("keyword", existing[kid].keyword)),
                                       _whole_word(r.get("whole_word", existing[kid].whole_word)))))
        else:
            changes.append(("add", (_keyword(r.get("keyword")), _whole_word(r.get("whole_word")))))
    count = len(existing) + sum(1 if kind == "add" else -1 if kind == "delete" else 0 for kind, _ in changes)
    if count > MAX_KEYWORDS:
        raise ApiError(422, f"Validation failed: A filter has at most {MAX_KEYWORDS} keywords")
    async with in_transaction():
        if fields:
            await ContentFilter.filter(id=row.id).update(**fields)
        for kind, value in changes:
            if kind == "delete":
                await FilterKeyword.filter(id=value).delete()
            elif kind == "update":
                await FilterKeyword.filter(id=value[0]).update(keyword=value[1], whole_word=value[2])
            else:
                await FilterKeyword.create(content_filter_id=row.id, keyword=value[0], whole_word=value[1])
    return jsonify(await _entity(await _mine(filter_id)))


@blueprint.delete("/<filter_id>")
@scoped("write:filters")
async def delete(filter_id: str):
    await (await _mine(filter_id)).delete()
    return jsonify({})


@blueprint.get("/<filter_id>/keywords")
@scoped("read:filters")
async def keywords(filter_id: str):
    row = await _mine(filter_id)
    found = await FilterKeyword.filter(content_filter_id=row.id).order_by("id")
    return jsonify([keyword_entity(k) for k in found])


@blueprint.post("/<filter_id>/keywords")
@scoped("write:filters")
async def add_keyword(filter_id: str):
    row = await _mine(filter_id)
    p = await params()
    word, whole = _keyword(p.get("keyword")), _whole_word(p.get("whole_word"))
    if await FilterKeyword.filter(content_filter_id=row.id).count() >= MAX_KEYWORDS:
        raise ApiError(422, f"Validation failed: A filter has at most {MAX_KEYWORDS} keywords")
    return jsonify(keyword_entity(await FilterKeyword.create(content_filter_id=row.id, keyword=word,
                                                              whole_word=whole)))


async def _owned(model: type[Entry], row_id: str) -> Entry:
    """A keyword or status entry of one of the caller's filters, else a 404."""
    found = await model.get_or_none(id=parse_id(row_id), content_filter__owner_id=me().id)
    if found is None:
        raise ApiError(404, "Record not found")
    return found


async def _my_keyword(keyword_id: str) -> FilterKeyword:
    return await _owned(FilterKeyword, keyword_id)


@blueprint.get("/keywords/<keyword_id>")
@scoped("read:filters")
async def keyword(keyword_id: str):
    return jsonify(keyword_entity(await _my_keyword(keyword_id)))


@blueprint.put("/keywords/<keyword_id>")
@scoped("write:filters")
async def update_keyword(keyword_id: str):
    found = await _my_keyword(keyword_id)
    p = await params()
    if p.get("keyword") is not None:
        found.keyword = _keyword(p.get("keyword"))
    if p.get("whole_word") is not None:
        found.whole_word = _whole_word(p.get("whole_word"))
    await found.save(update_fields=["keyword", "whole_word"])
    return jsonify(keyword_entity(found))


@blueprint.delete("/keywords/<keyword_id>")
@scoped("write:filters")
async def delete_keyword(keyword_id: str):
    await (await _my_keyword(keyword_id)).delete()
    return jsonify({})


@blueprint.get("/<filter_id>/statuses")
@scoped("read:filters")
async def statuses(filter_id: str):
    row = await _mine(filter_id)
    found = await FilterStatus.filter(content_filter_id=row.id).order_by("id")
    return jsonify([status_entity(s) for s in found])


@blueprint.post("/<filter_id>/statuses")
@scoped("write:filters")
async def add_status(filter_id: str):
    row = await _mine(filter_id)
    p = await params()
    work = await work_or_404(p.text("status_id", max_length=40) or "x")
    if await FilterStatus.filter(content_filter_id=row.id).count() >= MAX_STATUSES:
        raise ApiError(422, f"Validation failed: A filter has at most {MAX_STATUSES} statuses")
    found = await FilterStatus.get_or_none(content_filter_id=row.id, work_id=work.id)
    found = found or await FilterStatus.create(content_filter_id=row.id, work_id=work.id)
    return jsonify(status_entity(found))


async def _my_status(status_id: str) -> FilterStatus:
    return await _owned(FilterStatus, status_id)


@blueprint.get("/statuses/<status_id>")
@scoped("read:filters")
async def status(status_id: str):
    return jsonify(status_entity(await _my_status(status_id)))


@blueprint.delete("/statuses/<status_id>")
@scoped("write:filters")
async def delete_status(status_id: str):
    await (await _my_status(status_id)).delete()
    return jsonify({})
