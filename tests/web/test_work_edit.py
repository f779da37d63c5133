"""Editing and deleting a work from the web, over real HTTP against a running server (its
jobs run by `impasto worker --until-idle`), on SQLite and PostgreSQL: the owner's form
changes every field and the images' order and alt text, the licence shows by name with
its deed, bad input answers a clear 4xx and changes nothing, nobody else can edit or
delete, and delete asks once, then the work and its images are gone."""

from __future__ import annotations

import io
import re

import httpx
import pytest
from mastodon import Mastodon

from tests.client_api.conftest import PASSWORD, instance, png_bytes, register_app
from tests.web.test_auth_pages import csrf, login

pytestmark = pytest.mark.slow
ALT = re.compile(r'<img src="(/media/[^"]+)"[^>]*? alt="([^"]*)"')
BY_4 = "https://creativecommons.org/licenses/by/4.0/"
BY_SA_4 = "https://creativecommons.org/licenses/by-sa/4.0/"


def published_work(inst, api: Mastodon) -> tuple[int, list[str], str]:
    """Two images (alt text, processed by the worker), then the work: its id, media ids, page."""
    ids = []
    for seed, alt in ((1, "Harbour at dusk"), (2, "Dunes at noon")):
        ids.append(api.media_post(io.BytesIO(png_bytes(seed)), mime_type="image/png",
                                  description=alt).id)
    inst.work()
    status = api.status_post("Two shores #sea", media_ids=ids)
    headers = {"Authorization": f"Bearer {api.access_token}"}
    httpx.put(f"{inst.url}/api/v1/statuses/{status.id}", headers=headers,
              data={"title": "Shores", "licence": "CC-BY-4.0", "medium": "oil"})
    inst.work()
    return int(status.id), [str(i) for i in ids], status.url


