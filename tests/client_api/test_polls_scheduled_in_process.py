"""Polls through the client API, in process (create_app + test_client), on SQLite and
PostgreSQL: form and JSON bodies as mastodon-py sends them, the bounds (422 with a
message), the poll entity in the status and at /api/v1/polls/:id, voting rules,
hide_totals, and the scopes; scheduled statuses (the 5-minute bound, list, get, reschedule,
delete, someone else's 404) published by the job of their current time only."""

from __future__ import annotations

from urllib.parse import urlencode

from instance.actors.accounts import create_local_user
from instance.api.oauth.tokens import issue_token
from instance.app import create_app
from instance.config import load_config
from instance.storage import db
from instance.storage.models import OAuthApplication, PollVote, User
from instance.urls import LocalUrls


async def _tokens(config, names: list[str], scopes: list[str]) -> dict[str, str]:
    await db.connect(config.database.url)
    try:
        app = await OAuthApplication.create(name="t", client_id="cid", client_secret="s")
        out = {}
        for name in names:
            await create_local_user(LocalUrls(config.base_url), name, "a long enough password")
            user = await User.get(account__username=name)
            out[name], _ = await issue_token(app, user, scopes)
        out["readonly"], _ = await issue_token(app, await User.get(account__username="bo"), ["read"])
        return out
    finally:
        await db.disconnect()


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def post_form(client, url: str, headers: dict[str, str], pairs: list[tuple[str, str]]):
    """Repeated form fields (`name[]`), encoded as mastodon-py's requests does."""
    return await client.post(url, data=urlencode(pairs), headers={
        **headers, "Content-Type": "application/x-www-form-urlencoded"})


async def test_polls_in_the_client_api(database_url, tmp_path):
    config = load_config(environ={
        "IMPASTO_DATABASE_URL": database_url, "IMPASTO_MEDIA_PATH": str(tmp_path / "media"),
        "IMPASTO_SERVER_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "IMPASTO_SERVER_RUN_WORKER": "false",
    })
    tokens = await _tokens(config, ["ada", "bo", "cy"], ["read", "write"])
    app = create_app(config)
    async with app.test_app():
        client = app.test_client()
        ada, bo, cy = (_auth(tokens[n]) for n in ("ada", "bo", "cy"))
        # Form fields, as mastodon-py sends them.
        made = await post_form(client, "/api/v1/statuses", ada, [
            ("status", "Which palette?"), ("poll[options][]", "warm"), ("poll[options][]", "cool"),
            ("poll[options][]", "mono"), ("poll[expires_in]", "3600"), ("poll[multiple]", "false")])
        status = await made.get_json()
        assert made.status_code == 200, status
        poll = status["poll"]
        assert [o["title"] for o in poll["options"]] == ["warm", "cool", "mono"]
        assert poll["multiple"] is False and poll["expired"] is False and poll["voted"] is True
        assert poll["votes_count"] == 0 and poll["expires_at"]
        # JSON bodies, multiple choice and hidden totals.
        hidden = await (await client.post("/api/v1/statuses", headers=ada, json={
            "status": "Pick any", "poll": {"options": ["a", "b"], "expires_in": 600,
                                           "multiple": True, "hide_totals": True}})).get_json()
        assert hidden["poll"]["multiple"] is True
        # The bounds.
        for body in ({"status": "x", "poll": {"options": ["only"], "expires_in": 600}},
                     {"status": "x", "poll": {"options": ["a", "b"], "expires_in": 60}},
                     {"status": "x", "poll": {"options": ["a", "b", "c", "d", "e"], "expires_in": 600}},
                     {"status": "x", "poll": {"options": ["a", "b" * 60], "expires_in": 600}},
                     {"status": "x", "poll": {"options": "ab", "expires_in": 600}}):
            refused = await client.post("/api/v1/statuses", headers=ada, json=body)
            assert refused.status_code == 422, body
            assert "poll" in (await refused.get_json())["error"]

        url = f"/api/v1/polls/{poll['id']}"
        assert (await client.post(url + "/votes", headers=ada, form={"choices[]": "0"})).status_code == 422
        for choices in (["0", "1"], ["7"], ["x"], []):
            answer = await post_form(client, url + "/votes", bo, [("choices[]", c) for c in choices])
            assert answer.status_code == 422, choices
            assert (await answer.get_json())["error"]
        assert (await client.post(url + "/votes", headers=_auth(tokens["readonly"]),
                                  form={"choices[]": "1"})).status_code == 403
        assert await PollVote.all().count() == 0
        voted = await client.post(url + "/votes", headers=bo, json={"choices": ["1"]})
        entity = await voted.get_json()
        assert voted.status_code == 200, entity
        assert entity["voted"] is True and entity["own_votes"] == [1]
        assert [o["votes_count"] for o in entity["options"]] == [0, 1, 0]
        assert (await client.post(url + "/votes", headers=bo, json={"choices": ["0"]})).status_code == 422
        seen = await (await client.get(url, headers=cy)).get_json()
        assert seen["voted"] is False and seen["own_votes"] == [] and seen["voters_count"] == 1
        anonymous = await (await client.get(url)).get_json()
        assert "voted" not in anonymous and anonymous["votes_count"] == 1
        again = await (await client.get(f"/api/v1/statuses/{status['id']}", headers=bo)).get_json()
        assert again["poll"]["own_votes"] == [1]
        assert (await client.get("/api/v1/polls/999999", headers=bo)).status_code == 404

        hidden_url = f"/api/v1/polls/{hidden['poll']['id']}"
        both = await (await post_form(client, hidden_url + "/votes", cy,
                                     [("choices[]", "0"), ("choices[]", "1")])).get_json()
        assert [o["votes_count"] for o in both["options"]] == [None, None]
        by_author = await (await client.get(hidden_url, headers=ada)).get_json()
        assert [o["votes_count"] for o in by_author["options"]] == [1, 1]

        info = await (await client.get("/api/v2/instance")).get_json()
        assert info["configuration"]["polls"]["max_options"] == 4


