"""Endpoints for features Impasto does not have (yet), answered with empty lists rather
than 404s: apps call several of them on start and some treat an error as fatal."""

from __future__ import annotations

from quart import Blueprint, jsonify

from instance.api.auth import scoped

blueprint = Blueprint("api_empty", __name__)

# (path, scopes, anonymous allowed)
EMPTY_LISTS: tuple[tuple[str, tuple[str, ...], bool], ...] = (
    ("/api/v1/trends/links", ("read",), True),
    ("/api/v1/announcements", ("read",), False),
    ("/api/v1/endorsements", ("read:accounts",), False),
    ("/api/v2/suggestions", ("read",), False),
    ("/api/v1/suggestions", ("read",), False),
)


def _empty_view(path: str, scopes: tuple[str, ...], public: bool):
    async def view():
        return jsonify([])

    view.__name__ = "empty_" + path.strip("/").replace("/", "_")
    return scoped(*scopes, public=public)(view)


for _path, _scopes, _public in EMPTY_LISTS:
    blueprint.add_url_rule(_path, view_func=_empty_view(_path, _scopes, _public), methods=["GET"])
