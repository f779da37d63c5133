"""The notification policy (GET/PATCH /api/v2/notifications/policy, also v1) and the
requests it makes: notifications the policy filters, one request per sender
(/api/v1/notifications/requests; its id is the sender's account id). Accepting a
request lets that sender's notifications through from then on (old ones included);
dismissing it dismisses its notifications. The rule is instance.actions.notification_policy's."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, jsonify

from instance.actions.notification_policy import (
    CHOICES,
    RULES,
    policy_of,
    requested,
    with_accepted,
)
from instance.actions.notifications import visible
from instance.api.auth import calling_user, scoped
from instance.api.body import as_id, params
from instance.api.common import base_url, json_page, parse_id
from instance.api.entities import account_entity, iso
from instance.api.errors import ApiError
from instance.api.filtering import apply_filters
from instance.api.status_batch import statuses_for
from instance.storage.models import Account, Notification, User

blueprint = Blueprint("api_notification_requests", __name__)

SCAN = 2000  # filtered notifications read to build the requests, at most


async def _user() -> User:
    return await User.get(id=calling_user().id)  # the token's user is cached a minute


async def _held(user: User) -> list[Notification]:
    query = await requested(visible(user.account_id), user)
    return list(await query.order_by("-id").limit(SCAN))


async def _requests(user: User, only: int | None = None) -> list[dict[str, Any]]:
    rows = [r for r in await _held(user) if only is None or r.from_account_id == only]
    by_sender: dict[int, list[Notification]] = {}
    for r in rows:
        by_sender.setdefault(r.from_account_id, []).append(r)
    accounts = {a.id: a for a in await Account.filter(id__in=list(by_sender))}
    last_works = [g[0].work_id for g in by_sender.values() if g[0].work_id]
    shown = await apply_filters(await statuses_for(last_works, base_url(), user.account_id),
                                user.account_id, "notifications")
    statuses = {int(s["id"]): s for s in shown}
    return [
        {
            "id": str(sender),
            "created_at": iso(group[-1].created_at),
            "updated_at": iso(group[0].created_at),
            "account": account_entity(accounts[sender], base_url()),
            "notifications_count": str(len(group)),
            "last_status": statuses.get(group[0].work_id) if group[0].work_id else None,
        }
        for sender, group in by_sender.items() if sender in accounts
    ]


async def _policy_body(user: User) -> dict[str, Any]:
    held = await _held(user)
    return {**policy_of(user.settings), "summary": {
        "pending_requests_count": len({r.from_account_id for r in held}),
        "pending_notifications_count": len(held)}}


@blueprint.get("/api/v2/notifications/policy")
@blueprint.get("/api/v1/notifications/policy")
@scoped("read:notifications")
async def get_policy():
    return jsonify(await _policy_body(await _user()))


@blueprint.patch("/api/v2/notifications/policy")
@blueprint.put("/api/v2/notifications/policy")
@blueprint.patch("/api/v1/notifications/policy")
@scoped("write:notifications")
async def update_policy():
    p = await params()
    user = await _user()
    policy = policy_of(user.settings)
    for rule in RULES:
        value = p.get(rule)
        if value is None or value == "":
            continue
        if value not in CHOICES:
            raise ApiError(422, f"Validation failed: {rule} must be one of {', '.join(CHOICES)}")
        policy[rule] = str(value)
    settings = {**(user.settings or {}), "notification_policy": policy}
    await User.filter(id=user.id).update(settings=settings)
    user.settings = settings
    return jsonify(await _policy_body(user))


@blueprint.get("/api/v1/notifications/requests")
@scoped("read:notifications")
async def list_requests():
    return json_page(await _requests(await _user()))


@blueprint.get("/api/v1/notifications/requests/merged")
@scoped("read:notifications")
async def merged():
    return jsonify({"merged": True})  # accepting applies at once, nothing to wait for


@blueprint.get("/api/v1/notifications/requests/<request_id>")
@scoped("read:notifications")
async def get_request(request_id: str):
    found = await _requests(await _user(), parse_id(request_id))
    if not found:
        raise ApiError(404, "Record not found")
    return jsonify(found[0])


async def _decide(ids: list[int], accept: bool) -> None:
    user = await _user()
    senders = {r.from_account_id for r in await _held(user)}
    if any(i not in senders for i in ids):
        raise ApiError(404, "Record not found")
    if accept:
        await User.filter(id=user.id).update(settings=with_accepted(user.settings, ids))
    else:
        query = await requested(visible(user.account_id), user)
        held = await query.filter(from_account_id__in=ids).values_list("id", flat=True)
        await Notification.filter(id__in=list(held)).update(dismissed=True)


@blueprint.post("/api/v1/notifications/requests/<request_id>/accept")
@scoped("write:notifications")
async def accept(request_id: str):
    await _decide([parse_id(request_id)], accept=True)
    return jsonify({})


@blueprint.post("/api/v1/notifications/requests/<request_id>/dismiss")
@scoped("write:notifications")
async def dismiss(request_id: str):
    await _decide([parse_id(request_id)], accept=False)
    return jsonify({})


async def _ids() -> list[int]:
    p = await params()
    ids = [as_id(str(i)) for i in p.list("id")][:100]
    if not ids or any(i is None for i in ids):
        raise ApiError(422, "Validation failed: id[] must list request ids")
    return [i for i in ids if i is not None]


@blueprint.post("/api/v1/notifications/requests/accept")
@scoped("write:notifications")
async def accept_many():
    await _decide(await _ids(), accept=True)
    return jsonify({})


@blueprint.post("/api/v1/notifications/requests/dismiss")
@scoped("write:notifications")
async def dismiss_many():
    await _decide(await _ids(), accept=False)
    return jsonify({})
