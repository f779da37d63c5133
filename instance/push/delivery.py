"""The `push.notify` job: one notification to one push subscription, as Mastodon sends
it. The JSON message (access_token, preferred_locale, notification_id,
notification_type, icon, title, body) is encrypted to the subscriber's key (http-ece)
and POSTed with VAPID (py-vapid) through the SSRF-guarded client, with a TTL, a bounded
size and the client's time limit. RFC 8291 `aes128gcm` with RFC 8292 `vapid t=…,k=…`
for subscriptions made with `standard`, otherwise the drafts Mastodon still sends by
default (`aesgcm`, `Encryption`/`Crypto-Key` headers, `WebPush <jwt>`).

A 404 or 410 from the push service means the subscription is gone: it is deleted. 429,
5xx and network failures are retried with backoff (the trigger's MAX_ATTEMPTS), other
answers end the job."""

from __future__ import annotations

import html
import json
import logging
import os
import re
import time
from typing import Any
from urllib.parse import urlsplit

import http_ece
import nh3
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid01, Vapid02

from federation.client import FetchError
from federation.remote_urls import http_url
from instance.config import Config
from instance.jobs import JobContext, Permanent, Retry
from instance.jobs.queue import default_backoff
from instance.push.keys import VapidKeys, b64url, b64url_decode, unseal, vapid_keys
from instance.storage.models import Follow, FollowState, Notification, User, WebPushSubscription
from instance.translation import DEFAULT, gettext, in_locale, lazy_gettext, locale_of
from instance.urls import LocalUrls

log = logging.getLogger("impasto.push")
TTL_SECONDS = 48 * 3600  # Mastodon's: a phone offline for two days still gets it
MAX_BODY_BYTES = 4096  # what every push service accepts (RFC 8030 suggests at least this)
MAX_ANSWER_BYTES = 64 * 1024
BODY_CHARS = 140  # Mastodon truncates the text the same way
TITLES: dict[str, Any] = {  # lazy: written in the recipient's language when sent
    "mention": lazy_gettext("You were mentioned by %(name)s"),
    "status": lazy_gettext("%(name)s just posted"),
    "reblog": lazy_gettext("%(name)s boosted your post"),
    "follow": lazy_gettext("%(name)s is now following you"),
    "follow_request": lazy_gettext("%(name)s has requested to follow you"),
    "favourite": lazy_gettext("%(name)s favourited your post"),
    "poll": lazy_gettext("A poll you voted in has ended"),
    "update": lazy_gettext("%(name)s edited a post"),
    "admin.sign_up": lazy_gettext("%(name)s signed up"),
    "admin.report": lazy_gettext("%(name)s filed a report"),
    "impasto.review": lazy_gettext("A moderator reviewed your upload"),
}


async def wanted(sub: WebPushSubscription, notification: Notification) -> bool:
    """The subscription's alert for this type is on and its policy admits the sender."""
    if not (sub.alerts or {}).get(notification.kind):
        return False
    policy, me, other = sub.policy, notification.recipient_id, notification.from_account_id
    if policy == "none":
        return False
    if policy == "follower":  # the sender follows me
        return await Follow.filter(follower_id=other, target_id=me, state=FollowState.ACCEPTED).exists()
    if policy == "followed":  # I follow the sender
        return await Follow.filter(follower_id=me, target_id=other, state=FollowState.ACCEPTED).exists()
    return True


def plain(markup: str) -> str:
    text = html.unescape(nh3.clean(re.sub(r"<br\s*/?>|</p>", " ", markup or ""), tags=set()))
    return " ".join(text.split())


def truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"


def _title(kind: str, name: str, locale: str) -> str:
    with in_locale(locale):
        template = TITLES.get(kind)
        return str(template) % {"name": name} if template is not None else gettext("New notification")


def message(config: Config, sub: WebPushSubscription, notification: Notification,
            locale: str = DEFAULT) -> dict[str, Any]:
    """Mastodon's push message (Web::NotificationSerializer) for one notification, its
    title in the recipient's `locale`; `from_account` and `work` loaded."""
    sender = notification.from_account
    name = sender.display_name or sender.username
    work = notification.work
    if work is not None:
        text = work.summary or plain(work.content) or work.title
    elif notification.kind == "impasto.review":
        detail = notification.detail or {}
        text = f"{detail.get('decision', '')}: {detail.get('reason', '')}".strip(": ")
    else:
        text = plain(sender.note)
    urls = LocalUrls(config.base_url)
    return {
        "access_token": unseal(config, sub.sealed_token),
        "preferred_locale": locale,
        "notification_id": str(notification.id),
        "notification_type": notification.kind,
        "icon": http_url(urls.absolute(sender.avatar_url)) or urls.static("favicon.svg"),
        "title": truncate(_title(notification.kind, name, locale), 200),
        "body": truncate(text, BODY_CHARS),
    }


