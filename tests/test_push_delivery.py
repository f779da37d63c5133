"""The push.notify job in-process, on SQLite and PostgreSQL, against a loopback push
service: a notification queues one job per subscription in its own transaction (none
when the transaction rolls back); 429/5xx are retried with backoff (Retry-After
honoured) and end after the trigger's MAX_ATTEMPTS; another 4xx ends the job at once;
an endpoint the SSRF guard refuses ends it; an alert that is off sends nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from tortoise.transactions import in_transaction

from instance.actors.accounts import create_local_user
from instance.api.oauth.tokens import issue_token
from instance.jobs.kinds import PUSH_NOTIFICATION
from instance.push.keys import b64url
from instance.push.trigger import MAX_ATTEMPTS
from instance.storage.models import (
    Account,
    Job,
    JobState,
    Notification,
    OAuthApplication,
    OAuthToken,
    WebPushSubscription,
)
from tests.rig.jobs import run_jobs_until_idle
from tests.rig.loopback import Request, Response, loopback_server


async def subscriber(services, endpoint: str, **alerts: bool
                     ) -> tuple[Account, ec.EllipticCurvePrivateKey, bytes]:
    user = await create_local_user(services.urls, "ines", "correct horse battery")
    app = await OAuthApplication.create(name="app", client_id="cid", client_secret="x")
    _, token = await issue_token(app, user, ["push"])
    key = ec.generate_private_key(ec.SECP256R1())
    auth = b"0123456789abcdef"
    point = key.public_key().public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    await WebPushSubscription.create(token=token, account_id=user.account_id, endpoint=endpoint,
                                     key_p256dh=b64url(point), key_auth=b64url(auth),
                                     alerts=alerts, standard=True)
    return await Account.get(id=user.account_id), key, auth


async def other(services) -> Account:
    user = await create_local_user(services.urls, "omar", "correct horse battery")
    return await Account.get(id=user.account_id)


async def notify(recipient: Account, sender: Account, kind: str = "follow") -> Notification:
    return await Notification.create(recipient_id=recipient.id, from_account_id=sender.id, kind=kind)


async def push_jobs() -> list[Job]:
    return await Job.filter(kind=PUSH_NOTIFICATION).order_by("id")


async def test_retries_then_delivers_then_gives_up(services):
    answers: list[Response] = []

    def handler(request: Request) -> Response:
        return answers.pop(0) if answers else Response(201)

    async with loopback_server(handler) as server:
        ines, key, auth = await subscriber(services, server.url("/push/1"), follow=True, mention=False)
        omar = await other(services)

        # Written in a transaction that rolls back: no notification, no push job.
        with pytest.raises(RuntimeError):
            async with in_transaction():
                await notify(ines, omar)
                raise RuntimeError("rolled back")
        assert await push_jobs() == []

        # 503 with Retry-After: retried later, not lost.
        answers.append(Response(503, {"Retry-After": "120"}))
        note = await notify(ines, omar)
        assert await run_jobs_until_idle(services) == 1
        [job] = await push_jobs()
        assert job.state == JobState.QUEUED and job.attempts == 1 and "503" in job.last_error
        assert job.next_attempt_at > datetime.now(UTC) + timedelta(seconds=60)
        assert await run_jobs_until_idle(services, include_delayed=True) == 1
        await job.refresh_from_db()
        assert job.state == JobState.DONE and len(server.requests) == 2
        delivered = server.requests[-1]
        assert delivered["headers"]["Content-Encoding"] == "aes128gcm"
        assert delivered["headers"]["TTL"] == str(48 * 3600)
        message = json.loads(http_ece.decrypt(delivered["body"], private_key=key, auth_secret=auth,
                                              version="aes128gcm"))
        assert (message["notification_type"], message["notification_id"]) == ("follow", str(note.id))
        assert message["title"] == "omar is now following you"

        # An alert that is off: the job runs, nothing is sent.
        await notify(ines, omar, "mention")
        await run_jobs_until_idle(services)
        assert len(server.requests) == 2

        # Always 500: retried with backoff, then ended after MAX_ATTEMPTS.
        answers.extend(Response(500) for _ in range(MAX_ATTEMPTS + 2))
        await notify(ines, omar)
        await run_jobs_until_idle(services, include_delayed=True)
        last = (await push_jobs())[-1]
        assert last.state == JobState.FAILED and last.attempts == MAX_ATTEMPTS
        assert len(server.requests) == 2 + MAX_ATTEMPTS

        # Another 4xx: no retry, the subscription stays.
        answers.clear()
        answers.append(Response(400))
        await notify(ines, omar)
        await run_jobs_until_idle(services, include_delayed=True)
        last = (await push_jobs())[-1]
        assert last.state == JobState.FAILED and last.attempts == 1 and "400" in last.last_error
        assert await WebPushSubscription.filter(account_id=ines.id).count() == 1

        # The app is logged out after the message was queued: nothing is sent, the
        # subscription ends; later notifications queue nothing.
        sent = len(server.requests)
        await notify(ines, omar)
        await OAuthToken.all().update(revoked_at=datetime.now(UTC))
        await run_jobs_until_idle(services, include_delayed=True)
        assert len(server.requests) == sent
        assert await WebPushSubscription.filter(account_id=ines.id).count() == 0
        queued = len(await push_jobs())
        await notify(ines, omar)
        assert len(await push_jobs()) == queued


async def test_refused_address_ends_the_job(services):
    # 127.0.0.2 is no loopback server of this test: the SSRF guard refuses it.
    ines, _, _ = await subscriber(services, "http://127.0.0.2:9/push", follow=True)
    omar = await other(services)
    await notify(ines, omar)
    await run_jobs_until_idle(services, include_delayed=True)
    [job] = await push_jobs()
    assert job.state == JobState.FAILED and job.attempts == 1 and "127.0.0.2" in job.last_error
