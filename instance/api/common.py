"""Small helpers shared by the API views: services at the view edge, ids from paths,
and lookups that answer 404 instead of raising."""

from __future__ import annotations

import json
from typing import Any

from quart import Response

from instance.api.body import as_id
from instance.api.errors import ApiError
from instance.services import current_services
from instance.storage.models import Account, Work


def base_url() -> str:
    return current_services().config.base_url


def parse_id(text: str, what: str = "Record") -> int:
    value = as_id(text)
    if value is None:
        raise ApiError(404, f"{what} not found")
    return value


async def account_or_404(text: str) -> Account:
    account = await Account.get_or_none(id=parse_id(text), suspended=False)
    if account is None:
        raise ApiError(404, "Record not found")
    return account


async def work_or_404(text: str) -> Work:
    from instance.api.auth import viewer
    from instance.api.entities import BOOST_ID_BASE
    from instance.api.visibility import can_see
    from instance.storage.models import Boost

    wanted = parse_id(text)
    if wanted >= BOOST_ID_BASE:  # a reblog's own id stands for the reblogged status
        boost = await Boost.get_or_none(id=wanted - BOOST_ID_BASE)
        wanted = boost.work_id if boost is not None else 0
    work = await Work.get_or_none(id=wanted).prefetch_related("account", "media", "tags")
    if work is None or work.account.suspended or not await can_see(work, viewer()):
        raise ApiError(404, "Record not found")
    return work


def json_page(body: Any, headers: dict[str, str] | None = None) -> Response:
    """A JSON list answer; encoded without the key sorting jsonify does (timelines are
    the hot path, and clients do not care about key order)."""
    response = Response(
        json.dumps(body, separators=(",", ":"), ensure_ascii=False), content_type="application/json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