def encrypt(sub: WebPushSubscription, plaintext: bytes, keys: VapidKeys,
            subject: str) -> tuple[bytes, dict[str, str]]:
    """(body, headers) for the subscription's encoding, signed with the VAPID key."""
    receiver, auth = b64url_decode(sub.key_p256dh), b64url_decode(sub.key_auth)
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    parts = urlsplit(sub.endpoint)
    claims = {"aud": f"{parts.scheme}://{parts.netloc}", "sub": subject,
              "exp": int(time.time()) + 12 * 3600}
    headers = {"TTL": str(TTL_SECONDS), "Urgency": "normal",
               "Content-Type": "application/octet-stream"}
    if sub.standard:
        body = http_ece.encrypt(plaintext, private_key=ephemeral, dh=receiver,
                                auth_secret=auth, version="aes128gcm")
        signer: Vapid01 = Vapid02.from_raw(keys.private_raw.encode())
        signer.conf = {"no-strict": True}  # `sub` may be an http URL on a test server
        headers.update(signer.sign(claims))  # Authorization: vapid t=<jwt>,k=<public key>
        headers["Content-Encoding"] = "aes128gcm"
    else:
        salt = os.urandom(16)
        body = http_ece.encrypt(plaintext, salt=salt, private_key=ephemeral, dh=receiver,
                                auth_secret=auth, keylabel="P-256", version="aesgcm")
        dh = b64url(ephemeral.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint))
        signer = Vapid01.from_raw(keys.private_raw.encode())
        signer.conf = {"no-strict": True}
        headers.update(signer.sign(claims, crypto_key=f"dh={dh}"))
        headers.update({"Content-Encoding": "aesgcm", "Encryption": f"salt={b64url(salt)}"})
    return body, headers


def subject(config: Config) -> str:
    """Whom the push service may contact (the JWT's `sub`)."""
    email = config.instance.contact_email
    return f"mailto:{email}" if email else config.base_url


def retry_after(value: str | None, attempt: int) -> float:
    if value and value.strip().isdigit():
        return min(3600.0, max(1.0, float(value.strip())))
    return default_backoff(attempt)


async def notify_job(ctx: JobContext, payload: dict[str, Any]) -> None:
    config = ctx.services.config
    sub = await WebPushSubscription.get_or_none(id=payload.get("subscription_id")).select_related("token")
    if sub is None:
        return  # unsubscribed since
    if sub.token.revoked_at is not None:  # the app was logged out: its subscription ends
        await WebPushSubscription.filter(id=sub.id).delete()
        return
    notification = await Notification.get_or_none(id=payload.get("notification_id")) \
        .select_related("from_account", "work")
    if notification is None or notification.dismissed or notification.recipient_id != sub.account_id:
        return
    if not await wanted(sub, notification):
        return
    recipient = await User.get_or_none(account_id=sub.account_id)
    plaintext = json.dumps(message(config, sub, notification, locale_of(recipient)),
                           ensure_ascii=False).encode()
    body, headers = encrypt(sub, plaintext, await vapid_keys(), subject(config))
    if len(body) > MAX_BODY_BYTES:
        raise Permanent(f"push message of {len(body)} bytes is over {MAX_BODY_BYTES}")
    try:
        answer = await ctx.services.http.post_plain(sub.endpoint, body, headers,
                                                    max_bytes=MAX_ANSWER_BYTES)
    except FetchError as exc:
        if exc.kind in ("forbidden-address", "invalid-url"):
            raise Permanent(exc.reason) from exc
        raise Retry(default_backoff(ctx.attempt), exc.reason) from exc
    if 200 <= answer.status < 300:
        return
    if answer.status in (404, 410):
        # Gone: forget it (unless the app re-subscribed to another endpoint meanwhile).
        await WebPushSubscription.filter(id=sub.id, endpoint=sub.endpoint).delete()
        log.info("push subscription gone", extra={"subscription": sub.id, "status": answer.status})
        return
    if answer.status == 429 or answer.status >= 500:
        raise Retry(retry_after(answer.headers.get("retry-after"), ctx.attempt),
                    f"push service answered {answer.status}")
    raise Permanent(f"push service answered {answer.status}")
