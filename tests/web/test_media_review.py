"""The image-review loop over real HTTP, on SQLite and PostgreSQL: an upload that declares
AI provenance is held (`[ai] local_ai_verdict = hold`), the artist publishes its work
(which waits) and asks for a review; the moderator sees the image itself (re-rendered from
the original, staff only) with its evidence and publishes it with a reason; the artist is
notified (web and Mastodon API), and the work is published by itself. Then the
notifications page: likes of one work grouped, the unread count in the header and in the
API agree, opening one or "Mark all as read" reads them."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from PIL import Image

from tests.client_api.conftest import Instance, code_grant_login, instance
from tests.rig.processes import run_cli
from tests.web.test_auth_pages import csrf, login

pytestmark = pytest.mark.slow

BADGE = re.compile(r'Notifications <span class="badge">(\d+)<')


def unread_badge(client: httpx.Client) -> int:
    """The header's unread count on any page (0 when there is no badge)."""
    found = BADGE.search(client.get("/settings").text)
    return int(found.group(1)) if found else 0


def api_unread(url: str, token: str) -> int:
    answer = httpx.get(f"{url}/api/v1/notifications/unread_count",
                       headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()["count"]


def make_moderator(site: Instance, name: str) -> None:
    made = run_cli(["user", "create", name, "--moderator", "--password-stdin"], site.env,
                   stdin="a long enough password\n")
    assert made.returncode == 0, made.stderr


def test_held_upload_reviewed_from_the_pages(make_database, tmp_path, shared_dir):
    image = (shared_dir / "fixtures/provenance/c2pa_firefly_butterfly.jpg").read_bytes()
    with (
        instance(make_database("site"), tmp_path, AI_LOCAL_AI_VERDICT="hold",
                 SERVER_RUN_WORKER="false", CLOAK_ENABLED="false") as server,
        httpx.Client(base_url=server.url) as artist,
        httpx.Client(base_url=server.url) as moderator,
        httpx.Client(base_url=server.url) as visitor,
    ):
        make_moderator(server, "boss")
        server.user("mira")
        login(artist, "mira")
        token = csrf(artist, "/upload")
        sent = artist.post(
            "/upload/media",
            headers={"X-CSRF-Token": token},
            files={"file": ("butterfly.jpg", image, "image/jpeg")},
        )
        assert sent.status_code == 202, sent.text
        media_id = int(sent.json()["id"])
        server.work()
        status = artist.get(f"/upload/media/{media_id}").json()
        assert status["state"] == "held" and status["verdict"] == "ai"
        assert any(s["signal"] == "c2pa" for s in status["signals"])

        # The work is saved with its held image; it waits for the moderator.
        published = artist.post("/upload", data={
            "csrf_token": token, "media": str(media_id), "title": "Butterfly study"})
        assert published.status_code == 302, published.text
        work_id = int(published.headers["location"].rsplit("/", 1)[1])
        assert "Almost there" in artist.get(published.headers["location"]).text

        page = artist.get(f"/settings/media/{media_id}").text
        assert "Ask for a review" in page and "c2pa" in page
        asked = artist.post(
            f"/settings/media/{media_id}/review",
            data={
                "csrf_token": csrf(artist, f"/settings/media/{media_id}"),
                "note": "I painted it; Firefly only extended the sky",
            },
        )
        assert asked.status_code == 302
        assert "You asked for a review" in artist.get(f"/settings/media/{media_id}").text

        # The moderator sees the image itself and the evidence.
        original_path = f"/admin/media-review/{media_id}/original.jpg"
        assert visitor.get(original_path).status_code == 302  # to the log-in page
        assert artist.get(original_path).status_code == 403  # staff only
        login(moderator, "boss")
        assert "Images waiting for review: 1" in moderator.get("/admin/").text
        assert unread_badge(moderator) == 1  # the artist's request
        staff_notes = moderator.get("/notifications").text
        assert "asked for a review of an image in “Butterfly study”" in staff_notes
        assert "Firefly only extended the sky" in staff_notes
        link = re.search(r'href="(/notifications/\d+)">Open the queue', staff_notes).group(1)
        assert moderator.get(link).headers["location"] == f"/admin/media-review#media-{media_id}"
        assert unread_badge(moderator) == 0
        queue = moderator.get("/admin/media-review").text
        assert "Firefly only extended the sky" in queue and re.search(
            rf"/admin/media-review/{media_id}\"", queue
        )
        assert f'src="{original_path}"' in queue
        assert "Butterfly study" in queue and "c2pa" in queue and "high" in queue
        shown = moderator.get(original_path)
        assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
        assert "no-store" in shown.headers["cache-control"]
        assert b"c2pa" not in shown.content.lower() and b"Exif" not in shown.content
        with Image.open(io.BytesIO(image)) as sent_image, Image.open(io.BytesIO(shown.content)) as seen:
            assert seen.format == "JPEG"
            assert abs(seen.width / seen.height - sent_image.width / sent_image.height) < 0.01
        assert moderator.get("/admin/media-review/999999/original.jpg").status_code == 404

        assert unread_badge(artist) == 0
        moderator.post(
            f"/admin/media-review/{media_id}",
            data={
                "csrf_token": csrf(moderator, "/admin/media-review"),
                "decision": "label",
                "reason": "composite, labelled",
            },
        )
        status = artist.get(f"/upload/media/{media_id}").json()
        assert status["state"] == "ready"
        assert "Nothing waits for review" in moderator.get("/admin/media-review").text
        assert "Images waiting for review: 0" in moderator.get("/admin/").text
        server.work()  # the work publishes by itself

        # The artist is told, on the web and through the API, and the work is public.
        api = code_grant_login(server.url, "mira")
        assert unread_badge(artist) == 1
        assert api_unread(server.url, api.access_token) == 1
        listed = api.notifications()
        review = next(n for n in listed if n["type"] == "impasto.review")
        assert review["impasto_review"] == {"media_id": str(media_id), "decision": "label",
                                             "reason": "composite, labelled"}
        assert str(review["status"]["id"]) == str(work_id)
        notes = artist.get("/notifications").text
        assert "approved your image with the AI label" in notes and "composite, labelled" in notes
        assert "The work is published" in notes and 'class="unread"' in notes
        opened = artist.get(f"/notifications/{review['id']}")
        assert opened.status_code == 302 and opened.headers["location"] == f"/@mira/{work_id}"
        assert visitor.get(f"/@mira/{work_id}").status_code == 200
        assert unread_badge(artist) == 0
        assert api_unread(server.url, api.access_token) == 0


def test_likes_grouped_and_unread_agrees_with_the_api(make_database, tmp_path):
    with (
        instance(make_database("site"), tmp_path, SERVER_RUN_WORKER="false") as server,
        httpx.Client(base_url=server.url) as artist,
    ):
        for name in ("mira", "ana", "ben", "cy"):
            server.user(name)
        login(artist, "mira")
        made = artist.post("/upload", data={"csrf_token": csrf(artist, "/upload"),
                                            "title": "Harbour", "description": "Ink on paper."})
        assert made.status_code == 302, made.text
        work_id = made.headers["location"].rsplit("/", 1)[1]
        for name in ("ana", "ben", "cy"):
            with httpx.Client(base_url=server.url) as fan:
                login(fan, name)
                token = csrf(fan, f"/@mira/{work_id}")
                assert fan.post(f"/works/{work_id}/like", data={"csrf_token": token}).status_code == 302
                if name == "ana":
                    assert fan.post(f"/works/{work_id}/boost",
                                    data={"csrf_token": token}).status_code == 302
        server.work()

        api = code_grant_login(server.url, "mira")
        notes = artist.get("/notifications").text
        assert len(re.findall(r"<li class=\"unread\"", notes)) == 2  # the likes, the boost
        assert re.search(r">cy</a> and 2 others liked “Harbour”", notes), notes
        assert re.search(r">ana</a> boosted “Harbour”", notes)
        assert unread_badge(artist) == 4 == api_unread(server.url, api.access_token)
        likes = [n for n in api.notifications() if n["type"] == "favourite"]
        assert len(likes) == 3 and {n["group_key"] for n in likes} == {f"favourite-{work_id}"}

        # Opening the grouped entry reads all three likes (web and API agree).
        link = re.search(r'href="(/notifications/\d+)">See the work</a>', notes).group(1)
        assert artist.get(link).headers["location"] == f"/@mira/{work_id}"
        assert unread_badge(artist) == 1 == api_unread(server.url, api.access_token)

        assert artist.get("/notifications/999999").status_code == 404
        assert artist.post("/notifications/read").status_code in (400, 403)  # no CSRF token
        assert unread_badge(artist) == 1

        # "Mark all as read" moves the marker Mastodon clients read.
        done = artist.post("/notifications/read",
                           data={"csrf_token": csrf(artist, "/notifications")})
        assert done.status_code == 302
        assert unread_badge(artist) == 0 == api_unread(server.url, api.access_token)
        newest = max(int(n["id"]) for n in api.notifications())
        assert api.markers_get(["notifications"])["notifications"]["last_read_id"] == str(newest)
        assert "Mark all as read" not in artist.get("/notifications").text

        # A client moving the marker back is seen by the web too: above the oldest like,
        # only the boost was never opened.
        oldest = min(int(n["id"]) for n in api.notifications())
        api.markers_set(["notifications"], [oldest])
        assert unread_badge(artist) == 1 == api_unread(server.url, api.access_token)
