"""GET /health: is the process up, which version, does the database answer."""

from __future__ import annotations

import asyncio

from quart import Blueprint, jsonify
from tortoise import Tortoise

from instance import __version__

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
async def health():
    try:
        await asyncio.wait_for(Tortoise.get_connection("default").execute_query("SELECT 1"), 5)
        database = "ok"
    except Exception as exc:  # any failure here is the answer, not an error
        database = f"error: {type(exc).__name__}"
    status = 200 if database == "ok" else 503
    body = {
        "status": "ok" if status == 200 else "degraded",
        "version": __version__,
        "database": database,
    }
    return jsonify(body), status
