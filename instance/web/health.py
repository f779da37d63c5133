"""GET /health: is the process up, which version, does the database answer."""

from __future__ import annotations

import asyncio

from quart import Blueprint, jsonify

from instance import __version__
from instance.storage.models import Job

blueprint = Blueprint("health", __name__)


@blueprint.get("/health")
async def health():
    try:
        # An ORM query, not raw SQL: it proves models work inside request tasks (the
        # Tortoise-under-Quart context trap in ARCHITECTURE.md).
        await asyncio.wait_for(Job.filter(id=0).exists(), 5)
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
