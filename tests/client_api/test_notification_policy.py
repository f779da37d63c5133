"""The notification policy and requests in-process on SQLite and PostgreSQL: Mastodon's
defaults (all accepted), strangers' private mentions filtered on request, filtered
notifications out of the
v1 and v2 lists and the unread count but listed as requests, drop, a bad value 422, a
read-only token 403, accepting a sender (their notifications come back) and dismissing
a request."""

from __future__ import annotations

from instance.storage.models import Follow, FollowState, Notification
from tests.client_api.inprocess import api_app, bearer, person, work


async def test_policy_and_requests(database_url, tmp_path):
    async with api_app(database_url, tmp_path) as app:
        client = app.test_client()
        mira, ines, zed, yan = [await person(n) for n in ("mira", "ines", "zed", "yan")]
        await Follow.create(follower=mira, target=ines, state=FollowState.ACCEPTED)
        headers = await bearer(mira)
        painting = await work(mira, "a painting")
        from_friend = await work(ines, "@mira hello", visibility="direct")
        from_stranger = await work(zed, "@mira buy my course", visibility="direct")
        friendly = await Notification.create(recipient=mira, kind="mention", from_account=ines,
                                             work=from_friend)
        stranger = await Notification.create(recipient=mira, kind="mention", from_account=zed,
                                             work=from_stranger)
        liked = await Notification.create(recipient=mira, kind="favourite", from_account=zed,
                                          work=painting)

        async def listed() -> list[str]:
            v1 = await (await client.get("/api/v1/notifications", headers=headers)).get_json()
            v2 = await (await client.get("/api/v2/notifications", headers=headers)).get_json()
            assert sorted(n["id"] for n in v1) == sorted(
                g["most_recent_notification_id"] for g in v2["notification_groups"])
            return sorted(n["id"] for n in v1)

        async def requests() -> list[tuple[str, str]]:
            found = await (await client.get("/api/v1/notifications/requests", headers=headers)).get_json()
            return [(r["id"], r["notifications_count"]) for r in found]

        policy = await (await client.get("/api/v2/notifications/policy", headers=headers)).get_json()
        # Impasto keeps strangers' private mentions by default (artists get commission
        # requests that way); filtering them is one switch away.
        assert policy["for_private_mentions"] == "accept" and policy["for_not_following"] == "accept"
        assert await listed() == sorted([str(friendly.id), str(stranger.id), str(liked.id)])
        await client.patch("/api/v2/notifications/policy", headers=headers,
                           json={"for_private_mentions": "filter"})
        policy = await (await client.get("/api/v2/notifications/policy", headers=headers)).get_json()
        assert policy["for_private_mentions"] == "filter"
        assert policy["summary"] == {"pending_requests_count": 1, "pending_notifications_count": 1}
        assert await listed() == sorted([str(friendly.id), str(liked.id)])
        count = await (await client.get("/api/v1/notifications/unread_count", headers=headers)).get_json()
        assert count["count"] == 2
        assert await requests() == [(str(zed.id), "1")]
        one = await (await client.get(f"/api/v1/notifications/requests/{zed.id}", headers=headers)).get_json()
        assert one["last_status"]["id"] == str(from_stranger.id) and one["account"]["id"] == str(zed.id)

        bad = await client.patch("/api/v2/notifications/policy", headers=headers,
                                 json={"for_not_following": "ignore"})
        assert bad.status_code == 422
        read_only = await bearer(mira, "read")
        assert (await client.patch("/api/v2/notifications/policy", headers=read_only,
                                   json={"for_not_following": "drop"})).status_code == 403

        dropped = await client.patch("/api/v2/notifications/policy", headers=headers,
                                     json={"for_not_following": "drop"})
        assert (await dropped.get_json())["for_not_following"] == "drop"
        assert await listed() == [str(friendly.id)]
        assert await requests() == []  # dropped wins over filtered

        await client.patch("/api/v2/notifications/policy", headers=headers,
                           json={"for_not_following": "filter"})
        assert await listed() == [str(friendly.id)]
        assert await requests() == [(str(zed.id), "2")]
        unknown = await client.post(f"/api/v1/notifications/requests/{ines.id}/accept", headers=headers)
        assert unknown.status_code == 404
        accepted = await client.post(f"/api/v1/notifications/requests/{zed.id}/accept", headers=headers)
        assert accepted.status_code == 200
        assert await listed() == sorted([str(friendly.id), str(stranger.id), str(liked.id)])
        assert await requests() == []

        spam = await Notification.create(recipient=mira, kind="favourite", from_account=yan, work=painting)
        assert await requests() == [(str(yan.id), "1")]
        done = await client.post("/api/v1/notifications/requests/dismiss", headers=headers,
                                 json={"id": [str(yan.id)]})
        assert done.status_code == 200
        assert await requests() == []
        assert str(spam.id) not in await listed()
        assert await Notification.filter(id=spam.id, dismissed=True).exists()
