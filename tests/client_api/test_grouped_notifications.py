"""Grouped notifications (/api/v2/notifications) in-process on SQLite and PostgreSQL:
likes and boosts of one work and the follows of one day are one group each, the page's
accounts and statuses come along, types/exclude/grouped_types, paging by notification
id with a Link header, one group, dismissing a group, unread counts with the marker,
an unknown group key 404 and a read-only token refused a dismiss."""

from __future__ import annotations

from instance.storage.models import Notification
from tests.client_api.inprocess import api_app, bearer, person, work


async def test_grouped_notifications(database_url, tmp_path):
    async with api_app(database_url, tmp_path) as app:
        client = app.test_client()
        mira = await person("mira")
        fans = [await person(f"fan{i}") for i in range(4)]
        headers = await bearer(mira)
        painting = await work(mira, "a painting")
        sketch = await work(mira, "a sketch")
        made = []
        for fan in fans:
            made.append(await Notification.create(recipient=mira, kind="favourite",
                                                  from_account=fan, work=painting))
        made.append(await Notification.create(recipient=mira, kind="reblog",
                                              from_account=fans[0], work=painting))
        for fan in fans[:2]:
            made.append(await Notification.create(recipient=mira, kind="follow", from_account=fan))
        made.append(await Notification.create(recipient=mira, kind="mention",
                                              from_account=fans[3], work=sketch))

        answer = await client.get("/api/v2/notifications", headers=headers)
        assert answer.status_code == 200
        body = await answer.get_json()
        groups = body["notification_groups"]
        assert [g["type"] for g in groups] == ["mention", "follow", "reblog", "favourite"]
        likes = groups[3]
        assert likes["group_key"] == f"favourite-{painting.id}"
        assert likes["notifications_count"] == 4 and likes["status_id"] == str(painting.id)
        assert likes["sample_account_ids"] == [str(f.id) for f in reversed(fans)]
        assert likes["page_min_id"] == str(made[0].id) and likes["page_max_id"] == str(made[3].id)
        assert groups[1]["notifications_count"] == 2 and groups[1]["group_key"].startswith("follow-")
        assert {a["id"] for a in body["accounts"]} == {str(f.id) for f in fans}
        assert {s["id"] for s in body["statuses"]} == {str(painting.id), str(sketch.id)}

        # v1 carries the same keys
        v1 = await (await client.get("/api/v1/notifications", headers=headers)).get_json()
        assert {n["group_key"] for n in v1} == {g["group_key"] for g in groups}

        # filters on types, and grouping switched off for follows
        only = await (await client.get("/api/v2/notifications?types[]=favourite&types[]=follow"
                                       "&grouped_types[]=favourite", headers=headers)).get_json()
        assert [g["type"] for g in only["notification_groups"]] == ["follow", "follow", "favourite"]
        without = await (await client.get("/api/v2/notifications?exclude_types[]=favourite",
                                          headers=headers)).get_json()
        assert "favourite" not in [g["type"] for g in without["notification_groups"]]

        # paging: two groups, then the rest, no notification twice
        first = await client.get("/api/v2/notifications?limit=2", headers=headers)
        page1 = (await first.get_json())["notification_groups"]
        assert [g["type"] for g in page1] == ["mention", "follow"]
        link = first.headers["Link"]
        assert f"max_id={made[5].id}" in link and f"min_id={made[7].id}" in link
        rest = await (await client.get(f"/api/v2/notifications?limit=2&max_id={made[5].id}",
                                       headers=headers)).get_json()
        assert [g["type"] for g in rest["notification_groups"]] == ["reblog", "favourite"]
        newer = await (await client.get(f"/api/v2/notifications?limit=1&min_id={made[3].id}",
                                        headers=headers)).get_json()
        assert [g["type"] for g in newer["notification_groups"]] == ["reblog"]

        # one group
        one = await client.get(f"/api/v2/notifications/favourite-{painting.id}", headers=headers)
        assert (await one.get_json())["notification_groups"][0]["notifications_count"] == 4
        for bad in ("nonsense", "favourite-x", "ungrouped-999999", "poll-1"):
            missing = await client.get(f"/api/v2/notifications/{bad}", headers=headers)
            assert missing.status_code == 404, bad

        # unread counts: v1 counts notifications, v2 groups; the marker moves both
        v1_count = await (await client.get("/api/v1/notifications/unread_count", headers=headers)).get_json()
        v2_count = await (await client.get("/api/v2/notifications/unread_count", headers=headers)).get_json()
        assert (v1_count["count"], v2_count["count"]) == (8, 4)
        moved = await client.post("/api/v1/markers", headers=headers,
                                  json={"notifications": {"last_read_id": str(made[4].id)}})
        assert moved.status_code == 200
        v1_count = await (await client.get("/api/v1/notifications/unread_count", headers=headers)).get_json()
        v2_count = await (await client.get("/api/v2/notifications/unread_count", headers=headers)).get_json()
        assert (v1_count["count"], v2_count["count"]) == (3, 2)

        # dismissing a group: scope checked, then all of its notifications go
        read_only = await bearer(mira, "read")
        refused = await client.post(f"/api/v2/notifications/favourite-{painting.id}/dismiss",
                                    headers=read_only)
        assert refused.status_code == 403
        done = await client.post(f"/api/v2/notifications/favourite-{painting.id}/dismiss",
                                 headers=headers)
        assert (done.status_code, await done.get_json()) == (200, {})
        assert await Notification.filter(work=painting, kind="favourite", dismissed=False).count() == 0
        again = await client.post(f"/api/v2/notifications/favourite-{painting.id}/dismiss",
                                  headers=headers)
        assert again.status_code == 404
        # someone else's group is not theirs to see
        other = await bearer(fans[0])
        assert (await client.get(f"/api/v2/notifications/reblog-{painting.id}",
                                 headers=other)).status_code == 404
