"""The rules of a push subscription: what an app may register (an https endpoint, or
http to a loopback peer listed in `[federation] allow_private_addresses`, a P-256 key
and a 16-byte auth secret), Mastodon's alert types and policies, and the entity."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from federation.guard import parse_endpoint
from federation.remote_urls import check as check_url
from instance.config import Config
from instance.errors import Refused
from instance.push.keys import b64url, b64url_decode
from instance.storage.models import WebPushSubscription
from instance.translation import gettext as _

# Mastodon's alert keys, in its order, and Impasto's own review decision.
ALERT_TYPES = ("mention", "status", "reblog", "follow", "follow_request", "favourite", "poll",
               "update", "admin.sign_up", "admin.report", "impasto.review")
STAFF_ALERTS = ("admin.sign_up", "admin.report")
POLICIES = ("all", "followed", "follower", "none")


class BadSubscription(Refused):
    """A subscription request that cannot be stored (the message says which part)."""


def check_endpoint(config: Config, value: object) -> str:
    """The normalised endpoint URL; https, or http only to an allowed loopback peer
    (tests, a LAN push relay). The SSRF guard checks the address again at each send."""
    url, reason = check_url(value)
    if url is None:
        raise BadSubscription(_("subscription[endpoint] is not a usable URL (%(reason)s)", reason=reason))
    parts = urlsplit(url)
    if parts.scheme != "https":
        allowed = {parse_endpoint(e) for e in config.federation.allow_private_addresses}
        host = parts.hostname or ""
        if parse_endpoint(f"[{host}]:{parts.port or 80}") not in allowed:
            raise BadSubscription(_("subscription[endpoint] must be an https URL"))
    return url


def check_keys(p256dh: object, auth: object) -> tuple[str, str]:
    """(p256dh, auth) normalised to unpadded base64url; the key must be a P-256 point."""
    if not isinstance(p256dh, str) or not isinstance(auth, str) or len(p256dh) > 200 or len(auth) > 100:
        raise BadSubscription(_("subscription[keys][p256dh] and subscription[keys][auth] are required"))
    try:
        point, secret = b64url_decode(p256dh), b64url_decode(auth)
    except ValueError:
        raise BadSubscription(_("subscription keys must be base64")) from None
    if len(secret) != 16:
        raise BadSubscription(_("subscription[keys][auth] must be 16 bytes"))
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise BadSubscription(_("subscription[keys][p256dh] is not a P-256 public key")) from None
    if len(point) != 65:
        raise BadSubscription(_("subscription[keys][p256dh] must be an uncompressed P-256 point"))
    return b64url(point), b64url(secret)


def alerts_from(given: dict[str, Any], *, staff: bool) -> dict[str, bool]:
    """Every alert type on or off (off unless sent, as Mastodon); staff-only types stay
    off for others. `given` maps type to an already parsed boolean."""
    return {kind: bool(given.get(kind)) and (staff or kind not in STAFF_ALERTS) for kind in ALERT_TYPES}


def check_policy(value: str) -> str:
    if value not in POLICIES:
        raise BadSubscription(_("policy must be one of %(choices)s", choices=', '.join(POLICIES)))
    return value


def subscription_entity(row: WebPushSubscription, server_key: str) -> dict[str, Any]:
    """Mastodon's WebPushSubscription entity."""
    alerts = row.alerts or {}
    return {
        "id": str(row.id),
        "endpoint": row.endpoint,
        "standard": row.standard,
        "alerts": {kind: bool(alerts.get(kind)) for kind in ALERT_TYPES},
        "policy": row.policy,
        "server_key": server_key,
    }
