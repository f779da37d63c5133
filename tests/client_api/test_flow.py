"""The issue's whole flow with mastodon-py against real servers, on SQLite and on
PostgreSQL: log in both ways, upload (202 → 206 → ready after the worker ran), post
with media and alt text, timelines with paging, resolve and follow an artist on a
second Impasto instance, notifications for follow / favourite / reblog / mention,
favourite, reblog, delete, and a read-only token refused on a write."""

from __future__ import annotations

import httpx
import pytest
from mastodon import Mastodon, MastodonAPIError

from tests.client_api.conftest import (
    PASSWORD,
    code_grant_login,
    free_port,
    instance,
    png_bytes,
    register_app,
)

pytestmark = pytest.mark.slow


def password_login(url: str, username: str) -> Mastodon:
    client_id, secret = register_app(url)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=url)
    api.log_in(username, PASSWORD, allow_http=True)
    return api


def people(inst, *names: str) -> tuple[list[Mastodon], list[int]]:
    """Create local users on `inst`, log each in; (their clients, their account ids)."""
    for name in names:
        inst.user(name)
    apis = [password_login(inst.url, name) for name in names]
    return apis, [api.me().id for api in apis]


def settle(*hops) -> None:
    """Deliveries and inbox processing bounce between the two servers: run each one's
    jobs in the order the messages travel (each run finishes all runnable work)."""
    for inst in hops:
        inst.work()


def test_the_whole_flow(make_database, tmp_path):
    settings = {"SERVER_RUN_WORKER": "false", "API_PASSWORD_GRANT": "true"}
    port_a, port_b = free_port(), free_port()
    with (
        instance(make_database("a"), tmp_path / "a", port=port_a, peers=[port_b], **settings) as a,
        instance(make_database("b"), tmp_path / "b", port=port_b, peers=[port_a], **settings) as b,
    ):
        a.user("alice")
        a.user("carol")
        b.user("bob")
        alice = code_grant_login(a.url, "alice")
        carol = password_login(a.url, "carol")
        bob = password_login(b.url, "bob")
        me = alice.account_verify_credentials()
        assert me.username == "alice" and me.source.privacy == "public"

        # -- media: 202 while processing, 206 until the worker ran, then ready
        raw = httpx.post(
            a.url + "/api/v2/media",
            headers={"Authorization": f"Bearer {alice.access_token}"},
            files={"file": ("harbour.png", png_bytes(1), "image/png")},
            data={"description": "A harbour at dusk", "focus": "0.2,-0.1"},
        )
        assert raw.status_code == 202, raw.text
        media = raw.json()
        assert media["url"] is None and media["type"] == "image"
        pending = httpx.get(
            f"{a.url}/api/v1/media/{media['id']}", headers={"Authorization": f"Bearer {alice.access_token}"}
        )
        assert pending.status_code == 206
        a.work()
        ready = alice.media(media["id"])
        assert ready.url.startswith(a.url + "/media/") and ready.blurhash
        assert ready.description == "A harbour at dusk" and ready.meta.focus.x == pytest.approx(0.2)
        assert httpx.get(ready.url).status_code == 200
        updated = alice.media_update(
            media["id"], description="A harbour at dusk, oil on board", focus=(0.5, 0.5)
        )
        assert updated.description.endswith("oil on board") and updated.meta.focus.y == pytest.approx(0.5)

        # -- a status with the media and alt text, and the art fields
        status = alice.status_post("Harbour study #oil", media_ids=[media["id"]], sensitive=False)
        assert status.media_attachments[0].description == "A harbour at dusk, oil on board"
        assert status.media_attachments[0].blurhash and status.tags[0].name == "oil"
        extra = httpx.get(f"{a.url}/api/v1/statuses/{status.id}").json()["impasto"]
        assert set(extra) >= {"title", "medium", "tools", "licence", "provenance_verdict", "cloak"}
        assert extra["provenance_verdict"] == "none"

        # -- timelines and paging
        for n in range(25):
            alice.status_post(f"sketch {n}")
        home = alice.timeline_home(limit=10)
        assert [s.content for s in home][:2] == ["<p>sketch 24</p>", "<p>sketch 23</p>"]
        older = alice.fetch_next(home)
        assert len(older) == 10 and int(older[0].id) < int(home[-1].id)
        newer = alice.fetch_previous(older)
        assert [s.id for s in newer] == [s.id for s in home]
        public = alice.timeline_public(local=True, limit=40)
        assert any(s.id == status.id for s in public)
        assert all(s.media_attachments for s in alice.timeline_public(only_media=True))

        # -- find bob on the other instance, follow him
        found = alice.search_v2(f"bob@{b.domain}", resolve=True).accounts
        assert [x.acct for x in found] == [f"bob@{b.domain}"]
        relationship = alice.account_follow(found[0].id)
        assert relationship.following or relationship.requested
        settle(a, b, a)  # Follow out, Accept back, Accept processed
        assert alice.account_relationships(found[0].id)[0].following
        assert [n.type for n in bob.notifications()] == ["follow"]

        # -- bob posts; alice favourites, reblogs and mentions him
        bob.status_post("Morning light on the quay")
        settle(b, a)
        remote = [s for s in alice.timeline_home() if s.account.acct == f"bob@{b.domain}"]
        assert remote, "bob's status reached alice's home timeline"
        alice.status_favourite(remote[0].id)
        reblog = alice.status_reblog(remote[0].id)
        assert reblog.reblog.id == remote[0].id and reblog.reblogged
        alice.status_post(f"@bob@{b.domain} lovely light", in_reply_to_id=remote[0].id)
        settle(a, b)
        kinds = {n.type for n in bob.notifications()}
        assert kinds >= {"follow", "favourite", "reblog", "mention"}
        only = bob.notifications(types=["mention"])
        assert {n.type for n in only} == {"mention"}
        assert "mention" not in {n.type for n in bob.notifications(exclude_types=["mention"])}

        # -- local interactions and their notifications
        carol.status_favourite(status.id)
        carol.status_reblog(status.id)
        notes = alice.notifications()
        assert {n.type for n in notes} >= {"favourite", "reblog"}
        assert {n.account.acct for n in notes} == {"carol"}
        assert alice.status(status.id).favourites_count == 1
        assert [x.username for x in alice.status_favourited_by(status.id)] == ["carol"]
        deleted = alice.status_delete(status.id)
        assert deleted.text == "Harbour study #oil"
        with pytest.raises(MastodonAPIError) as gone:
            alice.status(status.id)
        assert gone.value.args[1] == 404

        # -- a read-only token is refused on a write
        reader = code_grant_login(a.url, "alice", scopes=("read",))
        with pytest.raises(MastodonAPIError) as refused:
            reader.status_favourite(remote[0].id)
        assert refused.value.args[1] == 403
