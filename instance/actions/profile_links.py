"""Verifying a local artist's profile links (the `accounts.verify_links` job, queued by
every profile save that has a link): each linked page is fetched through the guarded
client, never from a suspended domain, and the field gets `verified_at` when the page
links back to the profile with rel="me" (federation/relme.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from federation.client import FetchError
from federation.relme import field_url, links_back
from instance.jobs import kinds
from instance.jobs.registry import JobContext
from instance.moderation.gate import url_is_suspended
from instance.services import Services
from instance.storage.models import Account

MAX_PAGE_BYTES = 1024 * 1024  # as Mastodon: the rel="me" link is near the top of a page


def wants_verifying(fields: list[dict[str, Any]]) -> bool:
    return any(field_url(str(f.get("value", ""))) for f in fields)


def keep_verified(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Carry `verified_at` over to the new fields whose value did not change (the job
    checks them all again anyway), so a save does not blink the checks off."""
    verified = {f.get("value"): f["verified_at"] for f in old if f.get("verified_at")}
    return [{**f, "verified_at": verified[f["value"]]} if f.get("value") in verified else f for f in new]


async def queue_verification(services: Services, account: Account, using_db=None) -> None:
    await services.jobs.enqueue(kinds.VERIFY_PROFILE_LINKS, {"account_id": account.id}, using_db=using_db)


async def _links_back(services: Services, url: str, profile_urls: set[str]) -> bool:
    if await url_is_suspended(services, url):
        return False
    try:
        page = await services.http.get(url, accept="text/html", max_bytes=MAX_PAGE_BYTES)
    except FetchError:
        return False
    if not 200 <= page.status < 300 or "html" not in page.headers.get("content-type", ""):
        return False
    return links_back(page.body.decode("utf-8", "replace"), page.url, profile_urls)


async def verify_links_job(ctx: JobContext, payload: dict) -> None:
    services = ctx.services
    account = await Account.get_or_none(id=payload.get("account_id"), domain=None, deleted_at=None)
    if account is None:
        return
    profile_urls = {services.urls.profile(account.username), account.ap_id, account.url or ""}
    results: dict[str, bool] = {}
    for field in account.fields_json or []:
        url = field_url(str(field.get("value", "")))
        if url is not None and field["value"] not in results:
            results[field["value"]] = await _links_back(services, url, profile_urls)
    now = datetime.now(UTC).isoformat()
    async with in_transaction() as connection:
        # the fields as they are now: a save while we fetched must not be undone (its new
        # values have a job of their own and are left as they are)
        current = await Account.get(id=account.id, using_db=connection)
        fields = []
        for field in current.fields_json or []:
            value = field.get("value", "")
            if value in results:
                field = {k: v for k, v in field.items() if k != "verified_at"}
                if results[value]:
                    field["verified_at"] = _verified_at(current, value) or now
            fields.append(field)
        await Account.filter(id=account.id).using_db(connection).update(fields_json=fields)


def _verified_at(account: Account, value: str) -> str | None:
    return next((f["verified_at"] for f in account.fields_json or []
                 if f.get("value") == value and f.get("verified_at")), None)
