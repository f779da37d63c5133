"""Editing a status with mastodon-py (`status_update`) against a real server, on SQLite and
PostgreSQL: text, content warning, sensitive, the images' order, alt text and focus,
removing an image, Impasto's art fields; visibility is not editable (as in Mastodon);
bad edits answer 4xx with a message and change nothing; `status_history` lists every
version."""

from __future__ import annotations

import io

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from tests.client_api.conftest import instance, png_bytes
from tests.client_api.test_flow import password_login

pytestmark = pytest.mark.slow


def test_status_update_edits_what_mastodon_can_express(make_database, tmp_path):
    with instance(make_database("edit"), tmp_path, API_PASSWORD_GRANT="true",
                  SERVER_RUN_WORKER="false", CLOAK_ENABLED="false") as inst:
        inst.user("ines")
        inst.user("otto")
        ines, otto = password_login(inst.url, "ines"), password_login(inst.url, "otto")
        first, second = (ines.media_post(io.BytesIO(png_bytes(seed)), mime_type="image/png",
                                         description=alt)
                         for seed, alt in ((1, "Harbour"), (2, "Dunes")))
        inst.work()
        status = ines.status_post("Two shores", media_ids=[first, second])
        put = f"{inst.url}/api/v1/statuses/{status.id}"
        headers = {"Authorization": f"Bearer {ines.access_token}"}

        edited = ines.status_update(status.id, "Two shores, revised #coast", spoiler_text="Glare",
                                    sensitive=True, media_attributes=[
            ines.generate_media_edit_attributes(second.id, description="Dunes at noon",
                                                focus=(0.5, -0.5)),
            ines.generate_media_edit_attributes(first.id, description="Harbour at dusk"),
        ])
        assert edited.content.startswith("<p>Two shores, revised")
        assert edited.spoiler_text == "Glare" and edited.sensitive and edited.edited_at
        assert [m.description for m in edited.media_attachments] == ["Dunes at noon", "Harbour at dusk"]
        assert edited.media_attachments[0].meta.focus == {"x": 0.5, "y": -0.5}
        assert [t.name for t in edited.tags] == ["coast"]

        # Impasto's fields; visibility is not editable, as in Mastodon.
        answer = httpx.put(put, headers=headers, json={
            "title": "Shores", "licence": "CC-BY-NC-4.0", "medium": "oil", "tools": ["knife"],
            "visibility": "direct"})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["visibility"] == "public"
        assert (body["impasto"]["title"], body["impasto"]["licence"]) == ("Shores", "CC-BY-NC-4.0")
        assert body["impasto"]["licence_name"] == "CC BY-NC 4.0"
        assert body["impasto"]["licence_url"] == "https://creativecommons.org/licenses/by-nc/4.0/"
        assert body["impasto"]["medium"] == "oil" and body["impasto"]["tools"] == ["knife"]

        # Bad edits: 4xx with a message, nothing changed.
        for payload, status_code, message in (
            ({"media_ids": []}, 422, "at least one image"),
            ({"media_ids": [str(n) for n in range(1, 12)]}, 422, "at most 10 images"),
            ({"title": " "}, 422, "needs a title"),
            ({"licence": "mine"}, 422, "licence must be one of"),
            ({"media_attributes": [{"id": str(first.id), "focus": "3,0"}]}, 422, "focal point"),
        ):
            refused = httpx.put(put, headers=headers, json=payload)
            assert refused.status_code == status_code, (payload, refused.text)
            assert message in refused.json()["error"]
        with pytest.raises(MastodonNotFoundError):
            otto.status_update(status.id, "Mine now")
        after = ines.status(status.id)
        assert after.content == edited.content and after.spoiler_text == "Glare"
        assert [m.id for m in after.media_attachments] == [second.id, first.id]

        # Removing an image: the new set of media_ids.
        fewer = ines.status_update(status.id, "Two shores, revised #coast", media_ids=[first.id])
        assert [m.description for m in fewer.media_attachments] == ["Harbour at dusk"]
        with pytest.raises(MastodonAPIError) as gone:
            ines.media(second.id)
        assert gone.value.args[1] == 404

        # The history, oldest first: the post, then each edit that was sent.
        versions = otto.status_history(status.id)
        assert len(versions) == 4
        assert versions[0].content == "<p>Two shores</p>" and versions[0].spoiler_text == ""
        assert [m.description for m in versions[0].media_attachments] == ["Harbour", "Dunes"]
        assert versions[1].spoiler_text == "Glare" and versions[1].sensitive
        assert [m.description for m in versions[1].media_attachments] == ["Dunes at noon", "Harbour at dusk"]
        assert "Licence:" not in versions[2].content  # the Note's readable line is not the text
        assert versions[-1].content == fewer.content
        assert [m.id for m in versions[-1].media_attachments] == [first.id]