async def test_scheduled_statuses(database_url, tmp_path):
    from datetime import UTC, datetime, timedelta

    from instance.storage.models import Job, Poll, ScheduledStatus, Work
    from tests.rig.jobs import run_jobs_until_idle

    config = load_config(environ={
        "IMPASTO_DATABASE_URL": database_url, "IMPASTO_MEDIA_PATH": str(tmp_path / "media"),
        "IMPASTO_SERVER_SECRET_KEY_FILE": str(tmp_path / "secret_key"),
        "IMPASTO_SERVER_RUN_WORKER": "false",
    })
    tokens = await _tokens(config, ["ada", "bo"], ["read", "write"])
    app = create_app(config)
    async with app.test_app():
        client = app.test_client()
        ada, bo = _auth(tokens["ada"]), _auth(tokens["bo"])
        soon = (datetime.now(UTC) + timedelta(minutes=2)).isoformat()
        refused = await client.post("/api/v1/statuses", headers=ada,
                                    json={"status": "later", "scheduled_at": soon})
        assert refused.status_code == 422 and "5 minutes" in (await refused.get_json())["error"]
        assert (await client.post("/api/v1/statuses", headers=ada, json={
            "status": "later", "scheduled_at": "tomorrow"})).status_code == 422

        first = datetime.now(UTC) + timedelta(hours=1)
        made = await client.post("/api/v1/statuses", headers=ada, json={
            "status": "A new series, soon", "scheduled_at": first.isoformat(),
            "poll": {"options": ["yes", "no"], "expires_in": 600}})
        entity = await made.get_json()
        assert made.status_code == 200, entity
        assert entity["params"]["text"] == "A new series, soon"
        assert entity["params"]["poll"]["options"] == ["yes", "no"]
        cancelled = await (await client.post("/api/v1/statuses", headers=ada, json={
            "status": "never", "scheduled_at": first.isoformat()})).get_json()
        listed = await (await client.get("/api/v1/scheduled_statuses", headers=ada)).get_json()
        assert {s["id"] for s in listed} == {entity["id"], cancelled["id"]}
        assert await (await client.get("/api/v1/scheduled_statuses", headers=bo)).get_json() == []
        url = f"/api/v1/scheduled_statuses/{entity['id']}"
        assert (await client.get(url, headers=bo)).status_code == 404
        assert (await client.delete(url, headers=bo)).status_code == 404

        later = datetime.now(UTC) + timedelta(hours=2)
        moved = await client.put(url, headers=ada, json={"scheduled_at": later.isoformat()})
        assert moved.status_code == 200
        assert (await client.put(url, headers=ada, json={"scheduled_at": soon})).status_code == 422
        assert (await client.delete(f"/api/v1/scheduled_statuses/{cancelled['id']}",
                                    headers=ada)).status_code == 200

        jobs = await Job.filter(kind="statuses.publish_scheduled").order_by("id")
        assert len(jobs) == 3  # first time, the cancelled one, the new time
        row = await ScheduledStatus.get(id=int(entity["id"]))
        assert jobs[-1].next_attempt_at == row.scheduled_at
        services = app.extensions["impasto"]
        await run_jobs_until_idle(services)  # nothing is due yet
        assert not await Work.filter(content_source="A new series, soon").exists()
        await run_jobs_until_idle(services, include_delayed=True)  # as if the hours passed
        [published] = await Work.filter(content_source__in=["A new series, soon", "never"])
        assert published.content_source == "A new series, soon"
        assert await Poll.filter(work_id=published.id).exists()
        assert not await ScheduledStatus.exists()
