"""The work page shows the artist's own AI declaration beside what the files declare
(the provenance verdict), over real HTTP against a running server with its worker."""

from __future__ import annotations

import io

import httpx
import pytest
from mastodon import Mastodon

from tests.client_api.conftest import PASSWORD, instance, png_bytes, register_app

pytestmark = pytest.mark.slow


def test_work_page_shows_the_artists_declaration_and_the_file_verdict(tmp_path):
    with instance(f"sqlite://{tmp_path / 'db.sqlite3'}", tmp_path, API_PASSWORD_GRANT="true") as inst:
        inst.user("ines")
        client_id, secret = register_app(inst.url)
        api = Mastodon(client_id=client_id, client_secret=secret, api_base_url=inst.url)
        api.log_in("ines", PASSWORD, allow_http=True)
        headers = {"Authorization": f"Bearer {api.access_token}"}

        def post(seed: int, **fields: str) -> str:
            media = api.media_post(io.BytesIO(png_bytes(seed)), mime_type="image/png", synchronous=True)
            answer = httpx.post(
                inst.url + "/api/v1/statuses",
                headers=headers,
                data={"status": "Harbour study", "media_ids[]": media.id, **fields},
            )
            assert answer.status_code == 200, answer.text
            assert answer.json()["impasto"]["provenance_verdict"] == "none"
            return answer.json()["url"]

        assisted = httpx.get(post(1, ai_declaration="assisted"))
        assert assisted.status_code == 200
        assert "The artist declares this work AI-assisted" in assisted.text
        # The files carried no signal: said as such, never as proof of anything.
        assert "no AI signal declared" in assisted.text
        assert "Absence of a signal proves nothing" in assisted.text

        generated = httpx.get(post(2, ai_declaration="generated"))
        assert "The artist declares this work AI-generated" in generated.text

        undeclared = httpx.get(post(3))
        assert undeclared.status_code == 200
        assert "The artist has not declared any AI use" in undeclared.text
        assert "The artist declares" not in undeclared.text
        assert "no AI signal declared" in undeclared.text
        assert "does not mean the work is human-made" in undeclared.text
