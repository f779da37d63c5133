"""The job board's JSON API (/api/v1/impasto/jobs) against a running server, on SQLite and
PostgreSQL: scopes, posting and partial updates, refusals as 4xx JSON with nothing
stored, the board's filters, applying with works, the poster's answer, closing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from mastodon import Mastodon

from tests.client_api.conftest import PASSWORD, instance, register_app

pytestmark = pytest.mark.slow
JOBS = "/api/v1/impasto/jobs"


def token(url: str, name: str, scopes: tuple[str, ...] = ("read", "write")) -> Mastodon:
    client_id, secret = register_app(url, scopes)
    api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=url)
    api.log_in(name, PASSWORD, scopes=list(scopes), allow_http=True)
    return api


def client(url: str, api: Mastodon | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {api.access_token}"} if api else {}
    return httpx.Client(base_url=url, headers=headers)


LISTING = {
    "title": "Storyboard artist", "description": "Boards for a short animated film.",
    "kind": "contract", "location_mode": "hybrid", "city": "Ghent", "country": "Belgium",
    "pay_min": 300, "pay_max": 420, "pay_currency": "EUR", "pay_period": "day",
    "skills": ["storyboarding", "Animation"], "mediums": ["digital"],
    "no_ai_work": True, "no_ai_training": True,
}


def test_the_job_board_api(make_database, tmp_path):
    with instance(make_database("jobs-api"), tmp_path, API_PASSWORD_GRANT="true") as inst:
        for name in ("studio", "ines"):
            inst.user(name)
        studio_api, ines_api = token(inst.url, "studio"), token(inst.url, "ines")
        reader = client(inst.url, token(inst.url, "ines", ("read",)))
        studio, ines, anonymous = client(inst.url, studio_api), client(inst.url, ines_api), \
            client(inst.url)
        deadline = (datetime.now(UTC) + timedelta(days=10)).isoformat()

        assert anonymous.post(JOBS, json=LISTING).status_code == 401
        assert reader.post(JOBS, json=LISTING).status_code == 403
        for changes, message in (
            ({"pay_min": None, "pay_max": None}, "pay on request"),
            ({"deadline": "2020-05-01"}, "in the past"),
            ({"description": "x" * 20001}, "longer than 20000"),
            ({"skills": [{"x": 1}]}, None),
            ({"kind": "gig"}, "kind must be one of"),
        ):
            body = {k: v for k, v in {**LISTING, **changes}.items() if v is not None}
            refused = studio.post(JOBS, json=body)
            assert refused.status_code == 422, (changes, refused.text)
            if message:
                assert message in refused.json()["error"]
        assert studio.post(JOBS, content=b"{not json", headers={
            "Content-Type": "application/json"}).status_code == 400
        assert anonymous.get(JOBS).json() == []  # nothing half-stored

        made = studio.post(JOBS, json={**LISTING, "deadline": deadline})
        assert made.status_code == 200, made.text
        listing = made.json()
        assert listing["state"] == "open" and listing["pay"] == {
            "min": 300, "max": 420, "currency": "EUR", "period": "day", "on_request": False,
            "text": "300–420 EUR per day"}
        assert listing["skills"] == ["storyboarding", "animation"]
        assert listing["location"]["city"] == "Ghent" and listing["poster"]["acct"] == "studio"
        draft = studio.post(JOBS, json={**LISTING, "title": "Later", "state": "draft",
                                        "pay_on_request": True}).json()
        assert draft["state"] == "draft" and draft["pay"]["text"] == "Pay on request"
        assert anonymous.get(f"{JOBS}/{draft['id']}").status_code == 404
        assert studio.get(f"{JOBS}/{draft['id']}").json()["title"] == "Later"
        assert anonymous.get(f"{JOBS}/99999999999999999999").status_code == 404

        # a partial update keeps every field not sent; a bad one changes nothing
        patched = studio.patch(f"{JOBS}/{listing['id']}", json={"title": "Lead storyboard artist"})
        assert patched.status_code == 200, patched.text
        assert patched.json()["title"] == "Lead storyboard artist"
        assert patched.json()["pay"]["max"] == 420 and patched.json()["edited_at"]
        assert studio.patch(f"{JOBS}/{listing['id']}",
                            json={"pay_max": 1}).status_code == 422
        assert ines.patch(f"{JOBS}/{listing['id']}", json={"title": "Mine"}).status_code == 404
        assert anonymous.get(f"{JOBS}/{listing['id']}").json()["pay"]["max"] == 420

        # the board and its filters
        assert [row["id"] for row in anonymous.get(JOBS).json()] == [listing["id"]]
        assert anonymous.get(JOBS, params={"kind": "full-time"}).json() == []
        assert len(anonymous.get(JOBS, params={"where": "hybrid", "tag": "animation",
                                               "min_pay": "400"}).json()) == 1
        assert anonymous.get(JOBS, params={"min_pay": "500"}).json() == []

        # applying with a work; the poster sees it, marks it and replies
        work = ines_api.status_post("Boards for a chase scene")
        bad = ines.post(f"{JOBS}/{listing['id']}/apply", json={
            "message": "Hi", "work_ids": ["x"]})
        assert bad.status_code == 422
        assert ines.get(f"{JOBS}/applications").json() == []
        sent = ines.post(f"{JOBS}/{listing['id']}/apply", json={
            "message": "I board action.", "work_ids": [str(work["id"])]})
        assert sent.status_code == 200, sent.text
        application = sent.json()
        assert application["state"] == "new" and application["work_ids"] == [str(work["id"])]
        assert ines.post(f"{JOBS}/{listing['id']}/apply",
                         json={"message": "Again"}).status_code == 409
        assert ines.get(f"{JOBS}/{listing['id']}/applications").status_code == 404
        (seen,) = studio.get(f"{JOBS}/{listing['id']}/applications").json()
        assert seen["applicant"]["acct"] == "ines" and "I board action." in seen["message"]
        answered = studio.patch(f"{JOBS}/applications/{application['id']}", json={
            "state": "hired", "reply": "Welcome"})
        assert answered.status_code == 422  # neither stored
        answered = studio.patch(f"{JOBS}/applications/{application['id']}", json={
            "state": "shortlisted", "reply": "Are you free in June?"})
        assert answered.status_code == 200 and answered.json()["state"] == "shortlisted"
        (mine,) = ines.get(f"{JOBS}/applications").json()
        assert mine["reply"] == "Are you free in June?" and mine["state"] == "shortlisted"
        assert mine["listing"]["title"] == "Lead storyboard artist"

        # closing
        assert studio.post(f"{JOBS}/{listing['id']}/close",
                           json={"state": "gone"}).status_code == 422
        closed = studio.post(f"{JOBS}/{listing['id']}/close", json={"state": "filled"})
        assert closed.json()["state"] == "filled"
        assert anonymous.get(JOBS).json() == []
        assert anonymous.get(f"{JOBS}/{listing['id']}").json()["state"] == "filled"
        opened = studio.post(f"{JOBS}/{draft['id']}/open")
        assert opened.status_code == 200 and opened.json()["state"] == "open"
