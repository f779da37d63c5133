"""Mastodon's Web Push API (`push` scope): one subscription per access token.

`POST /api/v1/push/subscription` (`subscription[endpoint]`, `subscription[keys][p256dh]`,
`subscription[keys][auth]`, `subscription[standard]`, `data[alerts][TYPE]`,
`data[policy]` or `policy`) replaces the token's subscription; `GET` shows it, `PUT`
replaces its alerts and policy (as Mastodon), `DELETE` removes it. Rules and the entity:
instance/push/subscriptions.py; sending: instance/push/delivery.py."""

from __future__ import annotations

from typing import Any

from quart import Blueprint, jsonify
from tortoise.transactions import in_transaction

from instance.api.auth import bearer, calling_user, load_token, scoped
from instance.api.body import FALSE, TRUE, Params, params
from instance.api.errors import ApiError
from instance.push.keys import seal, vapid_keys
from instance.push.subscriptions import (
    ALERT_TYPES,
    alerts_from,
    check_endpoint,
    check_keys,
    check_policy,
    subscription_entity,
)
from instance.services import current_services
from instance.storage.models import WebPushSubscription

blueprint = Blueprint("api_push", __name__, url_prefix="/api/v1/push")
STAFF = ("admin", "moderator")


def nested(p: Params, *path: str) -> Any:
    """`a[b][c]` as a form field, or a["b"]["c"] in a JSON body."""
    flat = path[0] + "".join(f"[{key}]" for key in path[1:])
    if flat in p.values:
        return p.get(flat)
    value: Any = p.get(path[0])
    for key in path[1:]:
        value = value.get(key) if isinstance(value, dict) else None
    return value


def boolean(value: Any, name: str) -> bool:
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise ApiError(422, f"{name} must be a boolean (true/false/1/0)")


def data_from(p: Params) -> tuple[dict[str, bool], str]:
    """(alerts, policy) of a create or update; unsent alerts are off, the policy `all`."""
    given = {kind: boolean(nested(p, "data", "alerts", kind), f"data[alerts][{kind}]")
             for kind in ALERT_TYPES}
    staff = calling_user().role in STAFF
    policy = nested(p, "data", "policy") or p.get("policy") or "all"
    return alerts_from(given, staff=staff), check_policy(str(policy))


async def _current() -> WebPushSubscription:
    token = await load_token()
    row = await WebPushSubscription.get_or_none(token_id=token.id) if token else None
    if row is None:
        raise ApiError(404, "Record not found")
    return row


async def _answer(row: WebPushSubscription):
    return jsonify(subscription_entity(row, (await vapid_keys()).server_key))


@blueprint.post("/subscription")
@scoped("push")
async def subscribe():
    p = await params()
    services = current_services()
    endpoint = check_endpoint(services.config, nested(p, "subscription", "endpoint"))
    p256dh, auth = check_keys(nested(p, "subscription", "keys", "p256dh"),
                              nested(p, "subscription", "keys", "auth"))
    standard = boolean(nested(p, "subscription", "standard"), "subscription[standard]")
    alerts, policy = data_from(p)
    token = await load_token()
    assert token is not None and token.user is not None  # scoped() let only those in
    async with in_transaction() as connection:
        await WebPushSubscription.filter(token_id=token.id).using_db(connection).delete()
        row = await WebPushSubscription.create(
            token_id=token.id, account_id=calling_user().account_id, endpoint=endpoint,
            key_p256dh=p256dh, key_auth=auth, alerts=alerts, policy=policy, standard=standard,
            sealed_token=seal(services.config, bearer() or ""), using_db=connection)
    return await _answer(row)


@blueprint.get("/subscription")
@scoped("push")
async def show():
    return await _answer(await _current())


@blueprint.put("/subscription")
@scoped("push")
async def update():
    row = await _current()
    row.alerts, row.policy = data_from(await params())
    await row.save(update_fields=["alerts", "policy", "updated_at"])
    return await _answer(row)


@blueprint.delete("/subscription")
@scoped("push")
async def unsubscribe():
    token = await load_token()
    if token is not None:
        await WebPushSubscription.filter(token_id=token.id).delete()
    return jsonify({})