def edit_form(client: httpx.Client, work_id: int, **changes: str) -> dict[str, str]:
    """The edit form as the page fills it, with `changes` on top (what a person submits)."""
    answer = client.get(f"/works/{work_id}/edit")
    assert answer.status_code == 200, answer.text
    page = answer.text
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page))
    fields.update(re.findall(r'<textarea name="([^"]+)"[^>]*>([^<]*)</textarea>', page))
    for name, options in re.findall(r'<select name="([^"]+)">(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        fields[name] = chosen.group(1) if chosen else ""
    fields.pop("files", None)
    return {**fields, **changes}


def test_edit_and_delete_a_work_from_the_web(make_database, tmp_path):
    with instance(make_database("web-edit"), tmp_path, API_PASSWORD_GRANT="true",
                  SERVER_RUN_WORKER="false", CLOAK_ENABLED="false") as inst:
        inst.user("ines")
        inst.user("otto")
        client_id, secret = register_app(inst.url)
        api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=inst.url)
        api.log_in("ines", PASSWORD, allow_http=True)
        work_id, (first, second), url = published_work(inst, api)

        with httpx.Client(base_url=inst.url) as ines, httpx.Client(base_url=inst.url) as otto:
            page = ines.get(url).text
            assert f'<a href="{BY_4}" rel="license nofollow noopener">CC BY 4.0</a>' in page
            assert ines.get(url).text.count(f"/works/{work_id}/edit") == 0  # not logged in
            login(ines, "ines")
            login(otto, "otto")
            assert f'href="/works/{work_id}/edit"' in ines.get(url).text
            assert f"/works/{work_id}/edit" not in otto.get(url).text

            # Someone else's work: not found, for the form and the actions alike.
            token = csrf(otto, "/upload")
            assert otto.get(f"/works/{work_id}/edit").status_code == 404
            assert otto.post(f"/works/{work_id}/edit",
                             data={"csrf_token": token, "title": "Mine"}).status_code == 404
            assert otto.get(f"/works/{work_id}/delete").status_code == 404
            assert otto.post(f"/works/{work_id}/delete", data={"csrf_token": token}).status_code == 404
            assert ines.post(f"/works/{work_id}/edit", data={"title": "No token"}).status_code == 400

            # Bad input: a clear 4xx, the form again, nothing changed.
            for changes, files, message in (
                ({"title": "  "}, None, "A work needs a title"),
                ({f"remove-{first}": "on", f"remove-{second}": "on"}, None,
                 "A work keeps at least one image"),
                ({f"focus-x-{first}": "left"}, None, "The focal point of image 1 must be a number"),
                ({}, [("files", (f"{n}.png", b"x", "image/png")) for n in range(9)],
                 "A work has at most 10 images"),
                ({"visibility": "direct"}, None, "direct message stays direct"),
            ):
                answer = ines.post(f"/works/{work_id}/edit", data=edit_form(ines, work_id, **changes),
                                   files=files)
                assert answer.status_code == 422, (changes, re.findall(r"<main.*?</main>", answer.text, re.S))
                assert message in answer.text
                assert 'role="alert"' in answer.text
            unchanged = ines.get(url).text
            assert "<h1>Shores</h1>" in unchanged
            assert [alt for _, alt in ALT.findall(unchanged)] == ["Harbour at dusk", "Dunes at noon"]

            # The edit: every field, the images swapped and one alt text changed.
            saved = ines.post(f"/works/{work_id}/edit", data=edit_form(
                ines, work_id, title="Two shores, revised", description="Revised. #coast",
                medium="oil on board", tools="brush, knife", tags="study",
                licence="CC-BY-SA-4.0", summary="Bright light", visibility="unlisted",
                ai_declaration="assisted", **{f"position-{first}": "2", f"position-{second}": "1",
                                              f"alt-{second}": "Dunes at noon, revised",
                                              f"focus-x-{first}": "0.5", f"focus-y-{first}": "-0.25"}))
            assert saved.status_code == 302, saved.text[:500]
            assert saved.headers["location"].endswith(f"/@ines/{work_id}?saved=1")
            assert "Saved. Everyone who has this work is sent the change." in ines.get(
                saved.headers["location"]).text
            page = ines.get(url).text
            assert "<h1>Two shores, revised</h1>" in page
            assert [alt for _, alt in ALT.findall(page)] == ["Dunes at noon, revised", "Harbour at dusk"]
            assert f'<a href="{BY_SA_4}" rel="license nofollow noopener">CC BY-SA 4.0</a>' in page
            assert "Bright light" in page and "oil on board" in page and "brush, knife" in page
            assert 'href="/tags/coast"' in page and 'href="/tags/study"' in page
            assert 'href="/tags/sea"' not in page
            assert "The artist declares this work AI-assisted" in page

            status = api.status(work_id)
            assert status.visibility == "unlisted" and status.spoiler_text == "Bright light"
            assert [m.description for m in status.media_attachments] == [
                "Dunes at noon, revised", "Harbour at dusk"]
            assert status.media_attachments[1].meta.focus == {"x": 0.5, "y": -0.25}
            assert status.edited_at is not None

            # A new image from the form: back to the form to describe it; published once processed.
            added = ines.post(f"/works/{work_id}/edit", data=edit_form(ines, work_id),
                              files=[("files", ("cliffs.png", png_bytes(3), "image/png"))])
            assert added.status_code == 302 and added.headers["location"].endswith("?added=1")
            form = ines.get(added.headers["location"]).text
            assert "Saved, with 1 new" in form and "Being checked and cloaked" in form
            assert len(ALT.findall(ines.get(url).text)) == 2  # not shown before it is ready
            inst.work()
            assert [m.description for m in api.status(work_id).media_attachments] == [
                "Dunes at noon, revised", "Harbour at dusk", None]
            page = ines.get(url).text
            assert len(ALT.findall(page)) == 3

            # Delete asks once (a page, no script), then the work and its images are gone.
            media_url = ALT.findall(page)[0][0]
            assert ines.get(media_url).status_code == 200
            confirm = ines.get(f"/works/{work_id}/delete")
            assert confirm.status_code == 200 and "This cannot be undone" in confirm.text
            assert ines.get(url).status_code == 200  # asking deleted nothing
            gone = ines.post(f"/works/{work_id}/delete", data={"csrf_token": csrf(ines, "/upload")})
            assert gone.status_code == 302 and gone.headers["location"].endswith("/@ines")
            assert ines.get(url).status_code == 404
            assert ines.get(media_url).status_code == 404
            assert ines.get(f"/works/{work_id}/edit").status_code == 404
